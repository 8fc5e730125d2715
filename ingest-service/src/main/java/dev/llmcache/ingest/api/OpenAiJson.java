package dev.llmcache.ingest.api;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.MessageExtras;
import dev.llmcache.common.event.Usage;
import dev.llmcache.common.serde.Json;
import tools.jackson.databind.node.ObjectNode;

/** The JSON objects of the OpenAI chat-completions API that ingest produces. */
public final class OpenAiJson {

    /** Tells clients the answer passed through this pipeline (OpenAI's field for backend identity). */
    static final String FINGERPRINT = "llmcache";

    private OpenAiJson() {
    }

    static ObjectNode envelope(String id, String object, long created, String model) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", id);
        node.put("object", object);
        node.put("created", created);
        node.put("model", model);
        node.put("system_fingerprint", FINGERPRINT);
        return node;
    }

    /** A non-streamed {@code chat.completion} for a finished answer. */
    public static ObjectNode completion(ParsedQuery query, Answer done) {
        ObjectNode completion = envelope("chatcmpl-" + query.requestId(), "chat.completion",
                System.currentTimeMillis() / 1000, query.model());
        ObjectNode choice = completion.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        MessageExtras extras = done.extras();
        boolean toolCalls = extras != null && extras.toolCalls() != null;
        // An answer that is only tool calls has no content (null, as OpenAI sends it).
        if (toolCalls && (done.content() == null || done.content().isEmpty())) {
            message.putNull("content");
        } else {
            message.put("content", done.content());
        }
        if (toolCalls) {
            message.set("tool_calls", extras.toolCalls());
        }
        if (extras != null && extras.refusal() != null) {
            message.put("refusal", extras.refusal());
        }
        choice.put("finish_reason", done.finishReason() == null ? "stop" : done.finishReason());
        completion.set("usage", usage(done.usage() == null ? Usage.of(0, 0) : done.usage()));
        return completion;
    }

    static ObjectNode usage(Usage usage) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("prompt_tokens", usage.promptTokens());
        node.put("completion_tokens", usage.completionTokens());
        node.put("total_tokens", usage.totalTokens());
        return node;
    }
}
