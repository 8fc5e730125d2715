package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.replay.ReplayCommand;
import dev.llmcache.replay.output.OutputLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The replay tool against the running product: its cache, its coalescing, its namespaces. */
class ReplayTest extends PipelineTestBase {

    @TempDir
    Path dir;

    /** {@code count} Batch API lines cycling over {@code prompts}. */
    private Path input(String name, List<String> prompts, int count) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lines.add("{\"custom_id\":\"req-" + i + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                    + "\"body\":" + chatBody(prompts.get(i % prompts.size()), false) + "}");
        }
        Path file = dir.resolve(name);
        Files.write(file, lines);
        return file;
    }

    private int replay(String... args) {
        List<String> command = new ArrayList<>(List.of("run", "--url", "http://127.0.0.1:" + port + "/v1"));
        command.addAll(List.of(args));
        return ReplayCommand.execute(command.toArray(String[]::new));
    }

    private static List<String> prompts(String topic, int count) {
        String run = uniquePrompt(topic);
        return IntStream.range(0, count).mapToObj(i -> run + " question " + i + " end").toList();
    }

    @Test
    void twoHundredLinesOverFiftyPromptsMakeFiftyUpstreamCallsAndTwoHundredOutputLines() throws Exception {
        List<String> prompts = prompts("replay warm", 50);
        Path output = dir.resolve("out.jsonl");

        int exit = replay("--input", input("in.jsonl", prompts, 200).toString(), "--output", output.toString(),
                "--concurrency", "16", "--price", "gpt-4o-mini=0.15/0.60");

        assertThat(exit).isZero();
        List<JsonNode> lines = OutputLines.read(output);
        assertThat(lines).hasSize(200).extracting(l -> l.path("custom_id").asString()).doesNotHaveDuplicates();
        assertThat(lines).allSatisfy(l -> assertThat(l.path("response").path("status_code").asInt()).isEqualTo(200));
        assertThat(prompts).allSatisfy(p -> assertThat(UPSTREAM.requestsContaining(p)).isEqualTo(1));
        assertThat(lines.stream().map(l -> l.path("llmcache").path("cache_key").asString()).distinct()).hasSize(50);
        String report = Files.readString(dir.resolve("report.md"));
        assertThat(report).contains("| upstream calls (MISS + BYPASS) | 50 |", "| distinct prompts (cache keys) | 50 |");
        assertThat(Files.readString(dir.resolve("report.json"))).contains("\"saved\"");
    }

    @Test
    void aReplayInAScratchNamespaceLeavesTheProductionCacheCold() throws Exception {
        List<String> prompts = prompts("replay scratch", 3);

        replay("--input", input("in.jsonl", prompts, 3).toString(), "--output", dir.resolve("out.jsonl").toString(),
                "--namespace", "eval-scratch");

        assertThat(chat(prompts.get(0)).headers().firstValue("X-Cache")).hasValue("MISS");
    }

    @Test
    void anotherModelGivesANonEmptyDiffAndTheSameModelAnEmptyOne() throws Exception {
        List<String> prompts = prompts("replay diff", 5);
        Path in = input("in.jsonl", prompts, 5);
        Path base = dir.resolve("base.jsonl");
        Path again = dir.resolve("again.jsonl");
        Path other = dir.resolve("other.jsonl");
        replay("--input", in.toString(), "--output", base.toString(), "--report", dir.resolve("r1").toString());
        replay("--input", in.toString(), "--output", again.toString(), "--report", dir.resolve("r2").toString());
        replay("--input", in.toString(), "--output", other.toString(), "--model-map", "gpt-4o-mini=gpt-4o",
                "--report", dir.resolve("r3").toString(), "--baseline", base.toString());

        assertThat(ReplayCommand.execute("diff", base.toString(), again.toString())).as("hits: the same answers").isZero();
        assertThat(ReplayCommand.execute("diff", base.toString(), other.toString(), "--out", dir.resolve("d").toString()))
                .isEqualTo(1);
        assertThat(Files.readString(dir.resolve("d/diff.md"))).contains("| exactly equal | 0 (0.0%) |");
        assertThat(Files.readString(dir.resolve("r3/report.md"))).contains("Answers compared with the baseline");
    }

    @Test
    void aReplayKilledMidwayAndResumedWritesEveryLineExactlyOnce() throws Exception {
        List<String> prompts = prompts("replay resume", 60);
        Path in = input("in.jsonl", prompts, 60);
        Path output = dir.resolve("out.jsonl");
        // The replay in a JVM of its own, killed (SIGKILL) once part of its output is written.
        Process replay = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ReplayCommand.class.getName(), "run",
                "--url", "http://127.0.0.1:" + port + "/v1", "--input", in.toString(), "--output", output.toString(),
                "--concurrency", "2", "--rate", "10")
                .redirectErrorStream(true).redirectOutput(dir.resolve("replay.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (lineCount(output) < 10 && System.nanoTime() < deadline && replay.isAlive()) {
            Thread.sleep(20);
        }
        replay.destroyForcibly().waitFor();
        long before = lineCount(output);
        assertThat(before).as("killed midway").isBetween(10L, 59L);

        int exit = replay("--input", in.toString(), "--output", output.toString(), "--resume", "--concurrency", "8");

        assertThat(exit).isZero();
        assertThat(OutputLines.read(output)).extracting(l -> l.path("custom_id").asString())
                .hasSize(60).doesNotHaveDuplicates();
        assertThat(prompts).allSatisfy(p -> assertThat(UPSTREAM.requestsContaining(p)).isEqualTo(1));
    }

    @Test
    void recordedQueriesOfATimeRangeAreReplayedInTheirOwnNamespaceAndHitTheCache() throws Exception {
        String tenant = "recorded-" + UUID.randomUUID().toString().substring(0, 8);
        Instant since = Instant.now().minusSeconds(1);
        List<String> prompts = prompts("replay recorded", 3);
        prompts.forEach(prompt -> chat(prompt, "X-Tenant-ID", tenant));
        chat(uniquePrompt("replay another tenant"), "X-Tenant-ID", "someone-else");
        Path output = dir.resolve("recorded.jsonl");

        int exit = replay("--since", since.toString(), "--tenant", tenant, "--admin-key", ADMIN_KEY,
                "--output", output.toString());

        assertThat(exit).isZero();
        List<JsonNode> lines = OutputLines.read(output);
        assertThat(lines).hasSize(3).allSatisfy(line -> {
            assertThat(line.path("response").path("status_code").asInt()).isEqualTo(200);
            assertThat(line.path("llmcache").path("outcome").asString()).as("asked again in its namespace")
                    .isEqualTo("HIT");
        });
        assertThat(prompts).allSatisfy(prompt -> assertThat(UPSTREAM.requestsContaining(prompt)).isEqualTo(1));
        assertThat(Files.readString(dir.resolve("recorded.jsonl.queries.jsonl")))
                .as("kept beside the output, for --resume").contains(prompts.get(0));
        // Each export frees its place when it ends (two may run at once): a third in a row is served.
        for (int i = 0; i < 3; i++) {
            java.net.http.HttpResponse<String> export = get("/cache/queries?since=" + since + "&tenant=" + tenant,
                    "Authorization", "Bearer " + ADMIN_KEY);
            assertThat(export.statusCode()).isEqualTo(200);
            assertThat(export.body().lines()).hasSize(3);
        }
    }

    @Test
    void recordedQueriesAreOnlyHandedOutWithTheAdminKey() {
        String[] export = {"export", "--url", "http://127.0.0.1:" + port + "/v1", "--since", "2026-01-01T00:00:00Z",
                "--out", dir.resolve("q.jsonl").toString()};

        assertThat(ReplayCommand.execute(export)).as("no key").isEqualTo(2);
        assertThat(dir.resolve("q.jsonl")).as("nothing of a refused export stays").doesNotExist();
        assertThat(dir.resolve("q.jsonl.part")).doesNotExist();
        String[] wrongKey = java.util.stream.Stream.concat(java.util.Arrays.stream(export),
                java.util.stream.Stream.of("--admin-key", "wrong")).toArray(String[]::new);
        assertThat(ReplayCommand.execute(wrongKey)).as("a wrong key").isEqualTo(2);
        assertThat(get("/cache/queries?since=2026-01-01T00:00:00Z").statusCode()).isEqualTo(401);
        assertThat(get("/cache/queries?since=yesterday", "Authorization", "Bearer " + ADMIN_KEY).statusCode())
                .isEqualTo(400);
    }

    private java.net.http.HttpResponse<String> get(String path, String... headers) {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(uri(path)).GET();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aRateLimitedReplayHoldsItsRate() throws Exception {
        List<String> prompts = prompts("replay rate", 5);
        Path in = input("in.jsonl", prompts, 60);
        Path output = dir.resolve("out.jsonl");

        replay("--input", in.toString(), "--output", output.toString(), "--rate", "20", "--concurrency", "16");

        // 60 requests at 20/s: 59 intervals of 50 ms between the first start and the last.
        List<Long> starts = OutputLines.read(output).stream()
                .map(line -> line.path("llmcache").path("started_at").asLong()).sorted().toList();
        double seconds = (starts.get(starts.size() - 1) - starts.get(0)) / 1000.0;
        assertThat(59 / seconds).isBetween(18.0, 22.0);
    }

    private static long lineCount(Path file) throws Exception {
        if (!Files.exists(file)) {
            return 0;
        }
        return Files.readString(file).chars().filter(c -> c == '\n').count();
    }
}
