package dev.llmcache.replay.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.replay.ReplayJson;
import dev.llmcache.replay.output.OutputFile;
import dev.llmcache.replay.output.OutputLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.JsonNode;

/**
 * A replay against a real HTTP server on loopback that answers like the product: the pipeline's
 * headers, a 503 with {@code Retry-After} for requests marked to be turned away once.
 */
class ReplayRunTest {

    @TempDir
    Path dir;

    private DisposableServer server;
    private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    private final Set<String> headersSeen = ConcurrentHashMap.newKeySet();
    private final AtomicInteger atOnce = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();

    @BeforeEach
    void start() {
        server = HttpServer.create().host("127.0.0.1").port(0)
                .route(routes -> routes.post("/v1/chat/completions", (request, response) -> request.receive()
                        .aggregate().asString().flatMap(text -> {
                            JsonNode body = ReplayJson.MAPPER.readTree(text);
                            String prompt = body.path("messages").path(0).path("content").asString();
                            int count = seen.computeIfAbsent(prompt, p -> new AtomicInteger()).incrementAndGet();
                            headersSeen.add(request.requestHeaders().get(ReplayClient.ORIGIN_HEADER) + "|"
                                    + request.requestHeaders().get("X-Cache-Namespace") + "|"
                                    + request.requestHeaders().get("Cache-Control"));
                            if (prompt.startsWith("busy") && count == 1) {
                                return response.status(503).header("Retry-After", "0").sendString(Mono.just(
                                        "{\"error\":{\"message\":\"busy\"}}")).then();
                            }
                            mostAtOnce.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
                            String answer = "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\""
                                    + body.path("model").asString() + "\",\"choices\":[{\"index\":0,\"message\":"
                                    + "{\"role\":\"assistant\",\"content\":\"echo " + prompt + "\"},"
                                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,"
                                    + "\"completion_tokens\":2,\"total_tokens\":3}}";
                            return Mono.delay(Duration.ofMillis(20)).then(response.status(200)
                                    .header("X-Cache", count == 1 ? "MISS" : "HIT")
                                    .header("X-Cache-Key", "key-" + prompt)
                                    .header("X-Request-ID", "req-" + prompt)
                                    .sendString(Mono.just(answer)).then()
                                    .doFinally(signal -> atOnce.decrementAndGet()));
                        })))
                .bindNow();
    }

    @AfterEach
    void stop() {
        server.disposeNow();
    }

    private Path input(String name, List<String> lines) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, lines);
        return file;
    }

    private static String line(String id, String prompt) {
        return "{\"custom_id\":\"" + id + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}}";
    }

    private void replay(Path input, Path output, boolean resume, int concurrency) throws Exception {
        try (OutputFile out = OutputFile.open(output, resume);
             ReplayClient client = new ReplayClient("http://127.0.0.1:" + server.port() + "/v1",
                     Map.of("X-Cache-Namespace", "scratch", "Cache-Control", "no-store"), concurrency,
                     Duration.ofSeconds(10), new RetryPolicy(2, Duration.ofMillis(10), Duration.ofSeconds(1)))) {
            new ReplayRun(client, new RequestRewriter(Map.of("a", "b"), Map.of()),
                    new ReplayRun.Settings(concurrency, 0, true), Schedulers.parallel())
                    .run(input, out, progress -> { });
        }
    }

    @Test
    void writesOneOutputLinePerInputLineWithThePipelinesViewAndRetriesWhatWasTurnedAway() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            lines.add(line("q" + i, (i % 10 == 0 ? "busy " : "prompt ") + (i % 15)));
        }
        lines.add("{broken");
        Path output = dir.resolve("out.jsonl");

        replay(input("in.jsonl", lines), output, false, 4);

        List<JsonNode> written = OutputLines.read(output);
        assertThat(written).hasSize(31);
        assertThat(written).extracting(l -> l.path("custom_id").asString()).doesNotHaveDuplicates();
        JsonNode first = written.stream().filter(l -> l.path("custom_id").asString().equals("q1")).findFirst()
                .orElseThrow();
        assertThat(first.path("response").path("status_code").asInt()).isEqualTo(200);
        assertThat(first.path("response").path("body").path("model").asString()).as("--model-map a=b").isEqualTo("b");
        assertThat(first.path("llmcache").path("cache_key").asString()).isEqualTo("key-prompt 1");
        assertThat(first.path("llmcache").path("model").asString()).as("the model sent, for pricing").isEqualTo("b");
        assertThat(written).filteredOn(l -> l.path("custom_id").asString().equals("q0")).singleElement()
                .satisfies(l -> {
                    assertThat(l.path("response").path("status_code").asInt()).isEqualTo(200);
                    assertThat(l.path("llmcache").path("attempts").asInt()).isEqualTo(2);
                });
        assertThat(written).filteredOn(l -> l.path("llmcache").path("outcome").asString().equals("INVALID"))
                .singleElement().satisfies(l -> assertThat(l.path("error").path("message").asString())
                        .contains("Line 31"));
        assertThat(headersSeen).containsOnly("replay|scratch|no-store");
        assertThat(mostAtOnce.get()).isLessThanOrEqualTo(4);
    }

    @Test
    void aProductThatRefusesConnectionsStopsTheRunWithoutWritingItsLinesAsAnswered() throws Exception {
        Path input = input("in.jsonl", List.of(line("q0", "down 0"), line("q1", "down 1")));
        Path output = dir.resolve("out.jsonl");
        int port = server.port();
        server.disposeNow(); // nothing listens there any more

        try (OutputFile out = OutputFile.open(output, false);
             ReplayClient client = new ReplayClient("http://127.0.0.1:" + port + "/v1/", Map.of(), 2,
                     Duration.ofSeconds(5), new RetryPolicy(1, Duration.ofMillis(10), Duration.ofSeconds(1)))) {
            ReplayRun run = new ReplayRun(client, new RequestRewriter(Map.of(), Map.of()),
                    new ReplayRun.Settings(2, 0, true), Schedulers.parallel());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> run.run(input, out, progress -> { }))
                    .isInstanceOf(ReplayRun.UnreachableException.class).hasMessageContaining("--resume");
        }
        assertThat(Files.size(output)).as("no line counts as done").isZero();
    }

    @Test
    void resumingAfterAStopSendsOnlyTheLinesWithoutOutput() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            lines.add(line("q" + i, "resume " + i));
        }
        Path input = input("all.jsonl", lines);
        Path output = dir.resolve("out.jsonl");
        // A stopped run: eight lines written, the ninth cut short.
        replay(input("first-eight.jsonl", lines.subList(0, 8)), output, false, 2);
        Files.writeString(output, "{\"custom_id\":\"q8\",\"resp", java.nio.file.StandardOpenOption.APPEND);
        seen.clear();

        replay(input, output, true, 2);

        assertThat(OutputLines.read(output)).extracting(l -> l.path("custom_id").asString())
                .hasSize(20).doesNotHaveDuplicates();
        assertThat(seen).as("only the twelve lines without output were sent").hasSize(12);
    }
}
