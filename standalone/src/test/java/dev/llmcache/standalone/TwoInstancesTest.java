package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.serde.Json;
import dev.llmcache.simulator.FaultyUpstream.Fault;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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

        List<CompletableFuture<SseStream>> clients = IntStream.range(0, 20)
                .mapToObj(i -> HTTP.sendAsync((i % 2 == 0 ? first : second).chat(prompt, true, Duration.ofSeconds(60)),
                                HttpResponse.BodyHandlers.ofString())
                        .thenApply(r -> SseStream.parse(r.headers().firstValue("X-Cache").orElse("?"), r.body())))
                .toList();
        List<SseStream> streams = clients.stream().map(CompletableFuture::join).toList();

        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(1);
        assertThat(streams).allSatisfy(s -> assertThat(s.done()).isTrue());
        assertThat(streams.stream().map(SseStream::text).distinct()).singleElement()
                .satisfies(text -> assertThat(text).startsWith("Simulated answer"));
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

    private static String content(HttpResponse<String> response) {
        return Json.MAPPER.readTree(response.body()).path("choices").path(0).path("message").path("content")
                .asString();
    }
}
