package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.serde.Json;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A hit in this instance's memory is answered at the edge: no query record goes to Kafka for it
 * (the test counts the {@code queries} topic's records of its tenant), and it still produces
 * exactly one cache event, whose tier says {@code MEMORY}.
 */
class EdgeTierTest extends PipelineTestBase {

    @Test
    void aRepeatedQueryIsAnsweredFromMemoryWithoutKafkaAndStillCountsOnce() throws Exception {
        String tenant = "edge-" + UUID.randomUUID().toString().substring(0, 8);
        String prompt = uniquePrompt("edge");
        List<HttpResponse<String>> responses = new ArrayList<>();
        responses.add(chat(prompt, "X-Tenant-ID", tenant));
        // The entry reaches this instance's memory through cache-entries, within moments.
        responses.addAll(untilTier(() -> chat(prompt, "X-Tenant-ID", tenant), "memory", Duration.ofSeconds(5)));
        for (int i = 0; i < 3; i++) {
            responses.add(chat(prompt, "X-Tenant-ID", tenant));
        }
        HttpResponse<String> streamed = post("/v1/chat/completions", chatBody(prompt, true), "X-Tenant-ID", tenant);
        SseStream stream = SseStream.parse(streamed.headers().firstValue("X-Cache").orElse("?"), streamed.body());

        assertThat(responses.get(0).headers().firstValue("X-Cache")).hasValue("MISS");
        List<HttpResponse<String>> fromMemory = responses.stream().filter(r -> "memory".equals(tier(r))).toList();
        assertThat(fromMemory).as("the last four came from memory").hasSizeGreaterThanOrEqualTo(4)
                .allSatisfy(r -> {
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(r.headers().firstValue("X-Cache")).hasValue("HIT");
                    assertThat(contentOf(r)).isEqualTo(contentOf(responses.get(0)));
                });
        assertThat(tier(streamed)).isEqualTo("memory");
        assertThat(stream.done()).isTrue();
        assertThat(stream.text()).isEqualTo(contentOf(responses.get(0)));

        int requests = responses.size() + 1;
        int throughKafka = responses.size() - fromMemory.size();
        assertThat(readTopic("llmcache.queries", tenant, throughKafka)).as("queries that went through Kafka")
                .hasSize(throughKafka);
        List<JsonNode> events = readTopic("llmcache.cache-events", tenant, requests);
        assertThat(events).hasSize(requests);
        assertThat(events.stream().collect(Collectors.groupingBy(e -> e.path("tier").asString(),
                Collectors.counting()))).containsEntry("MEMORY", (long) fromMemory.size() + 1);
    }

    @Test
    void anotherTenantNeverGetsAnEntryFromMemory() {
        String prompt = uniquePrompt("edge tenants");
        String owner = "edge-owner-" + UUID.randomUUID().toString().substring(0, 8);
        String other = "edge-other-" + UUID.randomUUID().toString().substring(0, 8);
        chat(prompt, "X-Tenant-ID", owner);
        untilTier(() -> chat(prompt, "X-Tenant-ID", owner), "memory", Duration.ofSeconds(5));

        HttpResponse<String> others = chat(prompt, "X-Tenant-ID", other);

        assertThat(others.headers().firstValue("X-Cache")).hasValue("MISS");
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(2);
    }

    @Test
    void noCacheSkipsTheEdge() {
        String prompt = uniquePrompt("edge no-cache");
        chat(prompt);
        untilTier(() -> chat(prompt), "memory", Duration.ofSeconds(5));
        HttpResponse<String> refreshed = chat(prompt, "Cache-Control", "no-cache");

        assertThat(refreshed.headers().firstValue("X-Cache")).hasValue("BYPASS");
        assertThat(refreshed.headers().firstValue("X-Cache-Tier")).isEmpty();
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(2);
    }

    private static String contentOf(HttpResponse<String> response) {
        return Json.MAPPER.readTree(response.body()).path("choices").path(0).path("message").path("content")
                .asString();
    }
}
