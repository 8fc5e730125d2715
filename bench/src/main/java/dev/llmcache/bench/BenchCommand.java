package dev.llmcache.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The benchmark's command line. */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {BenchCommand.SuiteCommand.class,
        BenchCommand.RunCommand.class, BenchCommand.SemanticSearchCommand.class,
        BenchCommand.EmbedderCommand.class},
        description = "Load generator and performance report for llmcache.")
public final class BenchCommand implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    @Command(name = "suite", mixinStandardHelpOptions = true,
            description = "Start a fresh standalone product and run the standard suite; writes report.md, "
                    + "results.json and charts.")
    static final class SuiteCommand implements Callable<Integer> {

        @Option(names = "--standalone-jar", defaultValue = "standalone/target/standalone.jar",
                description = "The product to start (default: ${DEFAULT-VALUE}).")
        Path jar;

        @Option(names = "--out", description = "Results folder (default: bench-results/<timestamp>).")
        Path out;

        @Option(names = "--quick", description = "Smoke-sized run (a minute), not for reporting numbers.")
        boolean quick;

        @Option(names = "--product-jvm-option", paramLabel = "OPTION",
                description = "An extra JVM option for the product, after -Xmx1g (repeatable), e.g. "
                        + "--product-jvm-option=-XX:MaxGCPauseMillis=20 to compare GC settings.")
        List<String> productJvmOptions = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Path folder = out != null ? out : Path.of("bench-results",
                    LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            new Suite(jar, productJvmOptions, folder, quick ? Suite.Sizes.quick() : Suite.Sizes.standard()).run();
            System.out.println("Report: " + folder.resolve("report.md").toAbsolutePath());
            return 0;
        }
    }

    @Command(name = "semantic-search", mixinStandardHelpOptions = true,
            description = "Search latency of the semantic index at a given size of one scope (in this JVM).")
    static final class SemanticSearchCommand implements Callable<Integer> {

        @Option(names = "--entries", defaultValue = "10000", description = "Entries in the scope.")
        int entries;

        @Option(names = "--searches", defaultValue = "2000")
        int searches;

        @Override
        public Integer call() {
            ScenarioResult result = SemanticScenarios.searchLatency(entries, searches);
            System.out.printf(java.util.Locale.ROOT, "%d entries: p50 %.3f ms, p99 %.3f ms over %d searches%n",
                    entries, result.total().p50(), result.total().p99(), result.total().count());
            return 0;
        }
    }

    @Command(name = "embedder", mixinStandardHelpOptions = true,
            description = "Latency of the in-process embedding model (in this JVM), half the texts about 64 tokens.")
    static final class EmbedderCommand implements Callable<Integer> {

        @Option(names = "--texts", defaultValue = "300")
        int texts;

        @Option(names = "--threads", defaultValue = "1", description = "Intra-op threads of the ONNX runtime.")
        int threads;

        @Override
        public Integer call() {
            ScenarioResult result = EmbeddingScenarios.embedderLatency(texts, new Prompts(), threads);
            System.out.printf(java.util.Locale.ROOT, "%d thread(s): p50 %.2f ms, p99 %.2f ms over %d texts%n",
                    threads, result.total().p50(), result.total().p99(), result.total().count());
            return 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "One workload against a running llmcache (or any OpenAI-compatible server).")
    static final class RunCommand implements Callable<Integer> {

        enum Workload { hits, misses, storm, zipf }

        @Option(names = "--target", defaultValue = "http://127.0.0.1:8080/v1", description = "OpenAI base URL.")
        String target;

        @Option(names = "--workload", defaultValue = "hits", description = "hits, misses, storm or zipf.")
        Workload workload;

        @Option(names = "--model", defaultValue = "gpt-4o-mini")
        String model;

        @Option(names = "--requests", defaultValue = "1000")
        int requests;

        @Option(names = "--concurrency", defaultValue = "32", description = "Closed loop: requests at a time.")
        int concurrency;

        @Option(names = "--rate", description = "Open loop: requests per second (instead of a closed loop).")
        Integer rate;

        @Option(names = "--keys", defaultValue = "100", description = "Key space of hits and zipf.")
        int keys;

        @Option(names = "--skew", defaultValue = "1.1", description = "Zipf skew.")
        double skew;

        @Option(names = "--stream", negatable = true, defaultValue = "false")
        boolean stream;

        @Option(names = "--out", defaultValue = "bench-results/run", description = "Results folder.")
        Path out;

        @Option(names = "--run-id", description = "Reuse the prompts of an earlier run with this id (e.g. to run "
                + "hits against a cache warmed by a first run). Default: a new id.")
        String runId;

        @Override
        public Integer call() throws Exception {
            Prompts prompts = runId == null ? new Prompts() : new Prompts(runId);
            Prompts.Zipf zipf = new Prompts.Zipf(Math.max(1, keys), skew, 42);
            java.util.function.IntFunction<String> prompt = switch (workload) {
                case hits -> i -> prompts.ranked("hits", i % keys);
                case misses -> i -> prompts.unique("misses", i);
                case storm -> i -> prompts.ranked("storm", 0);
                case zipf -> i -> prompts.ranked("zipf", zipf.next());
            };
            ScenarioRecorder recorder = new ScenarioRecorder();
            // An open loop must never wait for a free connection: that would hide the server's queueing.
            int connections = workload == Workload.storm ? requests : rate != null ? 4_096 : Math.max(concurrency, 64);
            try (ChatClient client = new ChatClient(target, connections, Duration.ofSeconds(120))) {
                if (rate != null) {
                    Load.openLoop(workload.name(), rate, Duration.ofMillis(1000L * requests / rate),
                            (i, intended) -> client.send(ChatClient.body(model, prompt.apply(i), stream), stream,
                                    intended, false), recorder);
                } else {
                    Load.closedLoop(workload.name(), requests, workload == Workload.storm ? requests : concurrency,
                            i -> Load.now(client, ChatClient.body(model, prompt.apply(i), stream), stream, false),
                            recorder);
                }
            }
            ScenarioResult result = recorder.result(workload.name(), "Ad-hoc run against " + target,
                    Map.of("requests", requests, "concurrency", concurrency, "rate", rate == null ? "closed loop" : rate,
                            "stream", stream));
            Report.write(out, Map.of("target", target), List.of(result), List.of(), List.of());
            System.out.println(Report.markdown(Map.of("target", target), List.of(result), List.of(), List.of()));
            return result.errorCount() == 0 ? 0 : 1;
        }
    }
}
