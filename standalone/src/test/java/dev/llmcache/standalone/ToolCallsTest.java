package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.serde.Json;
import dev.llmcache.simulator.FaultyUpstream.Fault;
import dev.llmcache.simulator.FaultyUpstream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** An answer that is a tool call reaches the client whole, and a cache hit serves the same call. */
class ToolCallsTest extends PipelineTestBase {

    @Test
    void aToolCallAnswerIsPassedThroughAndServedFaithfullyFromTheCache() {
        String prompt = uniquePrompt("weather tool");
        UPSTREAM.failWhenPromptContains(prompt, Fault.TOOL_CALL);

        HttpResponse<String> miss = chat(prompt);
        HttpResponse<String> hit = chat(prompt);

        assertThat(miss.statusCode()).isEqualTo(200);
        assertThat(hit.headers().firstValue("X-Cache")).hasValue("HIT");
        for (HttpResponse<String> response : List.of(miss, hit)) {
            JsonNode choice = Json.MAPPER.readTree(response.body()).path("choices").path(0);
            assertThat(choice.path("finish_reason").asString()).isEqualTo("tool_calls");
            assertThat(choice.path("message").path("content").isNull()).as("no text content").isTrue();
            JsonNode call = choice.path("message").path("tool_calls").path(0);
            assertThat(call.path("id").asString()).startsWith("call_");
            assertThat(call.path("type").asString()).isEqualTo("function");
            assertThat(call.path("function").path("name").asString()).isEqualTo("get_weather");
            assertThat(call.path("function").path("arguments").asString())
                    .isEqualTo(FaultyUpstream.TOOL_CALL_ARGUMENTS);
        }
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(1);
    }

    @Test
    void aStreamedToolCallArrivesAsToolCallDeltasWithItsFinishReason() {
        String prompt = uniquePrompt("streamed weather tool");
        UPSTREAM.failWhenPromptContains(prompt, Fault.TOOL_CALL);

        HttpResponse<String> streamed = post("/v1/chat/completions", chatBody(prompt, true));

        List<JsonNode> chunks = new ArrayList<>();
        for (String line : streamed.body().split("\n")) {
            if (line.startsWith("data:") && !line.contains("[DONE]")) {
                chunks.add(Json.MAPPER.readTree(line.substring(5).strip()));
            }
        }
        StringBuilder arguments = new StringBuilder();
        String name = null;
        String finish = null;
        for (JsonNode chunk : chunks) {
            JsonNode choice = chunk.path("choices").path(0);
            for (JsonNode piece : choice.path("delta").path("tool_calls")) {
                assertThat(piece.path("index").asInt()).isZero();
                if (piece.path("function").path("name").isString()) {
                    name = piece.path("function").path("name").asString();
                }
                arguments.append(piece.path("function").path("arguments").asString(""));
            }
            if (choice.path("finish_reason").isString()) {
                finish = choice.path("finish_reason").asString();
            }
        }
        assertThat(name).isEqualTo("get_weather");
        assertThat(arguments.toString()).isEqualTo(FaultyUpstream.TOOL_CALL_ARGUMENTS);
        assertThat(finish).isEqualTo("tool_calls");
    }
}
