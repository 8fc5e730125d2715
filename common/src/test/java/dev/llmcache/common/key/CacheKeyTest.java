package dev.llmcache.common.key;

import static org.assertj.core.api.Assertions.assertThat;
import dev.llmcache.common.serde.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class CacheKeyTest {

    private static ObjectNode request(String json) {
        return (ObjectNode) Json.MAPPER.readTree(json);
    }

    private static String key(String json) {
        return CacheKey.derive("tenant", request(json));
    }

    @Test
    void isAHexSha256() {
        assertThat(key("{\"model\":\"m\",\"messages\":[]}")).matches("[0-9a-f]{64}");
    }

    @Test
    void ignoresFieldOrderNumberSpellingAndTransportFields() {
        String base = key("{\"model\":\"m\",\"temperature\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(key("{\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"temperature\":1.0,\"model\":\"m\"}"))
                .isEqualTo(base);
        assertThat(key("{\"model\":\"m\",\"temperature\":1,\"stream\":true,\"user\":\"u1\","
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .isEqualTo(base);
    }

    @Test
    void normalizesContentWhitespaceLineEndingsAndUnicode() {
        String base = key("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"caf\u00e9\\nok\"}]}");

        assertThat(key("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"  cafe\u0301\\r\\nok \"}]}"))
                .isEqualTo(base);
    }

    @Test
    void aSingleStopStringEqualsAOneElementList() {
        assertThat(key("{\"model\":\"m\",\"stop\":\"END\",\"messages\":[]}"))
                .isEqualTo(key("{\"model\":\"m\",\"stop\":[\"END\"],\"messages\":[]}"));
    }

    @Test
    void everyAnswerChangingParameterChangesTheKey() {
        String base = key("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(key("{\"model\":\"m2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).isNotEqualTo(base);
        assertThat(key("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"hi\"}]}")).isNotEqualTo(base);
        assertThat(key("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")).isNotEqualTo(base);
        for (String param : new String[] {"\"temperature\":0.5", "\"top_p\":0.9", "\"max_tokens\":10", "\"seed\":7",
                "\"stop\":[\"x\"]", "\"tools\":[{\"type\":\"function\"}]", "\"response_format\":{\"type\":\"json_object\"}",
                "\"some_future_param\":true"}) {
            assertThat(key("{\"model\":\"m\"," + param + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .as(param).isNotEqualTo(base);
        }
    }

    @Test
    void aNumberAndAStringOfTheSameDigitsDiffer() {
        assertThat(key("{\"model\":\"m\",\"x\":1,\"messages\":[]}"))
                .isNotEqualTo(key("{\"model\":\"m\",\"x\":\"1\",\"messages\":[]}"));
    }

    @Test
    void namespacesNeverShareAKey() {
        ObjectNode body = request("{\"model\":\"m\",\"messages\":[]}");

        assertThat(CacheKey.derive("alpha", body)).isNotEqualTo(CacheKey.derive("beta", body));
    }
}
