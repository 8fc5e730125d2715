package dev.llmcache.replay;

import dev.llmcache.replay.input.QueryRangeDownload;
import dev.llmcache.replay.output.OutputFile;
import dev.llmcache.replay.output.OutputLines;
import dev.llmcache.replay.report.AnswerComparison;
import dev.llmcache.replay.report.Prices;
import dev.llmcache.replay.report.ReplayReport;
import dev.llmcache.replay.run.CacheMode;
import dev.llmcache.replay.run.ReplayClient;
import dev.llmcache.replay.run.ReplayRun;
import dev.llmcache.replay.run.RequestRewriter;
import dev.llmcache.replay.run.RetryPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reactor.core.scheduler.Schedulers;

/** The replay tool's command line: {@code run} a replay, {@code diff} two runs. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        subcommands = {ReplayCommand.RunCommand.class, ReplayCommand.ExportCommand.class,
                ReplayCommand.DiffCommand.class},
        description = "Replays recorded queries through a running llmcache and reports on them.")
public final class ReplayCommand implements Runnable {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (0: done, 1: done with failed lines, 2: bad usage). */
    public static int execute(String... args) {
        return new CommandLine(new ReplayCommand())
                // A refused export, an output file of another run: the message, not a stack trace.
                .setExecutionExceptionHandler((error, command, parsed) -> {
                    command.getErr().println("replay: " + (error.getMessage() != null ? error.getMessage() : error));
                    return 2;
                })
                .execute(args);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** Where recorded queries come from in the product: a time range of its {@code queries} topic. */
    static final class QueryRangeOptions {

        @Option(names = "--since", required = true, description = "First instant of the range (ISO-8601, e.g. "
                + "2026-12-07T00:00:00Z).")
        Instant since;

        @Option(names = "--until", description = "End of the range, exclusive (ISO-8601; default: now).")
        Instant until;

        @Option(names = "--tenant", description = "Only this tenant's queries.")
        String tenant;

        @Option(names = "--limit", defaultValue = "100000", description = "At most this many queries (default: "
                + "${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--admin-key", defaultValue = "${LLMCACHE_ADMIN_API_KEY}",
                description = "The product's admin key (env LLMCACHE_ADMIN_API_KEY): recorded queries are prompts.")
        String adminKey;

        @Option(names = "--admin-url", description = "Where the product serves /cache/... (default: --url "
                + "without its /v1).")
        String adminUrl;

        QueryRangeDownload.Range range() {
            return new QueryRangeDownload.Range(since, until, tenant, limit);
        }

        String adminUrl(String apiUrl) {
            return adminUrl != null ? adminUrl : apiUrl.replaceFirst("/v1/?$", "");
        }

        /** Downloads the range into {@code file}; returns how many queries it holds. */
        long download(String apiUrl, Path file) {
            long count = QueryRangeDownload.download(adminUrl(apiUrl), adminKey, range(), file, Duration.ofMinutes(5));
            System.err.println(count + " recorded queries in " + file);
            return count;
        }
    }

    /** The input of a run: a file, or a range of recorded queries. */
    static final class Source {

        @Option(names = "--input", required = true, description = "The JSONL input file (OpenAI Batch input lines, "
                + "or plain chat request bodies).")
        Path input;

        @CommandLine.ArgGroup(exclusive = false, heading = "Or replay recorded queries of the product:%n")
        QueryRangeOptions recorded;
    }

    @Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Replays a JSONL file (OpenAI Batch input lines, or plain chat request bodies), or the "
                    + "product's recorded queries of a time range, and writes one output line per input line "
                    + "(OpenAI Batch output format plus the pipeline's view), then report.md and report.json.")
    static final class RunCommand implements Callable<Integer> {

        @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
        Source source;

        @Option(names = "--output", required = true, description = "The JSONL output file (append-only).")
        Path output;

        @Option(names = "--resume", description = "Go on with an output file from an earlier, stopped run: "
                + "lines already written are not sent again.")
        boolean resume;

        @Option(names = "--url", defaultValue = "${LLMCACHE_URL:-http://127.0.0.1:8080/v1}",
                description = "The product's OpenAI base URL (default: ${DEFAULT-VALUE}; env LLMCACHE_URL).")
        String url;

        @Option(names = "--api-key", defaultValue = "${LLMCACHE_API_KEY}",
                description = "The API key to send as a bearer token (env LLMCACHE_API_KEY).")
        String apiKey;

        @Option(names = "--namespace", description = "Cache namespace for every request (X-Cache-Namespace): "
                + "a scratch namespace keeps an evaluation out of the production cache. Without it, recorded "
                + "queries are sent in the namespace they were asked in.")
        String namespace;

        @Option(names = "--cache", defaultValue = "use", converter = CacheModeConverter.class,
                description = "use (default), refresh, bypass or no-store.")
        CacheMode cache;

        @Option(names = "--model-map", paramLabel = "FROM=TO", description = "Send requests for one model to "
                + "another (repeatable).")
        Map<String, String> modelMap = new LinkedHashMap<>();

        @Option(names = "--set", paramLabel = "FIELD=VALUE", description = "Set a top-level field of every "
                + "request, e.g. temperature=0 (the value as JSON where it is JSON; repeatable).")
        Map<String, String> set = new LinkedHashMap<>();

        @Option(names = "--concurrency", defaultValue = "8", description = "Requests at a time (default: "
                + "${DEFAULT-VALUE}).")
        int concurrency;

        @Option(names = "--rate", defaultValue = "0", description = "At most this many requests per second, "
                + "started on a fixed schedule (default: no limit but --concurrency).")
        double rate;

        @Option(names = "--max-retries", defaultValue = "3", description = "Sends again after a 429, 502, 503, "
                + "504 or no answer, at most this many times (default: ${DEFAULT-VALUE}); 429/503 wait for "
                + "Retry-After.")
        int maxRetries;

        @Option(names = "--timeout", defaultValue = "PT5M", description = "Per request (ISO-8601, default: "
                + "${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(names = "--price", paramLabel = "MODEL=IN/OUT", description = "USD per million input/output "
                + "tokens of a model, for the report's cost and savings (repeatable).")
        Map<String, String> prices = new LinkedHashMap<>();

        @Option(names = "--baseline", description = "The output of an earlier run: the report compares answers.")
        Path baseline;

        @Option(names = "--report", description = "Folder for report.md and report.json (default: beside the "
                + "output file).")
        Path report;

        @Override
        public Integer call() throws Exception {
            if (concurrency < 1 || rate < 0 || maxRetries < 0 || timeout.isNegative() || timeout.isZero()) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--concurrency must be at least 1, --timeout positive, --rate and --max-retries not negative");
            }
            Prices priceTable = Prices.parse(prices);
            Map<String, String> headers = new LinkedHashMap<>();
            if (apiKey != null && !apiKey.isBlank()) {
                headers.put("Authorization", "Bearer " + apiKey);
            }
            if (namespace != null) {
                headers.put(ReplayClient.NAMESPACE_HEADER, namespace);
            }
            if (cache.cacheControl() != null) {
                headers.put("Cache-Control", cache.cacheControl());
            }
            RequestRewriter rewriter = new RequestRewriter(modelMap, RequestRewriter.fields(set));
            RetryPolicy retries = new RetryPolicy(maxRetries, RetryPolicy.DEFAULT.firstBackoff(),
                    RetryPolicy.DEFAULT.maxWait());
            AtomicLong hits = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            // The output first: a run that may not write there must not touch its recorded queries either.
            try (OutputFile out = OutputFile.open(output, resume)) {
                Path input = source.input;
                if (input == null) {
                    // Downloaded next to the output, and kept: a resumed run replays the same lines.
                    input = output.resolveSibling(output.getFileName() + ".queries.jsonl");
                    if (!(resume && Files.exists(input))) {
                        source.recorded.download(url, input);
                    }
                }
                replay(input, out, headers, rewriter, retries, hits, failed);
            }
            ReplayReport summary = ReplayReport.of(OutputLines.read(output), priceTable,
                    baseline == null ? null : OutputLines.read(baseline));
            Path folder = report != null ? report
                    : output.toAbsolutePath().getParent() == null ? Path.of(".") : output.toAbsolutePath().getParent();
            summary.write(folder);
            System.out.println(summary.toMarkdown());
            System.out.println("Output: " + output.toAbsolutePath() + "; report: " + folder.resolve("report.md"));
            return summary.errors().isEmpty() ? 0 : 1;
        }

        private void replay(Path input, OutputFile out, Map<String, String> headers, RequestRewriter rewriter,
                            RetryPolicy retries, AtomicLong hits, AtomicLong failed) throws java.io.IOException {
            try (ReplayClient client = new ReplayClient(url, headers, concurrency, timeout, retries);
                 ProgressBar progress = ProgressBar.builder().setTaskName("replay")
                         .setInitialMax(ReplayRun.count(input)).setUpdateIntervalMillis(500).continuousUpdate()
                         .showSpeed().build()) {
                progress.stepTo(out.doneCount());
                new ReplayRun(client, rewriter, new ReplayRun.Settings(concurrency, rate, namespace == null),
                        Schedulers.parallel())
                        .run(input, out, line -> {
                            if (line.outcome().equals("HIT")) {
                                hits.incrementAndGet();
                            }
                            if (line.error()) {
                                failed.incrementAndGet();
                            }
                            progress.step();
                            progress.setExtraMessage(String.format(java.util.Locale.ROOT, "hits %.0f%%, errors %d",
                                    100.0 * hits.get() / Math.max(1, progress.getCurrent()), failed.get()));
                        });
            }
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Writes the product's recorded queries of a time range (its queries topic) as a replay "
                    + "input file: OpenAI Batch input lines.")
    static final class ExportCommand implements Callable<Integer> {

        @CommandLine.ArgGroup(exclusive = false, multiplicity = "1")
        QueryRangeOptions recorded;

        @Option(names = "--url", defaultValue = "${LLMCACHE_URL:-http://127.0.0.1:8080/v1}",
                description = "The product's OpenAI base URL (default: ${DEFAULT-VALUE}; env LLMCACHE_URL).")
        String url;

        @Option(names = "--out", required = true, description = "The JSONL file to write.")
        Path out;

        @Override
        public Integer call() {
            recorded.download(url, out);
            return 0;
        }
    }

    @Command(name = "diff", mixinStandardHelpOptions = true,
            description = "Compares the answers of two replay outputs, line by line (matched by custom_id).")
    static final class DiffCommand implements Callable<Integer> {

        @Parameters(index = "0", description = "The first run's output.")
        Path a;

        @Parameters(index = "1", description = "The second run's output.")
        Path b;

        @Option(names = "--out", description = "Also write diff.md and diff.json into this folder.")
        Path out;

        @Override
        public Integer call() throws Exception {
            AnswerComparison comparison = AnswerComparison.of(OutputLines.read(a), OutputLines.read(b));
            String markdown = "# " + a.getFileName() + " vs " + b.getFileName() + "\n\n"
                    + comparison.toMarkdown(a.getFileName().toString(), b.getFileName().toString());
            if (out != null) {
                Files.createDirectories(out);
                Files.writeString(out.resolve("diff.md"), markdown);
                Files.writeString(out.resolve("diff.json"),
                        ReplayJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(comparison.toJson()));
            }
            System.out.println(markdown);
            return comparison.identical() ? 0 : 1;
        }
    }

    static final class CacheModeConverter implements CommandLine.ITypeConverter<CacheMode> {
        @Override
        public CacheMode convert(String value) {
            return CacheMode.parse(value);
        }
    }
}
