package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.simulator.FaultyUpstream.Fault;
import dev.llmcache.standalone.broker.EmbeddedKafkaBroker;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The product in a JVM of its own on a broker of its own, which is stopped while answers stream
 * and started again: clients get explicit 503s within seconds instead of waiting for their
 * timeout, and the product recovers by itself.
 */
class BrokerOutageTest extends PipelineTestBase {

    /** Detection (a probe every second, 2 s each) plus {@code llmcache.ingest.kafka-outage-grace} (5 s), with room. */
    private static final Duration WAITING_REQUESTS_END_WITHIN = Duration.ofSeconds(15);
    /** {@code llmcache.ingest.publish-timeout} (3 s), with room. */
    private static final Duration NEW_REQUESTS_REFUSED_WITHIN = Duration.ofSeconds(6);

    @Test
    void whileTheBrokerIsDownClientsGet503sWithinSecondsAndTheProductRecoversWhenItReturns() throws Exception {
        Path data = Files.createTempDirectory("llmcache-outage-kafka");
        int port = freePort();
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(data, port);
        try (ProductInstance product = ProductInstance.start("outage-" + UUID.randomUUID(), UPSTREAM.baseUrl(),
                Map.of("spring.kafka.bootstrap-servers", broker.bootstrapServers()))) {
            product.awaitReady(Duration.ofSeconds(120));
            assertThat(HTTP.send(product.chat(uniquePrompt("before"), false, Duration.ofSeconds(30)),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            List<CompletableFuture<HttpResponse<String>>> streaming = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String prompt = uniquePrompt("outage " + i);
                UPSTREAM.failWhenPromptContains(prompt, Fault.SLOW);
                streaming.add(HTTP.sendAsync(product.chat(prompt, true, Duration.ofSeconds(120)),
                        HttpResponse.BodyHandlers.ofString()));
            }
            Thread.sleep(1_000); // the answers are streaming

            long stopped = System.nanoTime();
            broker.close();

            for (CompletableFuture<HttpResponse<String>> request : streaming) {
                HttpResponse<String> response = request.get(WAITING_REQUESTS_END_WITHIN.toSeconds(), TimeUnit.SECONDS);
                SseStream stream = SseStream.parse(response.headers().firstValue("X-Cache").orElse("?"), response.body());
                assertThat(stream.error()).as("an explicit error, not a hang or a silent end").isNotNull();
                assertThat(stream.error().path("code").asString()).isEqualTo("kafka_unavailable");
            }
            System.out.println("Broker outage: streaming requests ended with 503 "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped) + " ms after the broker stopped");
            long asked = System.nanoTime();
            HttpResponse<String> refused = HTTP.send(product.chat(uniquePrompt("during"), false, Duration.ofSeconds(30)),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(NEW_REQUESTS_REFUSED_WITHIN);

            broker = EmbeddedKafkaBroker.start(data, port);
            long restarted = System.nanoTime();

            String after = uniquePrompt("after");
            int status = 0;
            while (status != 200 && System.nanoTime() - restarted < TimeUnit.SECONDS.toNanos(90)) {
                status = HTTP.send(product.chat(after, false, Duration.ofSeconds(30)),
                        HttpResponse.BodyHandlers.ofString()).statusCode();
                if (status != 200) {
                    Thread.sleep(1_000);
                }
            }
            assertThat(status).as("answered again without restarting the product").isEqualTo(200);
            System.out.println("Broker outage: answering again " + TimeUnit.NANOSECONDS.toMillis(
                    System.nanoTime() - restarted) + " ms after the broker restarted");
        } finally {
            broker.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
