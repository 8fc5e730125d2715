package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.replay.ReplayCommand;
import dev.llmcache.replay.output.OutputLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    void aRateLimitedReplayHoldsItsRate() throws Exception {
        List<String> prompts = prompts("replay rate", 5);
        Path in = input("in.jsonl", prompts, 60);
        long start = System.nanoTime();

        replay("--input", in.toString(), "--output", dir.resolve("out.jsonl").toString(), "--rate", "20",
                "--concurrency", "16");

        double seconds = (System.nanoTime() - start) / 1e9;
        // 60 requests at 20/s: the last starts at 2.95 s; it and its answer within +-10%.
        assertThat(60 / seconds).isBetween(18.0, 22.0);
    }

    private static long lineCount(Path file) throws Exception {
        if (!Files.exists(file)) {
            return 0;
        }
        return Files.readString(file).chars().filter(c -> c == '\n').count();
    }
}
