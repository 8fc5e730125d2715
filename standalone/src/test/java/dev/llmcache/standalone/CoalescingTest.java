package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import dev.llmcache.simulator.FaultyUpstream.Fault;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Identical queries in flight share one upstream call and every client gets the whole answer. */
class CoalescingTest extends PipelineTestBase {

    @Test
    void twoHundredConcurrentIdenticalQueriesCallTheUpstreamOnce() {
        String prompt = uniquePrompt("storm");

        List<SseStream> streams = streams(IntStream.range(0, 200).mapToObj(i -> streamRequest(prompt)).toList());

        assertOneCallSharedByAll(prompt, streams);
        Map<String, Long> outcomes = streams.stream()
                .collect(Collectors.groupingBy(SseStream::cacheHeader, Collectors.counting()));
        assertThat(outcomes.get("MISS")).isEqualTo(1);
        assertThat(outcomes.getOrDefault("COALESCED", 0L) + outcomes.getOrDefault("HIT", 0L)).isEqualTo(199);
    }

    @Test
    void aClientJoiningMidStreamReceivesTheWholeAnswerFromTheFirstToken() throws Exception {
        String prompt = uniquePrompt("late joiner");
        UPSTREAM.failWhenPromptContains(prompt, Fault.SLOW);
        CountDownLatch firstTokens = new CountDownLatch(3);
        CompletableFuture<SseStream> first = HTTP.sendAsync(streamRequest(prompt), HttpResponse.BodyHandlers.ofInputStream())
                .thenApply(r -> readCounting(r, firstTokens));
        assertThat(firstTokens.await(10, TimeUnit.SECONDS)).isTrue();

        HttpResponse<String> late = HTTP.send(streamRequest(prompt), HttpResponse.BodyHandlers.ofString());
        SseStream joiner = SseStream.parse(late.headers().firstValue("X-Cache").orElse("?"), late.body());

        assertThat(joiner.cacheHeader()).isEqualTo("COALESCED");
        assertThat(joiner.text()).isEqualTo(first.get(20, TimeUnit.SECONDS).text()).startsWith("Simulated answer");
        assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(1);
    }

    @Test
    void aClientThatDisconnectsDoesNotDisturbTheOthers() throws Exception {
        String prompt = uniquePrompt("disconnect");
        UPSTREAM.failWhenPromptContains(prompt, Fault.SLOW);
        CompletableFuture<HttpResponse<InputStream>> leaver =
                HTTP.sendAsync(streamRequest(prompt), HttpResponse.BodyHandlers.ofInputStream());
        CompletableFuture<String> stayer = HTTP.sendAsync(streamRequest(prompt), HttpResponse.BodyHandlers.ofString())
                .thenApply(HttpResponse::body);
        try (InputStream body = leaver.get(10, TimeUnit.SECONDS).body()) {
            assertThat(body.read()).isNotNegative();
        }

        SseStream completed = SseStream.parse("?", stayer.get(20, TimeUnit.SECONDS));

        assertThat(completed.done()).isTrue();
        assertThat(completed.text()).startsWith("Simulated answer");
    }

    private HttpRequest streamRequest(String prompt) {
        return HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chatBody(prompt, true)))
                .build();
    }

    private static SseStream readCounting(HttpResponse<InputStream> response, CountDownLatch tokens) {
        StringBuilder body = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                body.append(line).append('\n');
                if (line.startsWith("data:")) {
                    tokens.countDown();
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return SseStream.parse(response.headers().firstValue("X-Cache").orElse("?"), body.toString());
    }
}
