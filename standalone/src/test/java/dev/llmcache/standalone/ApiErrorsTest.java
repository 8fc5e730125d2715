package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input gets a clear 4xx in the OpenAI error shape: never a 5xx, never a hang. */
class ApiErrorsTest extends PipelineTestBase {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{bad json                                                           | 400 | ",
            "[1,2]                                                               | 400 | ",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}               | 400 | model",
            "{\"model\":\"gpt-4o-mini\"}                                           | 400 | messages",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[]}                             | 400 | messages",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]} | 400 | messages[0].role",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\"}]}          | 400 | messages[0].content",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":7} | 400 | temperature",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":-1} | 400 | max_tokens",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"} | 400 | stream",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":3} | 400 | n",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":[1]} | 400 | stop",
            "{\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 404 | model",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"x_unknown\":1e400} | 400 | x_unknown",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"logit_bias\":{\"50256\":-1e400}} | 400 | logit_bias",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"maximum\":1e400}}}]} | 400 | tools",
    })
    void invalidBodiesAreRejected(String body, int status, String param) {
        HttpResponse<String> response = post("/v1/chat/completions", body);

        assertThat(response.statusCode()).isEqualTo(status);
        UpstreamFailureTest.assertOpenAiError(response.body(), "invalid_request_error");
        if (param != null) {
            assertThat(response.body()).contains("\"param\":\"" + param + "\"");
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "Cache-Control | max-age=soon",
            "Cache-Control | max-age=-5",
            "X-Cache-TTL   | 0",
            "X-Cache-TTL   | forever",
            "X-Request-ID  | has spaces and <tags>",
            "X-Tenant-ID   | ../../etc",
    })
    void invalidHeadersAreRejected(String header, String value) {
        HttpResponse<String> response = chat(uniquePrompt("bad header"), header, value);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("\"param\":\"" + header.replace("Cache-Control", "Cache-Control max-age"));
    }

    @Test
    void anOversizedBodyIs413() {
        String huge = "x".repeat(100_000);

        HttpResponse<String> response = chat(huge);

        assertThat(response.statusCode()).isEqualTo(413);
        UpstreamFailureTest.assertOpenAiError(response.body(), "invalid_request_error");
    }

    @Test
    void aNonJsonContentTypeIs415() throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(chatBody("hi", false)))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(415);
        UpstreamFailureTest.assertOpenAiError(response.body(), "invalid_request_error");
    }

    @Test
    void anUnknownRouteIs404InTheSameShape() throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri("/v1/nothing-here")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(404);
        UpstreamFailureTest.assertOpenAiError(response.body(), "invalid_request_error");
    }

    @Test
    void theModelListNamesTheConfiguredModels() throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri("/v1/models")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"object\":\"list\"", "\"id\":\"gpt-4o-mini\"", "\"id\":\"gpt-4o\"");
    }
}
