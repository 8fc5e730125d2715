package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.auth.BearerCredentials;
import dev.llmcache.common.serde.Json;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Two instances of the product with API keys, rate limits and a shared Redis (each in a JVM of
 * its own, as deployed): the tenant comes from the key, never from a header; tenants never see
 * each other's entries on any tier; a tenant's budget holds across both instances.
 */
class TenantsAndLimitsTest extends PipelineTestBase {

    private static final String KEY_A = "sk-team-a-" + UUID.randomUUID();
    private static final String KEY_B = "sk-team-b-" + UUID.randomUUID();
    private static final String KEY_REVOKED = "sk-revoked-" + UUID.randomUUID();
    private static final String KEY_LIMITED = "sk-limited-" + UUID.randomUUID();
    private static final int LIMITED_PER_MINUTE = 6;

    private static RedisServer redis;
    private static ProductInstance first;
    private static ProductInstance second;

    @BeforeAll
    static void startTwoInstancesWithKeys() throws Exception {
        redis = RedisServer.start();
        String deployment = "tenants-" + UUID.randomUUID();
        Map<String, String> settings = new HashMap<>(KafkaFixture.springProperties(KafkaFixture.PASSWORD));
        settings.put("llmcache.redis.url", redis.url());
        settings.put("llmcache.admin.api-key", ADMIN_KEY);
        key(settings, 0, "team-a-prod", KEY_A, "team-a", "shared-docs", false);
        key(settings, 1, "team-b-prod", KEY_B, "team-b", null, false);
        key(settings, 2, "team-a-old", KEY_REVOKED, "team-a", null, true);
        key(settings, 3, "limited", KEY_LIMITED, "team-limited", null, false);
        settings.put("llmcache.ingest.rate-limits.tenants.team-limited.requests-per-minute",
                Integer.toString(LIMITED_PER_MINUTE));
        first = ProductInstance.start(deployment, UPSTREAM.baseUrl(), settings);
        second = ProductInstance.start(deployment, UPSTREAM.baseUrl(), settings);
        first.awaitReady(Duration.ofSeconds(120));
        second.awaitReady(Duration.ofSeconds(120));
    }

    /** Configures a key by its hash, as an operator would: the key itself is never in the settings. */
    private static void key(Map<String, String> settings, int index, String id, String key, String tenant,
                            String namespace, boolean revoked) {
        String prefix = "llmcache.ingest.auth.keys[" + index + "].";
        settings.put(prefix + "id", id);
        settings.put(prefix + "sha256", BearerCredentials.sha256Hex(key));
        settings.put(prefix + "tenant", tenant);
        if (namespace != null) {
            settings.put(prefix + "namespaces[0]", namespace);
        }
        settings.put(prefix + "revoked", Boolean.toString(revoked));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (AutoCloseable closeable : new AutoCloseable[] {first, second, redis}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // best effort
            }
        }
    }

    @Test
    void aRequestWithoutAValidKeyGets401InTheErrorShape() {
        String prompt = uniquePrompt("no key");
        for (String[] credentials : List.of(new String[0], new String[] {"Authorization", "Bearer sk-wrong"},
                new String[] {"Authorization", "Bearer " + KEY_REVOKED}, new String[] {"Authorization", "Basic Zm9vOmJhcg=="})) {
            HttpResponse<String> refused = first.ask(prompt, credentials);
            assertThat(refused.statusCode()).as(String.join(" ", credentials)).isEqualTo(401);
            JsonNode error = Json.MAPPER.readTree(refused.body()).path("error");
            assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
            assertThat(error.path("code").asString()).isIn("missing_api_key", "invalid_api_key");
            assertThat(refused.body()).doesNotContain(KEY_REVOKED).doesNotContain("sk-wrong");
        }
        assertThat(get(first, "/v1/models", null).statusCode()).isEqualTo(401);
        assertThat(get(first, "/v1/models", KEY_A).statusCode()).isEqualTo(200);
        assertThat(first.ask(prompt, "Authorization", "Bearer " + KEY_A).statusCode()).isEqualTo(200);
    }

    @Test
    void twoTenantsAskingTheSameNeverGetEachOthersAnswersOnAnyTier() {
        String prompt = uniquePrompt("same question, two tenants");
        HttpResponse<String> a = first.ask(prompt, "Authorization", "Bearer " + KEY_A);
        assertThat(a.headers().firstValue("X-Cache")).hasValue("MISS");
        // Team A's entry is now in the store, in both instances' memory and in Redis.
        untilTier(() -> first.ask(prompt, "Authorization", "Bearer " + KEY_A), "memory", Duration.ofSeconds(10));
        untilTier(() -> second.ask(prompt, "Authorization", "Bearer " + KEY_A), "memory", Duration.ofSeconds(10));

        List<HttpResponse<String>> teamB = new ArrayList<>();
        teamB.add(first.ask(prompt, "Authorization", "Bearer " + KEY_B));
        teamB.add(second.ask(prompt, "Authorization", "Bearer " + KEY_B));
        // Naming team A as the tenant or its namespace in headers changes nothing: refused.
        HttpResponse<String> asTenantA = first.ask(prompt, "Authorization", "Bearer " + KEY_B, "X-Tenant-ID", "team-a");
        HttpResponse<String> inNamespaceA = second.ask(prompt, "Authorization", "Bearer " + KEY_B,
                "X-Cache-Namespace", "team-a");

        assertThat(teamB.get(0).headers().firstValue("X-Cache")).hasValue("MISS");
        assertThat(teamB).allSatisfy(r -> assertThat(r.headers().firstValue("X-Cache-Key"))
                .isNotEqualTo(a.headers().firstValue("X-Cache-Key")));
        assertThat(asTenantA.statusCode()).isEqualTo(403);
        assertThat(inNamespaceA.statusCode()).isEqualTo(403);
        assertThat(Json.MAPPER.readTree(inNamespaceA.body()).path("error").path("code").asString())
                .isEqualTo("permission_denied");
        // A namespace the key is granted is shared on purpose.
        assertThat(first.ask(prompt, "Authorization", "Bearer " + KEY_A, "X-Cache-Namespace", "shared-docs")
                .statusCode()).isEqualTo(200);
    }

    @Test
    void aTenantOverItsBudgetGets429OnEveryInstanceWhileAnotherTenantIsUnaffected() {
        List<HttpResponse<String>> granted = new ArrayList<>();
        for (int i = 0; i < LIMITED_PER_MINUTE; i++) {
            ProductInstance instance = i % 2 == 0 ? first : second;
            granted.add(instance.ask(uniquePrompt("budget " + i), "Authorization", "Bearer " + KEY_LIMITED));
        }
        HttpResponse<String> overOnFirst = first.ask(uniquePrompt("over"), "Authorization", "Bearer " + KEY_LIMITED);
        HttpResponse<String> overOnSecond = second.ask(uniquePrompt("over"), "Authorization", "Bearer " + KEY_LIMITED);
        HttpResponse<String> otherTenant = second.ask(uniquePrompt("unaffected"), "Authorization", "Bearer " + KEY_B);

        assertThat(granted).allSatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-RateLimit-Limit")).hasValue(Integer.toString(LIMITED_PER_MINUTE));
        });
        // One budget shared through Redis: what is left counts down across both instances.
        assertThat(granted.stream().map(r -> Integer.parseInt(r.headers().firstValue("X-RateLimit-Remaining")
                .orElseThrow())).toList()).isSortedAccordingTo((x, y) -> Integer.compare(y, x)).last()
                .isEqualTo(0);
        for (HttpResponse<String> over : List.of(overOnFirst, overOnSecond)) {
            assertThat(over.statusCode()).isEqualTo(429);
            assertThat(Json.MAPPER.readTree(over.body()).path("error").path("code").asString())
                    .isEqualTo("rate_limit_exceeded");
            assertThat(over.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
            assertThat(Long.parseLong(over.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 10L);
            assertThat(Long.parseLong(over.headers().firstValue("X-RateLimit-Reset").orElseThrow())).isBetween(1L, 60L);
        }
        assertThat(otherTenant.statusCode()).isEqualTo(200);
    }

    @Test
    void adminEndpointsRefuseTenantKeys() {
        String entry = "/cache/entries/" + "0".repeat(64);
        assertThat(send(first, "DELETE", entry, KEY_A).statusCode()).isEqualTo(403);
        assertThat(send(first, "DELETE", entry, ADMIN_KEY).statusCode()).isEqualTo(202);
    }

    private static HttpResponse<String> get(ProductInstance instance, String path, String key) {
        return send(instance, "GET", path, key);
    }

    private static HttpResponse<String> send(ProductInstance instance, String method, String path, String key) {
        return key == null ? instance.send(method, path) : instance.send(method, path, "Authorization", "Bearer " + key);
    }
}
