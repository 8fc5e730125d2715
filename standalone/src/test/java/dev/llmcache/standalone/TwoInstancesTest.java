package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.serde.Json;
import dev.llmcache.simulator.FaultyUpstream.Fault;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two instances of the product, each in its own JVM, on one (secured) broker: everything about
 * one cache key happens in one task, whichever instance a client talks to.
 */
class TwoInstancesTest extends PipelineTestBase {

    private static ProductInstance first;
    private static ProductInstance second;

    @BeforeAll
    static void startTwoInstances() throws Exception {
        String deployment = "two-" + UUID.randomUUID();
        first = ProductInstance.start(deployment, UPSTREAM.baseUrl());
        second = ProductInstance.start(deployment, UPSTREAM.baseUrl());
        first.awaitReady(Duration.ofSeconds(120));
        second.awaitReady(Duration.ofSeconds(120));
    }

    @AfterAll
    static void stopInstances() {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
    }

    @Test
    void identicalRequestsSpreadOverBothInstancesShareOneUpstreamCall() {
        String prompt = uniquePrompt("two instances, one call");
        UPSTREAM.failWhenPromptContains(prompt, Fault.SLOW);

        List<SseStream> streams = streams(IntStream.range(0, 20)
                .mapToObj(i -> (i % 2 == 0 ? first : second).chat(prompt, true, Duration.ofSeconds(60))).toList());

        assertOneCallSharedByAll(prompt, streams);
    }

    @Test
    void twoClientsThatChooseTheSameRequestIdOnTwoInstancesEachGetTheirOwnAnswer() {
        String requestId = "same-id-" + UUID.randomUUID();
        String firstPrompt = uniquePrompt("first client");
        String secondPrompt = uniquePrompt("second client");
        UPSTREAM.failWhenPromptContains(firstPrompt, Fault.SLOW);
        UPSTREAM.failWhenPromptContains(secondPrompt, Fault.SLOW);

        List<SseStream> streams = streams(List.of(
                withRequestId(first.chat(firstPrompt, true, Duration.ofSeconds(60)), requestId),
                withRequestId(second.chat(secondPrompt, true, Duration.ofSeconds(60)), requestId)));

        assertThat(streams).allSatisfy(s -> assertThat(s.done()).isTrue());
        assertThat(streams.get(0).text()).contains(firstPrompt.substring(firstPrompt.lastIndexOf(' ') + 1))
                .doesNotContain(secondPrompt.substring(secondPrompt.lastIndexOf(' ') + 1));
        assertThat(streams.get(1).text()).contains(secondPrompt.substring(secondPrompt.lastIndexOf(' ') + 1))
                .doesNotContain(firstPrompt.substring(firstPrompt.lastIndexOf(' ') + 1));
    }

    private static HttpRequest withRequestId(HttpRequest request, String requestId) {
        return HttpRequest.newBuilder(request, (name, value) -> true).header("X-Request-ID", requestId).build();
    }

    @Test
    void aMissThroughOneInstanceIsAHitThroughTheOther() throws Exception {
        String prompt = uniquePrompt("miss here, hit there");

        HttpResponse<String> miss = HTTP.send(first.chat(prompt, false, Duration.ofSeconds(30)), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> hit = HTTP.send(second.chat(prompt, false, Duration.ofSeconds(30)), HttpResponse.BodyHandlers.ofString());

        assertThat(miss.headers().firstValue("X-Cache")).hasValue("MISS");
        assertThat(hit.headers().firstValue("X-Cache")).hasValue("HIT");
        assertThat(content(hit)).isEqualTo(content(miss)).startsWith("Simulated answer");
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(1);
    }

    @Test
    void anEntryCreatedThroughOneInstanceIsAHitFromTheMemoryOfTheOther() throws Exception {
        String prompt = uniquePrompt("created here, in memory there");
        HttpResponse<String> miss = HTTP.send(first.chat(prompt, false, Duration.ofSeconds(30)),
                HttpResponse.BodyHandlers.ofString());

        List<HttpResponse<String>> answers = untilTier(() -> second.ask(prompt), "memory", Duration.ofSeconds(5));
        HttpResponse<String> hit = answers.get(answers.size() - 1);

        assertThat(hit.headers().firstValue("X-Cache-Tier")).hasValue("memory");
        assertThat(content(hit)).isEqualTo(content(miss));
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(1);
    }

    @Test
    void anEntryCreatedThroughOneInstanceIsASemanticMatchOnEither() throws Exception {
        String tenant = "semantic-two-" + UUID.randomUUID().toString().substring(0, 8);
        String indexed = "llmcache_semantic_index_entries";
        double firstBefore = first.metric(indexed);
        double secondBefore = second.metric(indexed);
        HttpResponse<String> miss = first.ask("How do I reset my password?", "X-Tenant-ID", tenant,
                "X-Cache-Semantic", "on");
        assertThat(miss.headers().firstValue("X-Cache")).hasValue("MISS");
        long answered = System.nanoTime();
        while ((first.metric(indexed) <= firstBefore || second.metric(indexed) <= secondBefore)
                && System.nanoTime() - answered < Duration.ofSeconds(15).toNanos()) {
            Thread.sleep(20);
        }
        System.out.println("Semantic index: entry searchable on both instances "
                + Duration.ofNanos(System.nanoTime() - answered).toMillis() + " ms after its answer");
        assertThat(first.metric(indexed)).as("entries in the first instance's index").isGreaterThan(firstBefore);
        assertThat(second.metric(indexed)).as("entries in the second instance's index").isGreaterThan(secondBefore);

        // Rewordings with keys of their own: their lookups run on the worker that owns each key's
        // partition, on either instance, so each instance's index must have the entry by now.
        for (String reworded : List.of("how can i reset my password", "How can I reset my password?",
                "how do i reset my password", "How do I reset my password")) {
            HttpResponse<String> match = (reworded.length() % 2 == 0 ? first : second).ask(reworded,
                    "X-Tenant-ID", tenant, "X-Cache-Semantic", "on");
            assertThat(match.headers().firstValue("X-Cache")).as(reworded).hasValue("SEMANTIC_HIT");
            assertThat(content(match)).isEqualTo(content(miss));
        }
    }

    private static String content(HttpResponse<String> response) {
        return Json.MAPPER.readTree(response.body()).path("choices").path(0).path("message").path("content")
                .asString();
    }
}
