package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.serde.Json;
import dev.llmcache.simulator.FaultyUpstream.Fault;
import dev.llmcache.simulator.SimulatedCompletion;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * Two instances in JVMs of their own; one is killed with SIGKILL while answers stream. Every
 * request on the survivor ends within a bound, with exactly the upstream's answer (no repeated or
 * missing text) or an explicit error, and nothing partial is cached.
 */
class InstanceCrashTest extends PipelineTestBase {

    /** Failover: the dead instance's session timeout (10 s), a rebalance, state restore, the re-run calls. */
    private static final Duration BOUND = Duration.ofSeconds(60);

    @Test
    void aKilledInstanceCostsTheSurvivorsClientsSecondsAndNoWrongText() throws Exception {
        String deployment = "crash-" + UUID.randomUUID();
        try (ProductInstance doomed = ProductInstance.start(deployment, UPSTREAM.baseUrl());
             ProductInstance survivor = ProductInstance.start(deployment, UPSTREAM.baseUrl())) {
            doomed.awaitReady(Duration.ofSeconds(120));
            survivor.awaitReady(Duration.ofSeconds(120));
            List<String> prompts = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> onSurvivor = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String prompt = uniquePrompt("crash " + i);
                UPSTREAM.failWhenPromptContains(prompt, Fault.SLOW);
                prompts.add(prompt);
                // One client on each instance per key: whichever instance owns the key's task.
                HTTP.sendAsync(doomed.chat(prompt, true, BOUND.plusSeconds(30)), HttpResponse.BodyHandlers.discarding());
                onSurvivor.add(HTTP.sendAsync(survivor.chat(prompt, true, BOUND.plusSeconds(30)), HttpResponse.BodyHandlers.ofString()));
            }
            Thread.sleep(1_500); // the answers are streaming
            long started = System.nanoTime();

            doomed.kill();

            for (int i = 0; i < prompts.size(); i++) {
                HttpResponse<String> response = onSurvivor.get(i).get(BOUND.toSeconds(), TimeUnit.SECONDS);
                SseStream stream = SseStream.parse(response.headers().firstValue("X-Cache").orElse("?"), response.body());
                if (stream.error() == null) {
                    assertThat(stream.done()).isTrue();
                    assertThat(stream.text()).as("exactly the upstream's answer").isEqualTo(expected(prompts.get(i)));
                }
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            System.out.println("Crash test: every survivor request ended within " + seconds + " s of the kill");
            for (String prompt : prompts) {
                long calls = UPSTREAM.requestsContaining(prompt);
                assertThat(calls).as("one call, plus at most one re-run of a call lost in the crash").isBetween(1L, 2L);
                HttpResponse<String> again = HTTP.send(survivor.chat(prompt, false, Duration.ofSeconds(30)), HttpResponse.BodyHandlers.ofString());
                if ("HIT".equals(again.headers().firstValue("X-Cache").orElse(""))) {
                    assertThat(Json.MAPPER.readTree(again.body()).path("choices").path(0).path("message")
                            .path("content").asString()).as("a cached answer is complete").isEqualTo(expected(prompt));
                }
            }
        }
    }

    private static String expected(String prompt) {
        ObjectNode body = (ObjectNode) Json.MAPPER.readTree(chatBody(prompt, true));
        body.remove("stream");
        return SimulatedCompletion.of(body).content();
    }
}
