package dev.llmcache.ingest.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.llm.ModelCatalog;
import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.api.ChatRequestParser;
import dev.llmcache.ingest.auth.Caller;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

class EmbeddingsRequestParserTest {

    private static final LlmProperties LLM = new LlmProperties("openai", "http://127.0.0.1:1/v1", null,
            List.of("m", "chat-only"), java.util.Map.of("sim", new LlmProperties.Provider("simulated", null, null, 0)),
            java.util.Map.of("chat-only", new LlmProperties.Route("sim", null)),
            new LlmProperties.Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1),
                    Duration.ofSeconds(1)), new LlmProperties.Simulator(Duration.ZERO, 100), null, null, null, 0);
    private final EmbeddingsRequestParser parser =
            new EmbeddingsRequestParser(new ChatRequestParser(new ModelCatalog(LLM), "default", null));

    private EmbeddingsRequest parse(String json, String... headers) {
        HttpHeaders http = new HttpHeaders();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            http.add(headers[i], headers[i + 1]);
        }
        return parser.parse(json.getBytes(), http, Caller.OPEN);
    }

    @Test
    void aStringIsOneInputAndAnArrayOfStringsIsOneEach() {
        assertThat(parse("{\"model\":\"m\",\"input\":\"hello\"}").items()).hasSize(1);
        assertThat(parse("{\"model\":\"m\",\"input\":[\"a\",\"b\",\"c\"]}").items())
                .extracting(item -> item.text()).containsExactly("a", "b", "c");
    }

    @Test
    void anArrayOfTokenIdsIsOneInputAndAnArrayOfArraysIsOneEach() {
        assertThat(parse("{\"model\":\"m\",\"input\":[1,2,3]}").items()).singleElement()
                .satisfies(item -> assertThat(item.input().size()).isEqualTo(3));
        assertThat(parse("{\"model\":\"m\",\"input\":[[1],[2,3]]}").items()).hasSize(2);
    }

    @Test
    void theSameTextHasTheSameKeyAloneOrAmongOthersAndDifferentKeysAcrossNamespacesAndDimensions() {
        String alone = parse("{\"model\":\"m\",\"input\":\"same\"}").query(0).cacheKey();
        EmbeddingsRequest among = parse("{\"model\":\"m\",\"input\":[\"other\",\"same\"]}");

        assertThat(among.query(1).cacheKey()).isEqualTo(alone);
        assertThat(among.query(0).cacheKey()).isNotEqualTo(alone);
        assertThat(parse("{\"model\":\"m\",\"input\":\"same\"}", "X-Tenant-ID", "other").query(0).cacheKey())
                .isNotEqualTo(alone);
        assertThat(parse("{\"model\":\"m\",\"input\":\"same\",\"dimensions\":8}").query(0).cacheKey())
                .isNotEqualTo(alone);
        assertThat(parse("{\"model\":\"m\",\"input\":\"same\",\"encoding_format\":\"base64\"}").query(0).cacheKey())
                .isEqualTo(alone);
    }

    @Test
    void eachInputHasItsOwnRequestIdDerivedFromTheClients() {
        EmbeddingsRequest request = parse("{\"model\":\"m\",\"input\":[\"a\",\"b\"]}", "X-Request-ID", "r1");

        assertThat(request.query(0).requestId()).isEqualTo("r1#0");
        assertThat(request.query(1).requestId()).isEqualTo("r1#1");
    }

    @Test
    void malformedInputsAreRefusedNamingTheParameter() {
        assertRefused("{\"model\":\"m\"}", "input");
        assertRefused("{\"model\":\"m\",\"input\":[]}", "input");
        assertRefused("{\"model\":\"m\",\"input\":\"\"}", "input");
        assertRefused("{\"model\":\"m\",\"input\":{}}", "input");
        assertRefused("{\"model\":\"m\",\"input\":[\"a\",1]}", "input[1]");
        assertRefused("{\"model\":\"m\",\"input\":[[1],[]]}", "input[1]");
        assertRefused("{\"model\":\"m\",\"input\":[1,\"a\"]}", "input");
        assertRefused("{\"model\":\"m\",\"input\":[[1.5]]}", "input[0]");
        assertRefused("{\"model\":\"m\",\"input\":\"a\",\"dimensions\":-1}", "dimensions");
        assertRefused("{\"model\":\"m\",\"input\":\"a\",\"dimensions\":\"8\"}", "dimensions");
        assertRefused("{\"model\":\"m\",\"input\":\"a\",\"encoding_format\":\"hex\"}", "encoding_format");
        assertRefused("{\"model\":\"nope\",\"input\":\"a\"}", "model");
        assertRefused("{\"model\":\"chat-only\",\"input\":\"a\"}", "model");
    }

    private void assertRefused(String json, String param) {
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.param()).isEqualTo(param);
            assertThat(e.error().status()).isBetween(400, 499);
        });
    }
}
