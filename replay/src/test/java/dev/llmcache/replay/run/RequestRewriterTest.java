package dev.llmcache.replay.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.replay.ReplayJson;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class RequestRewriterTest {

    private static ObjectNode body() {
        return (ObjectNode) ReplayJson.MAPPER.readTree("{\"model\":\"a\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    @Test
    void mapsModelsSetsFieldsAsJsonWhereTheyAreJsonAndAsksForWholeAnswers() {
        RequestRewriter rewriter = new RequestRewriter(Map.of("a", "b"), RequestRewriter.fields(Map.of(
                "temperature", "0", "user", "alice", "response_format", "{\"type\":\"json_object\"}")));
        ObjectNode input = body();

        ObjectNode sent = rewriter.rewrite(input);

        assertThat(sent.path("model").asString()).isEqualTo("b");
        assertThat(sent.path("temperature").isNumber()).isTrue();
        assertThat(sent.path("user").asString()).isEqualTo("alice");
        assertThat(sent.path("response_format").path("type").asString()).isEqualTo("json_object");
        assertThat(sent.has("stream")).isFalse();
        assertThat(sent.has("stream_options")).isFalse();
        assertThat(input).as("the input line is left as it is").isEqualTo(body());
    }

    @Test
    void leavesModelsWithoutAMappingAlone() {
        ObjectNode sent = new RequestRewriter(Map.of("x", "y"), Map.of()).rewrite(body());

        assertThat(sent.path("model").asString()).isEqualTo("a");
    }
}
