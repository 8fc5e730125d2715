package dev.llmcache.ingest.api;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.MessageExtras;
import dev.llmcache.common.serde.Json;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.codec.ServerSentEvent;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Renders one request's answers as OpenAI {@code chat.completion.chunk} server-sent events, ending
 * with {@code data: [DONE]}; an error mid-stream becomes a final {@code {"error":...}} event.
 * One instance per request: it remembers whether the role and any content were sent.
 */
final class OpenAiStreamFormat {

    private final String id;
    private final String model;
    private final long created = System.currentTimeMillis() / 1000;
    private final boolean includeUsage;
    private boolean roleSent;
    private boolean contentSent;

    OpenAiStreamFormat(ParsedQuery query) {
        this.id = "chatcmpl-" + query.requestId();
        this.model = query.model();
        this.includeUsage = query.includeUsage();
    }

    List<ServerSentEvent<String>> render(Answer answer) {
        List<ServerSentEvent<String>> events = new ArrayList<>(4);
        switch (answer.type()) {
            case STARTED -> { }
            case CHUNK -> events.add(content(answer.delta()));
            case DONE -> {
                if (!contentSent && answer.content() != null && !answer.content().isEmpty()) {
                    events.add(content(answer.content()));
                }
                if (answer.extras() != null) {
                    events.add(data(extras(answer.extras())));
                }
                events.add(data(chunk(null, answer.finishReason() == null ? "stop" : answer.finishReason())));
                if (includeUsage && answer.usage() != null) {
                    ObjectNode usage = chunk(null, null);
                    usage.putArray("choices");
                    usage.set("usage", OpenAiJson.usage(answer.usage()));
                    events.add(data(usage));
                }
                events.add(ServerSentEvent.builder("[DONE]").build());
            }
            case ERROR -> events.add(ServerSentEvent.builder(
                    ErrorResponses.json(answer.error(), null)).build());
        }
        return events;
    }

    private ServerSentEvent<String> content(String text) {
        contentSent = true;
        return data(chunk(text, null));
    }

    /**
     * The answer's tool calls and refusal in one chunk, each tool call whole (OpenAI streams them
     * in pieces; a client assembles pieces by index, so one complete piece per call is the same).
     */
    private ObjectNode extras(MessageExtras extras) {
        ObjectNode chunk = chunk(null, null);
        ObjectNode delta = (ObjectNode) chunk.path("choices").path(0).path("delta");
        if (!roleSent) {
            delta.put("role", "assistant");
            roleSent = true;
        }
        if (extras.toolCalls() != null) {
            ArrayNode calls = delta.putArray("tool_calls");
            for (int i = 0; i < extras.toolCalls().size(); i++) {
                ObjectNode call = calls.addObject().put("index", i);
                extras.toolCalls().get(i).properties().forEach(e -> call.set(e.getKey(), e.getValue()));
            }
        }
        if (extras.refusal() != null) {
            delta.put("refusal", extras.refusal());
        }
        return chunk;
    }

    private ObjectNode chunk(String text, String finishReason) {
        ObjectNode chunk = OpenAiJson.envelope(id, "chat.completion.chunk", created, model);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (!roleSent && text != null) {
            delta.put("role", "assistant");
            roleSent = true;
        }
        if (text != null) {
            delta.put("content", text);
        }
        choice.put("finish_reason", finishReason);
        return chunk;
    }

    private static ServerSentEvent<String> data(ObjectNode json) {
        return ServerSentEvent.builder(Json.MAPPER.writeValueAsString(json)).build();
    }
}
