package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import dev.llmcache.common.serde.Json;
import dev.llmcache.simulator.FaultyUpstream.Fault;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A failed, hung or cut upstream reaches the client as an error and is never cached. */
class UpstreamFailureTest extends PipelineTestBase {

    @Test
    void anUpstreamHttp500IsA502AndIsNotCached() {
        String prompt = uniquePrompt("fail-500");
        UPSTREAM.failWhenPromptContains(prompt, Fault.HTTP_500);

        HttpResponse<String> failed = chat(prompt);

        assertThat(failed.statusCode()).isEqualTo(502);
        assertOpenAiError(failed.body(), "upstream_error");
        // A 500 before the first token is tried three times in all (llmcache.llm.retry.max-attempts).
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(3);
        assertNothingWasCached(prompt);
    }

    @Test
    void anUpstreamThatNeverAnswersTimesOutWith504() {
        String prompt = uniquePrompt("hang");
        UPSTREAM.failWhenPromptContains(prompt, Fault.HANG);

        HttpResponse<String> timedOut = chat(prompt);

        assertThat(timedOut.statusCode()).isEqualTo(504);
        assertOpenAiError(timedOut.body(), "upstream_error");
    }

    @Test
    void aStreamCutMidWayEndsTheClientStreamWithAnErrorEventAndIsNotCached() {
        String prompt = uniquePrompt("cut");
        UPSTREAM.failWhenPromptContains(prompt, Fault.CUT_MID_STREAM);

        HttpResponse<String> cut = post("/v1/chat/completions", chatBody(prompt, true));
        SseStream stream = SseStream.parse(cut.headers().firstValue("X-Cache").orElse("?"), cut.body());

        assertThat(cut.statusCode()).isEqualTo(200);
        assertThat(stream.text()).isNotEmpty();
        assertThat(stream.error()).isNotNull();
        assertThat(stream.error().path("type").asString()).isEqualTo("upstream_error");
        assertThat(stream.done()).isFalse();
        assertNothingWasCached(prompt);
    }

    @Test
    void aStreamThatEndsWithoutAFinishReasonIsTruncatedAndIsNotCached() {
        String prompt = uniquePrompt("no finish reason");
        UPSTREAM.failWhenPromptContains(prompt, Fault.NO_FINISH_REASON);

        HttpResponse<String> truncated = chat(prompt);

        assertThat(truncated.statusCode()).isEqualTo(502);
        assertOpenAiError(truncated.body(), "upstream_error");
        assertNothingWasCached(prompt);
    }

    @Test
    void anUpstreamFailingHalfItsCallsCachesOnlyTheAnswersItGave() {
        String[] prompts = new String[4];
        for (int i = 0; i < prompts.length; i++) {
            prompts[i] = uniquePrompt("half failing " + i);
            if (i % 2 == 1) {
                UPSTREAM.failWhenPromptContains(prompts[i], Fault.HTTP_500);
            }
        }
        for (int i = 0; i < prompts.length; i++) {
            assertThat(chat(prompts[i]).statusCode()).isEqualTo(i % 2 == 1 ? 502 : 200);
        }
        UPSTREAM.clearFaults();

        for (int i = 0; i < prompts.length; i++) {
            HttpResponse<String> again = chat(prompts[i]);
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(again.headers().firstValue("X-Cache")).as(prompts[i]).hasValue(i % 2 == 1 ? "MISS" : "HIT");
        }
    }

    /** Once the upstream works again, the same prompt is a miss: the failed answer was not cached. */
    private void assertNothingWasCached(String prompt) {
        UPSTREAM.clearFaults();
        long failedCalls = UPSTREAM.requestsContaining(prompt);
        HttpResponse<String> retried = chat(prompt);
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(retried.headers().firstValue("X-Cache")).hasValue("MISS");
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(failedCalls + 1);
    }

    static void assertOpenAiError(String body, String type) {
        JsonNode error = Json.MAPPER.readTree(body).path("error");
        assertThat(error.path("message").asString()).isNotBlank();
        assertThat(error.path("type").asString()).isEqualTo(type);
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
    }
}
