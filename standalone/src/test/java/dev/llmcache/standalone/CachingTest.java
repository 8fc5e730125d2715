package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import dev.llmcache.common.serde.Json;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The exact-match cache and the per-request cache controls, end to end. */
class CachingTest extends PipelineTestBase {

    @Test
    void aRepeatedQueryIsAnsweredFromTheCacheWithoutCallingTheUpstream() {
        String prompt = uniquePrompt("miss then hit");

        HttpResponse<String> first = chat(prompt);
        HttpResponse<String> second = chat(prompt);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-Cache")).hasValue("MISS");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.headers().firstValue("X-Cache")).hasValue("HIT");
        assertThat(content(second)).isEqualTo(content(first)).startsWith("Simulated answer");
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(1);
    }

    @Test
    void theRequestIdIsEchoedOrGenerated() {
        String prompt = uniquePrompt("request id");

        HttpResponse<String> given = chat(prompt, "X-Request-ID", "client-id-42");
        HttpResponse<String> generated = chat(prompt);

        assertThat(given.headers().firstValue("X-Request-ID")).hasValue("client-id-42");
        assertThat(generated.headers().firstValue("X-Request-ID")).hasValueSatisfying(id -> assertThat(id).hasSize(36));
    }

    @Test
    void equivalentRequestsShareAnEntry() {
        String prompt = uniquePrompt("canonical");
        chat(prompt);

        HttpResponse<String> reordered = post("/v1/chat/completions",
                "{\"messages\":[{\"content\":\"  " + prompt + "\\r\\n\",\"role\":\"user\"}],\"model\":\"gpt-4o-mini\"}");

        assertThat(reordered.headers().firstValue("X-Cache")).hasValue("HIT");
    }

    @Test
    void tenantsDoNotShareEntries() {
        String prompt = uniquePrompt("tenants");
        chat(prompt, "X-Tenant-ID", "alpha");

        HttpResponse<String> other = chat(prompt, "X-Tenant-ID", "beta");

        assertThat(other.headers().firstValue("X-Cache")).hasValue("MISS");
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(2);
    }

    @Test
    void noCacheSkipsTheLookupCallsTheUpstreamAndRefreshesTheEntry() {
        String prompt = uniquePrompt("no-cache");
        chat(prompt);

        HttpResponse<String> bypass = chat(prompt, "Cache-Control", "no-cache");
        HttpResponse<String> after = chat(prompt);

        assertThat(bypass.headers().firstValue("X-Cache")).hasValue("BYPASS");
        assertThat(after.headers().firstValue("X-Cache")).hasValue("HIT");
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(2);
    }

    @Test
    void aNoCacheOnASecondCacheControlLineCountsLikeOneOnTheFirst() {
        String prompt = uniquePrompt("no-cache on the second line");
        chat(prompt);

        HttpResponse<String> bypass = chat(prompt, "Cache-Control", "max-age=600", "Cache-Control", "no-cache");

        assertThat(bypass.headers().firstValue("X-Cache")).hasValue("BYPASS");
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(2);
    }

    @Test
    void noStoreAnswersWithoutCaching() {
        String prompt = uniquePrompt("no-store");

        HttpResponse<String> first = chat(prompt, "Cache-Control", "no-store");
        HttpResponse<String> second = chat(prompt);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.headers().firstValue("X-Cache")).hasValue("MISS");
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(2);
    }

    @Test
    void maxAgeAcceptsOnlyYoungEnoughEntries() throws InterruptedException {
        String prompt = uniquePrompt("max-age");
        chat(prompt);
        Thread.sleep(1_500);

        HttpResponse<String> young = chat(prompt, "Cache-Control", "max-age=60");
        HttpResponse<String> tooOld = chat(prompt, "Cache-Control", "max-age=1");

        assertThat(young.headers().firstValue("X-Cache")).hasValue("HIT");
        assertThat(tooOld.headers().firstValue("X-Cache")).hasValue("MISS");
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(2);
    }

    @Test
    void anExpiredEntryLeadsToANewUpstreamCall() throws InterruptedException {
        String prompt = uniquePrompt("ttl");
        chat(prompt, "X-Cache-TTL", "1");
        Thread.sleep(1_500);

        HttpResponse<String> expired = chat(prompt);

        assertThat(expired.headers().firstValue("X-Cache")).hasValue("MISS");
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(2);
    }

    static String content(HttpResponse<String> response) {
        return Json.MAPPER.readTree(response.body()).path("choices").path(0).path("message").path("content").asString();
    }
}
