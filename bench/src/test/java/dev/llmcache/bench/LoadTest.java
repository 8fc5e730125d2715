package dev.llmcache.bench;

import static org.assertj.core.api.Assertions.assertThat;
import dev.llmcache.simulator.SimulatedLlmServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The load generator against a real OpenAI-compatible server on loopback (the simulator). */
class LoadTest {

    @Test
    void aClosedLoopRecordsEveryRequestWithItsTimings() {
        try (SimulatedLlmServer llm = SimulatedLlmServer.start(0, Duration.ofMillis(20), 2_000);
             ChatClient client = new ChatClient(llm.baseUrl(), 16, Duration.ofSeconds(10))) {
            ScenarioRecorder recorder = new ScenarioRecorder();

            Load.closedLoop("test", 50, 8, i -> Load.now(client, ChatClient.body("m", "prompt " + i, true), true, false),
                    recorder);

            ScenarioResult result = recorder.result("closed", "", Map.of());
            assertThat(result.requests()).isEqualTo(50);
            assertThat(result.errors()).isEmpty();
            assertThat(result.timeToFirstByte().p50()).isBetween(20.0, 1_000.0);
            assertThat(result.total().p50()).isGreaterThan(result.timeToFirstByte().p50());
            assertThat(llm.requestCount()).isEqualTo(50);
        }
    }

    @Test
    void anOpenLoopChargesAStallToEveryRequestItDelayed() {
        // A server that takes 300 ms per request, 8 connections, 100 requests/s for 1 s: requests queue
        // behind each other, and latency from the intended start shows the queueing that a closed
        // loop would hide.
        try (SimulatedLlmServer llm = SimulatedLlmServer.start(0, Duration.ofMillis(300), 1_000_000);
             ChatClient client = new ChatClient(llm.baseUrl(), 8, Duration.ofSeconds(30))) {
            ScenarioRecorder recorder = new ScenarioRecorder();

            Load.openLoop("test", 100, Duration.ofSeconds(1),
                    (i, intended) -> client.send(ChatClient.body("m", "p" + i, false), false, intended, false), recorder);

            ScenarioResult result = recorder.result("open", "", Map.of());
            assertThat(result.requests()).isEqualTo(100);
            assertThat(result.errors()).isEmpty();
            // 100 requests through 8 connections at 300 ms each take ~3.8 s: the last waited ~3 s.
            assertThat(result.total().max()).isGreaterThan(2_500);
            assertThat(result.total().p50()).isGreaterThan(1_000);
        }
    }

    @Test
    void zipfFavoursTheFirstRanks() {
        Prompts.Zipf zipf = new Prompts.Zipf(1_000, 1.1, 7);
        int[] counts = new int[1_000];
        for (int i = 0; i < 100_000; i++) {
            counts[zipf.next()]++;
        }
        assertThat(counts[0]).isGreaterThan(counts[1]).isGreaterThan(counts[9]);
        assertThat(counts[0] / 100_000.0).isBetween(0.10, 0.25);
        assertThat(counts[999]).isLessThan(counts[0] / 100);
    }
}
