package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.serde.Json;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The cache control plane, end to end: deleting and invalidating through the admin API reaches
 * every tier (the processor's store and this instance's memory) within one second, measured
 * from the API's answer to the first request that calls the LLM again.
 */
class CacheAdminTest extends PipelineTestBase {

    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(1);

    @Test
    void adminEndpointsRejectMissingAndWrongKeys() {
        String key = "0".repeat(64);
        for (HttpRequest.Builder request : new HttpRequest.Builder[] {
                admin("GET", "/cache/entries/" + key, null), admin("DELETE", "/cache/entries/" + key, null),
                admin("POST", "/cache/invalidate", "{\"namespace\":\"x\"}"),
                admin("POST", "/cache/clear", "{\"namespace\":\"x\"}")}) {
            HttpRequest without = request.copy().build();
            assertThat(send(without).statusCode()).as(without.toString()).isEqualTo(401);
            HttpRequest wrong = request.copy().header("Authorization", "Bearer not-the-key").build();
            HttpResponse<String> refused = send(wrong);
            assertThat(refused.statusCode()).as(wrong.toString()).isEqualTo(403);
            assertThat(Json.MAPPER.readTree(refused.body()).path("error").path("code").asString())
                    .isEqualTo("invalid_admin_key");
        }
    }

    @Test
    void badAdminInputIsA400() {
        assertThat(send(authorized(admin("GET", "/cache/entries/not-a-key", null))).statusCode()).isEqualTo(400);
        assertThat(send(authorized(admin("POST", "/cache/invalidate", "{}"))).statusCode()).isEqualTo(400);
        assertThat(send(authorized(admin("POST", "/cache/invalidate", "{\"createdBefore\":\"yesterday\"}")))
                .statusCode()).isEqualTo(400);
        assertThat(send(authorized(admin("POST", "/cache/clear", "[1]"))).statusCode()).isEqualTo(400);
        assertThat(send(authorized(admin("POST", "/cache/clear", "{\"namespace\":7}"))).statusCode()).isEqualTo(400);
    }

    @Test
    void aDeletedEntryIsGoneFromEveryTierWithinOneSecond() throws Exception {
        String prompt = uniquePrompt("admin delete");
        HttpResponse<String> miss = chat(prompt);
        String key = miss.headers().firstValue("X-Cache-Key").orElseThrow();
        untilTier(() -> chat(prompt), "memory", Duration.ofSeconds(5));
        // The admin API reads cache-service's own replica of cache-entries: it follows within moments.
        HttpResponse<String> entry = send(authorized(admin("GET", "/cache/entries/" + key, null)));
        for (long deadline = System.nanoTime() + 5_000_000_000L; entry.statusCode() == 404
                && System.nanoTime() < deadline; Thread.sleep(50)) {
            entry = send(authorized(admin("GET", "/cache/entries/" + key, null)));
        }
        assertThat(entry.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(entry.body()).path("content").asString()).isEqualTo(contentOf(miss));

        assertThat(send(authorized(admin("DELETE", "/cache/entries/" + key, null))).statusCode()).isEqualTo(202);

        assertCallsTheLlmAgainWithin(VISIBLE_WITHIN, () -> chat(prompt));
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(2);
        assertThat(send(authorized(admin("GET", "/cache/entries/" + "f".repeat(64), null))).statusCode())
                .isEqualTo(404);
    }

    @Test
    void invalidatingANamespaceRemovesItsEntriesOnlyWithinOneSecond() throws Exception {
        String tenant = "admin-" + UUID.randomUUID().toString().substring(0, 8);
        String other = "admin-other-" + UUID.randomUUID().toString().substring(0, 8);
        String prompt = uniquePrompt("admin namespace");
        chat(prompt, "X-Tenant-ID", tenant);
        chat(prompt, "X-Tenant-ID", other);
        untilTier(() -> chat(prompt, "X-Tenant-ID", tenant), "memory", Duration.ofSeconds(5));
        untilTier(() -> chat(prompt, "X-Tenant-ID", other), "memory", Duration.ofSeconds(5));

        assertThat(send(authorized(admin("POST", "/cache/invalidate", "{\"namespace\":\"" + tenant + "\"}")))
                .statusCode()).isEqualTo(202);

        assertCallsTheLlmAgainWithin(VISIBLE_WITHIN, () -> chat(prompt, "X-Tenant-ID", tenant));
        assertThat(chat(prompt, "X-Tenant-ID", other).headers().firstValue("X-Cache")).hasValue("HIT");
    }

    @Test
    void invalidatingByModelAndByAgeRemovesOnlyWhatMatches() throws Exception {
        String tenant = "admin-model-" + UUID.randomUUID().toString().substring(0, 8);
        String old = uniquePrompt("admin old");
        String otherModel = uniquePrompt("admin other model");
        chat(old, "X-Tenant-ID", tenant);
        post("/v1/chat/completions", chatBody(otherModel, false).replace("gpt-4o-mini", "gpt-4o"), "X-Tenant-ID", tenant);
        Thread.sleep(20);
        long cutoff = System.currentTimeMillis();
        Thread.sleep(20);
        String fresh = uniquePrompt("admin fresh");
        chat(fresh, "X-Tenant-ID", tenant);

        assertThat(send(authorized(admin("POST", "/cache/invalidate",
                "{\"namespace\":\"" + tenant + "\",\"model\":\"gpt-4o-mini\",\"createdBefore\":" + cutoff + "}")))
                .statusCode()).isEqualTo(202);

        assertCallsTheLlmAgainWithin(VISIBLE_WITHIN, () -> chat(old, "X-Tenant-ID", tenant));
        assertThat(chat(fresh, "X-Tenant-ID", tenant).headers().firstValue("X-Cache")).as("created after")
                .hasValue("HIT");
        assertThat(post("/v1/chat/completions", chatBody(otherModel, false).replace("gpt-4o-mini", "gpt-4o"),
                "X-Tenant-ID", tenant).headers().firstValue("X-Cache")).as("another model").hasValue("HIT");
    }

    @Test
    void clearingANamespaceEmptiesIt() throws Exception {
        String tenant = "admin-clear-" + UUID.randomUUID().toString().substring(0, 8);
        String prompt = uniquePrompt("admin clear");
        chat(prompt, "X-Tenant-ID", tenant);

        assertThat(send(authorized(admin("POST", "/cache/clear", "{\"namespace\":\"" + tenant + "\"}")))
                .statusCode()).isEqualTo(202);

        assertCallsTheLlmAgainWithin(VISIBLE_WITHIN, () -> chat(prompt, "X-Tenant-ID", tenant));
    }

    /**
     * Asks again until an answer is a MISS (the LLM called again). The change was visible when
     * that request was sent (its answer then takes an LLM call): that must be within {@code bound}.
     */
    private static void assertCallsTheLlmAgainWithin(Duration bound, Supplier<HttpResponse<String>> ask)
            throws InterruptedException {
        long start = System.nanoTime();
        long sent = start;
        String outcome = "";
        while (!"MISS".equals(outcome) && System.nanoTime() - start < bound.multipliedBy(5).toNanos()) {
            sent = System.nanoTime();
            outcome = ask.get().headers().firstValue("X-Cache").orElse("");
            if (!"MISS".equals(outcome)) {
                Thread.sleep(10);
            }
        }
        Duration took = Duration.ofNanos(sent - start);
        System.out.println("Cache admin: visible on every tier " + took.toMillis() + " ms after the command");
        assertThat(outcome).isEqualTo("MISS");
        assertThat(took).isLessThan(bound);
    }

    private HttpRequest.Builder admin(String method, String path, String body) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
    }

    private static HttpRequest authorized(HttpRequest.Builder request) {
        return request.header("Authorization", "Bearer " + ADMIN_KEY).build();
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String contentOf(HttpResponse<String> response) {
        return Json.MAPPER.readTree(response.body()).path("choices").path(0).path("message").path("content")
                .asString();
    }
}
