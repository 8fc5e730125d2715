package dev.llmcache.bench;

import dev.llmcache.replay.output.OutputFile;
import dev.llmcache.replay.output.OutputLines;
import dev.llmcache.replay.run.ReplayClient;
import dev.llmcache.replay.run.ReplayRun;
import dev.llmcache.replay.run.RequestRewriter;
import dev.llmcache.replay.run.RetryPolicy;
import dev.llmcache.simulator.SimulatedLlmServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

/**
 * The standard suite: a freshly started standalone product against the simulated LLM (started
 * here, so the direct-call baseline hits the very same server), baselines first, then every
 * workload, then the targets, judged against numbers measured in this same run.
 */
final class Suite {

    /** The sizes of one run; {@link #quick()} is a smoke-sized run. */
    record Sizes(int warmupMisses, int warmupHits, int misses, int serialMisses, int hitKeys, int hitsClosed,
                 int openRate, int sustainableRate, Duration openDuration, int storm, int inflightMisses, int zipfRequests,
                 int zipfKeys, int kafkaRoundTrips, int edgeOpenRate) {

        static Sizes standard() {
            return new Sizes(400, 40_000, 200, 20, 100, 20_000, 1_000, 200, Duration.ofSeconds(20), 1_000, 1_000, 5_000,
                    2_000, 1_000, 5_000);
        }

        static Sizes quick() {
            return new Sizes(40, 1_000, 20, 3, 20, 1_000, 200, 50, Duration.ofSeconds(3), 100, 100, 300, 200, 100, 500);
        }
    }

    private static final String MODEL = "gpt-4o-mini";
    private static final String SLOW_MODEL = "bench-slow";
    /** At most this long before each scenario for the product's JIT to finish the previous one's work. */
    private static final Duration JIT_SETTLE_LIMIT = Duration.ofSeconds(15);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The product's default topic prefix, which the bench does not change. */
    private static final String TOPIC_PREFIX = "llmcache.";

    private final Path standaloneJar;
    private final List<String> productJvmOptions;
    private final Path out;
    private final Sizes sizes;
    private final Prompts prompts = new Prompts();
    private final List<ScenarioResult> scenarios = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private double maxResidentMib;
    /** Set once the product is up: CPU use of each scenario. */
    private CpuAccount cpu;

    Suite(Path standaloneJar, List<String> productJvmOptions, Path out, Sizes sizes) {
        this.standaloneJar = standaloneJar;
        this.productJvmOptions = List.copyOf(productJvmOptions);
        this.out = out;
        this.sizes = sizes;
    }

    void run() throws Exception {
        try (SimulatedLlmServer llm = SimulatedLlmServer.start(0, Duration.ofMillis(300), 50);
             SimulatedLlmServer slowLlm = SimulatedLlmServer.start(0, Duration.ofSeconds(1), 1_000)) {
            int port = freePort();
            int kafkaPort = freePort();
            List<String> arguments = List.of(
                    "--llmcache.llm.provider=openai",
                    "--llmcache.llm.base-url=" + llm.baseUrl(),
                    "--llmcache.llm.providers.slow.type=openai",
                    "--llmcache.llm.providers.slow.base-url=" + slowLlm.baseUrl(),
                    "--llmcache.llm.routes." + SLOW_MODEL + ".provider=slow",
                    // Enough worker slots that 1,000 concurrent misses wait only for the LLM.
                    "--llmcache.processor.worker.max-inflight=1200");
            Map<String, Object> environment;
            // First the Kafka path: with the edge tier off, every hit crosses Kafka twice.
            List<String> kafkaPath = new ArrayList<>(arguments);
            kafkaPath.add("--llmcache.ingest.edge.memory.enabled=false");
            try (StandaloneProcess product = StandaloneProcess.start(standaloneJar, productJvmOptions, out.resolve("data"),
                    out.resolve("standalone.log"), port, kafkaPort, kafkaPath)) {
                notes.add(String.format(Locale.ROOT, "Standalone product ready (readiness UP) %d ms after start, "
                        + "with the edge tier off (every hit through Kafka).", product.startupMillis()));
                notes.add(String.format(Locale.ROOT, "Warm-up before measuring (not counted): %d streaming misses, "
                        + "then %d hits, through the pipeline.", sizes.warmupMisses(), sizes.warmupHits()));
                runScenarios(product, llm, slowLlm, "127.0.0.1:" + kafkaPort);
                environment = environment(product);
            }
            // Then the same product on the same data, as it runs by default: the edge tier on.
            try (StandaloneProcess product = StandaloneProcess.start(standaloneJar, productJvmOptions, out.resolve("data"),
                    out.resolve("standalone-edge.log"), port, kafkaPort, arguments)) {
                notes.add(String.format(Locale.ROOT, "Restarted on the same data with the in-memory edge tier on "
                        + "(its default), ready %d ms after start; %d hits of warm-up.", product.startupMillis(),
                        sizes.warmupHits() / 2));
                runEdgeScenarios(product);
            }
            // Then the Redis tier alone (memory tier off), when the machine has a redis-server.
            Optional<RedisProcess> redis = RedisProcess.start(out.resolve("redis.log"));
            if (redis.isEmpty()) {
                notes.add("No redis-server on this machine: the Redis-tier scenarios were not run.");
            }
            if (redis.isPresent()) {
                try (RedisProcess server = redis.get()) {
                    List<String> redisTier = new ArrayList<>(arguments);
                    redisTier.add("--llmcache.redis.url=" + server.url());
                    redisTier.add("--llmcache.ingest.edge.memory.enabled=false");
                    try (StandaloneProcess product = StandaloneProcess.start(standaloneJar, productJvmOptions,
                            out.resolve("data"), out.resolve("standalone-redis.log"), port, kafkaPort, redisTier)) {
                        notes.add(String.format(Locale.ROOT, "Restarted on the same data with Redis (a local "
                                + "redis-server) and the memory tier off, ready %d ms after start.",
                                product.startupMillis()));
                        runRedisScenarios(product);
                    }
                }
            }
            environment.put("standalone peak RSS (MiB)", Math.round(maxResidentMib));
            Report.write(out, environment, scenarios, Targets.judge(scenarios, maxResidentMib), notes);
        }
    }

    private void runScenarios(StandaloneProcess product, SimulatedLlmServer llm, SimulatedLlmServer slowLlm,
                              String kafka) throws Exception {
        try (ChatClient direct = new ChatClient(llm.baseUrl(), 256, TIMEOUT);
             ChatClient pipeline = new ChatClient(product.baseUrl(), 2_048, TIMEOUT)) {
            // Warm both paths before measuring anything: connections, caches and above all the JIT.
            // The product is one big JVM (broker, streams, web) and keeps compiling for tens of
            // thousands of requests; cold, a third of both cores goes to the compiler threads.
            closed("warm-up", "", direct, MODEL, 40, 8, true, i -> prompts.unique("warm-direct", i), false);
            closed("warm-up", "", pipeline, MODEL, sizes.warmupMisses(), 64, true,
                    i -> prompts.ranked("warm-pipeline", i), false);
            closed("warm-up", "", pipeline, MODEL, sizes.warmupHits(), 32, false,
                    i -> prompts.ranked("warm-pipeline", i % sizes.warmupMisses()), false);
            scenarios.clear();
            cpu = new CpuAccount(product);

            measure(product, () -> closed("baseline-llm", "Baseline: the simulated LLM called directly (no "
                    + "pipeline), streaming, 300 ms to first token then 50 tokens/s, 32 at a time, unique prompts.",
                    direct, MODEL, sizes.misses(), 32, true, i -> prompts.unique("baseline", i), false));
            measure(product, () -> KafkaRoundTrip.measure(kafka, sizes.kafkaRoundTrips()));

            measure(product, () -> closed("misses-stream", "Streaming misses through the pipeline against the same "
                    + "simulated LLM, 32 at a time, unique prompts.", pipeline, MODEL, sizes.misses(), 32, true,
                    i -> prompts.unique("miss", i), false));
            // The same pair one request at a time: the pipeline's own overhead, without queueing.
            measure(product, () -> closed("baseline-llm-serial", "Baseline: the simulated LLM called directly, one "
                    + "request at a time.", direct, MODEL, sizes.serialMisses(), 1, true,
                    i -> prompts.unique("baseline-serial", i), false));
            measure(product, () -> closed("misses-stream-serial", "Streaming misses through the pipeline, one request "
                    + "at a time.", pipeline, MODEL, sizes.serialMisses(), 1, true,
                    i -> prompts.unique("miss-serial", i), false));
            // The same serial misses, eligible for the semantic cache: embedded and looked up first.
            try (ChatClient semantic = new ChatClient(product.baseUrl(), 64, TIMEOUT,
                    java.util.Map.of("X-Cache-Semantic", "on"))) {
                // Its first lookups load the in-process model and warm the lookup's path up.
                closed("warm-up", "", semantic, MODEL, 20, 1, true, i -> prompts.unique("warm-semantic", i), false);
                measure(product, () -> closed("misses-stream-serial-semantic", "Streaming misses one at a time with "
                        + "the semantic cache on (X-Cache-Semantic: on): each question embedded by the in-process "
                        + "model and looked up before the LLM call; none matches.", semantic, MODEL,
                        sizes.serialMisses(), 1, true, i -> prompts.unique("miss-semantic", i), false));
            }
            // Where the serial misses' overhead goes, hop by hop.
            notes.addAll(HopBreakdown.measure(pipeline, kafka, TOPIC_PREFIX, MODEL, prompts, sizes.serialMisses()));

            closed("warm-hits", "", pipeline, MODEL, sizes.hitKeys(), 32, false, i -> prompts.ranked("hits", i), false);
            measure(product, () -> closed("hits-peak", "Cache hits (Kafka path), non-streaming, closed loop of 64 "
                    + "clients: peak throughput.", pipeline, MODEL, sizes.hitsClosed(), 64, false,
                    i -> prompts.ranked("hits", i % sizes.hitKeys()), false));
            measure(product, () -> open("hits-" + sizes.sustainableRate() + "rps", KAFKA_PATH_HITS, pipeline,
                    sizes.sustainableRate(), sizes.openDuration()));
            // Right after the same hits alone, before the overload of the next scenario: a fair pair.
            measure(product, () -> hitsDuringBatch(pipeline, product));
            measure(product, () -> open("hits-" + sizes.openRate() + "rps", KAFKA_PATH_HITS, pipeline, sizes.openRate(),
                    sizes.openDuration()));
            measure(product, () -> replayHits(product));

            measure(product, () -> storm(pipeline, llm));
            measure(product, () -> inflightMisses(pipeline, product));
            measure(product, () -> zipf(pipeline));
        }
    }

    private ScenarioResult closed(String name, String description, ChatClient client, String model, int requests,
                                  int concurrency, boolean stream, java.util.function.IntFunction<String> prompt,
                                  boolean keepBody) {
        ScenarioRecorder recorder = new ScenarioRecorder();
        Load.closedLoop(name, requests, concurrency,
                i -> Load.now(client, ChatClient.body(model, prompt.apply(i), stream), stream, keepBody), recorder);
        return recorder.result(name, description, settings("requests", requests, "concurrency", concurrency,
                "stream", stream, "model", model));
    }

    /**
     * The edge tier: hits answered from ingest's memory, against the ceiling of any HTTP answer on
     * this machine (a minimal server answering the same bytes), measured in the same way.
     */
    private void runEdgeScenarios(StandaloneProcess product) throws Exception {
        try (ChatClient pipeline = new ChatClient(product.baseUrl(), 2_048, TIMEOUT)) {
            // The entries are read from cache-entries at start; these warm the JIT on the edge path.
            closed("warm-up", "", pipeline, MODEL, sizes.warmupHits() / 2, 32, false,
                    i -> prompts.ranked("hits", i % sizes.hitKeys()), false);
            cpu = new CpuAccount(product);
            String hitBody = Load.now(pipeline, ChatClient.body(MODEL, prompts.ranked("hits", 0), false), false, true)
                    .block().body();
            try (RawHttpServer raw = new RawHttpServer(hitBody);
                 ChatClient direct = new ChatClient(raw.baseUrl(), 2_048, TIMEOUT)) {
                closed("warm-up", "", direct, MODEL, sizes.warmupHits() / 2, 32, false, i -> "warm", false);
                measure(product, () -> closed("baseline-raw-http", "Baseline: the ceiling of any HTTP answer on this "
                        + "machine, a minimal Reactor Netty server on loopback answering the same bytes as a hit, "
                        + "closed loop of 64 clients.", direct, MODEL, sizes.hitsClosed(), 64, false,
                        i -> prompts.ranked("hits", i % sizes.hitKeys()), false));
            }
            measure(product, () -> closed("edge-hits-peak", "Cache hits answered from ingest's memory (the edge "
                    + "tier, no Kafka round trip), non-streaming, closed loop of 64 clients: peak throughput.",
                    pipeline, MODEL, sizes.hitsClosed(), 64, false, i -> prompts.ranked("hits", i % sizes.hitKeys()),
                    false));
            measure(product, () -> open("edge-hits-" + sizes.openRate() + "rps", EDGE_HITS, pipeline,
                    sizes.openRate(), sizes.openDuration()));
            measure(product, () -> open("edge-hits-" + sizes.edgeOpenRate() + "rps", EDGE_HITS, pipeline,
                    sizes.edgeOpenRate(), sizes.openDuration()));
            // Embeddings: the endpoint answering cached inputs, then the in-process model's own latency.
            EmbeddingScenarios.warm(pipeline, sizes.hitKeys(), prompts);
            measure(product, () -> EmbeddingScenarios.cachedPeak(pipeline, sizes.hitsClosed(), 64, sizes.hitKeys(),
                    prompts));
            measure(product, () -> EmbeddingScenarios.embedderLatency(sizes.serialMisses() * 15, prompts));
            measure(product, () -> SemanticScenarios.searchLatency(10_000, 2_000));
        }
    }

    /** Hits from Redis (memory tier off), once Redis holds the entries (the replica copies them at start). */
    private void runRedisScenarios(StandaloneProcess product) throws Exception {
        try (ChatClient pipeline = new ChatClient(product.baseUrl(), 2_048, TIMEOUT)) {
            closed("warm-up", "", pipeline, MODEL, sizes.warmupHits() / 2, 32, false,
                    i -> prompts.ranked("hits", i % sizes.hitKeys()), false);
            cpu = new CpuAccount(product);
            measure(product, () -> closed("redis-hits-peak", "Cache hits answered from Redis (the memory tier "
                    + "off), non-streaming, closed loop of 64 clients: peak throughput.", pipeline, MODEL,
                    sizes.hitsClosed(), 64, false, i -> prompts.ranked("hits", i % sizes.hitKeys()), false));
            measure(product, () -> open("redis-hits-" + sizes.openRate() + "rps", REDIS_HITS, pipeline,
                    sizes.openRate(), sizes.openDuration()));
        }
    }

    private static final String REDIS_HITS = "Cache hits answered from Redis (the memory tier off), "
            + "non-streaming, open loop at a fixed arrival rate; latency from each request's intended start "
            + "(coordinated-omission corrected).";
    private static final String KAFKA_PATH_HITS = "Cache hits (Kafka path), non-streaming, open loop at a fixed "
            + "arrival rate; latency from each request's intended start (coordinated-omission corrected).";
    private static final String EDGE_HITS = "Cache hits answered from ingest's memory (the edge tier), "
            + "non-streaming, open loop at a fixed arrival rate; latency from each request's intended start "
            + "(coordinated-omission corrected).";

    private ScenarioResult open(String name, String description, ChatClient client, int rate, Duration duration) {
        ScenarioRecorder recorder = new ScenarioRecorder();
        Load.openLoop(name, rate, duration, (i, intended) -> client.send(
                ChatClient.body(MODEL, prompts.ranked("hits", i % sizes.hitKeys()), false), false, intended, false), recorder);
        return recorder.result(name, description, settings("ratePerSecond", rate, "seconds", duration.toSeconds()));
    }

    /** N identical new streaming requests at once: one upstream call, everyone the full answer. */
    private ScenarioResult storm(ChatClient client, SimulatedLlmServer llm) {
        String prompt = prompts.unique("storm", 0);
        long callsBefore = llm.requestCount(); // nothing else calls the upstream during a scenario
        ScenarioRecorder recorder = new ScenarioRecorder();
        List<RequestResult> results = Flux.range(0, sizes.storm())
                .flatMap(i -> client.send(ChatClient.body(MODEL, prompt, true), true, System.nanoTime(), true),
                        sizes.storm())
                .doOnNext(recorder::record)
                .collectList().block();
        // A joiner's lag: how long after the first client saw the first token the joiner saw it
        // (or, for a joiner that arrived later, how long its replay of the tokens took).
        RequestResult first = results.stream().filter(r -> r.ok() && "MISS".equals(r.cache())).findFirst()
                .orElse(results.get(0));
        Histogram behind = new Histogram(3);
        results.stream().filter(r -> r.ok() && r != first).forEach(r -> behind.recordValue(Math.max(0,
                (r.firstByteNanos() - Math.max(first.firstByteNanos(), r.latencyStartNanos())) / 1_000)));
        long distinctAnswers = results.stream().filter(RequestResult::ok).map(r -> SseText.of(r.body())).distinct().count();
        return recorder.result("storm", "Coalescing storm: " + sizes.storm() + " identical new streaming requests "
                        + "sent at once. A joiner is behind the first client (the one that missed) by how much later "
                        + "it received the first token (or, if it arrived after the first token, by how long it "
                        + "waited for the replay).", settings("clients", sizes.storm()))
                .with("upstreamCalls", llm.requestCount() - callsBefore)
                .with("distinctAnswers", distinctAnswers)
                .with("firstClientTtfbMs", first.timeToFirstByteNanos() / 1e6)
                .with("joinersBehindFirstP50Ms", behind.getValueAtPercentile(50) / 1000.0)
                .with("joinersBehindFirstP99Ms", behind.getValueAtPercentile(99) / 1000.0);
    }

    /** 1,000 different misses at once against a 1 s LLM: no errors, no thread growth. */
    private ScenarioResult inflightMisses(ChatClient client, StandaloneProcess product) {
        double threadsBefore = product.liveThreads();
        ScenarioRecorder recorder = new ScenarioRecorder();
        Instant start = Instant.now();
        Load.closedLoop("inflight-misses", sizes.inflightMisses(), sizes.inflightMisses(),
                i -> Load.now(client, ChatClient.body(SLOW_MODEL, prompts.unique("inflight", i), true), true, false),
                recorder);
        double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
        double threadsAfter = product.liveThreads();
        return recorder.result("inflight-misses", sizes.inflightMisses() + " different streaming misses at once "
                        + "against an LLM that takes 1 s.", settings("concurrency", sizes.inflightMisses()))
                .with("threadsBefore", threadsBefore).with("threadsAfter", threadsAfter)
                .with("wallSeconds", seconds);
    }

    private ScenarioResult zipf(ChatClient client) {
        Prompts.Zipf ranks = new Prompts.Zipf(sizes.zipfKeys(), 1.1, 42);
        return closed("zipf-mixed", "Mixed traffic: prompts drawn from " + sizes.zipfKeys() + " keys with Zipf "
                        + "skew 1.1 (a few questions asked very often), non-streaming, 32 clients.",
                client, MODEL, sizes.zipfRequests(), 32, false, i -> prompts.ranked("zipf", ranks.next()), false);
    }

    /**
     * Interactive hits at the sustainable rate while a batch of misses runs at its default
     * concurrency: what a batch costs live traffic (compare with hits at the same rate, alone).
     */
    private ScenarioResult hitsDuringBatch(ChatClient pipeline, StandaloneProcess product) throws Exception {
        int rate = sizes.sustainableRate();
        // More lines than the batch can run while measured: it runs the whole time.
        int lines = (int) Math.max(200, 20 * sizes.openDuration().toSeconds());
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < lines; i++) {
            bodies.add(ChatClient.body(MODEL, prompts.unique("batch", i), false));
        }
        BatchJob batch = BatchJob.start(product.baseUrl(), bodies);
        int runningBefore = batch.awaitDone(8, TIMEOUT).path("request_counts").path("completed").asInt();
        ScenarioResult hits = open("hits-" + rate + "rps-during-batch", "Cache hits (Kafka path) as in hits-" + rate
                + "rps, while a batch of " + lines + " new prompts runs through the Batch API at its default "
                + "concurrency (8 lines at a time).", pipeline, rate, sizes.openDuration());
        JsonNode during = batch.status();
        JsonNode ended = batch.cancel(TIMEOUT);
        return hits.with("batchLinesDuringHits", during.path("request_counts").path("completed").asInt() - runningBefore)
                .with("batchEndStatus", ended.path("status").asString());
    }

    /**
     * The replay tool, run in this JVM, replaying recorded hits through the product: what one
     * replayed request costs the client (this JVM's CPU, with nothing else running in it).
     */
    private ScenarioResult replayHits(StandaloneProcess product) throws Exception {
        int requests = Math.max(100, sizes.hitsClosed() / 4);
        int concurrency = 16;
        Path dir = Files.createTempDirectory("bench-replay");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            lines.add("{\"custom_id\":\"r" + i + "\",\"body\":"
                    + ChatClient.body(MODEL, prompts.ranked("hits", i % sizes.hitKeys()), false) + "}");
        }
        Files.write(dir.resolve("in.jsonl"), lines);
        Files.write(dir.resolve("warm.jsonl"), lines.subList(0, Math.min(lines.size(), 1_000)));
        ScenarioRecorder recorder = new ScenarioRecorder();
        long clientCpuNanos;
        try (ReplayClient client = new ReplayClient(product.baseUrl(), Map.of(), concurrency, TIMEOUT,
                RetryPolicy.DEFAULT)) {
            ReplayRun replay = new ReplayRun(client, new RequestRewriter(Map.of(), Map.of()),
                    new ReplayRun.Settings(concurrency, 0, false), Schedulers.parallel());
            // A first run warms the replay code's JIT and connections; only the second is measured.
            try (OutputFile warm = OutputFile.open(dir.resolve("warm-out.jsonl"), false)) {
                replay.run(dir.resolve("warm.jsonl"), warm, line -> { });
            }
            try (OutputFile output = OutputFile.open(dir.resolve("out.jsonl"), false)) {
                long before = CpuAccount.benchCpuNanos();
                replay.run(dir.resolve("in.jsonl"), output, line -> { });
                clientCpuNanos = CpuAccount.benchCpuNanos() - before;
            }
        }
        // Each output line as a request of the scenario, timed by the replay client itself.
        long zero = System.nanoTime() - System.currentTimeMillis() * 1_000_000L;
        for (JsonNode line : OutputLines.read(dir.resolve("out.jsonl"))) {
            JsonNode view = line.path("llmcache");
            long start = zero + view.path("started_at").asLong() * 1_000_000L;
            long end = start + Math.round(view.path("latency_ms").asDouble() * 1e6);
            int status = line.path("response").path("status_code").asInt();
            String outcome = view.path("outcome").asString();
            recorder.record(new RequestResult(start, start + Math.round(view.path("head_ms").asDouble() * 1e6), end,
                    status, view.path("tier").isString() ? outcome + "/" + view.path("tier").asString() : outcome,
                    status == 200 ? null : "http_" + status, null));
        }
        return recorder.result("replay-hits", "The replay tool (in the load generator's JVM) replaying " + requests
                + " recorded queries that are cache hits, " + concurrency + " at a time, after a warm-up run: its "
                + "throughput, and what one replayed request costs the client (this JVM's CPU while it ran).",
                settings("requests", requests, "concurrency", concurrency))
                .with("replayClientCpuMsPerRequest", Math.round(clientCpuNanos / 1e3 / requests) / 1000.0);
    }

    /** One measured scenario: what it needed to compute, and where the machine's CPU went meanwhile. */
    @FunctionalInterface
    private interface Scenario {
        ScenarioResult run() throws Exception;
    }

    private void measure(StandaloneProcess product, Scenario scenario) throws Exception {
        Duration settled = cpu.settleJit(JIT_SETTLE_LIMIT);
        CpuAccount.Reading before = cpu.read();
        ScenarioResult result = scenario.run();
        cpu.addSince(before, settled, result);
        add(result, product);
    }

    private void add(ScenarioResult result, StandaloneProcess product) {
        maxResidentMib = Math.max(maxResidentMib, product.residentMib());
        result.with("standaloneRssMib", Math.round(product.residentMib()));
        scenarios.add(result);
        System.out.printf(Locale.ROOT, "%-16s %6d req  %8.0f req/s  TTFB p50 %8.2f ms  total p50 %8.2f p99 %8.2f ms  %s %s%n",
                result.name(), result.requests(), result.throughput(), result.timeToFirstByte().p50(),
                result.total().p50(), result.total().p99(), result.outcomes(), result.errors());
    }

    private Map<String, Object> environment(StandaloneProcess product) {
        Map<String, Object> environment = new LinkedHashMap<>();
        environment.put("date", Instant.now().toString());
        environment.put("machine", Runtime.getRuntime().availableProcessors() + " cores, "
                + Math.round(totalMemoryGib()) + " GiB; load generator, broker and product on the same machine");
        environment.put("java", System.getProperty("java.version"));
        environment.put("product JVM options", StandaloneProcess.jvmOptions(productJvmOptions));
        environment.put("standalone startup (ms)", product.startupMillis());
        environment.put("standalone peak RSS (MiB)", Math.round(maxResidentMib));
        environment.put("sizes", sizes);
        return environment;
    }

    private static double totalMemoryGib() {
        try {
            String meminfo = java.nio.file.Files.readString(Path.of("/proc/meminfo"));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("MemTotal:\\s+(\\d+)").matcher(meminfo);
            return m.find() ? Long.parseLong(m.group(1)) / 1024.0 / 1024.0 : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static Map<String, Object> settings(Object... keyValues) {
        Map<String, Object> settings = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            settings.put((String) keyValues[i], keyValues[i + 1]);
        }
        return settings;
    }

    static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The text a streaming client displays, from the SSE body. */
    static final class SseText {
        private SseText() {
        }

        static String of(String body) {
            if (body == null) {
                return "";
            }
            return body.lines().filter(l -> l.startsWith("data:") && l.contains("\"content\""))
                    .map(l -> l.replaceAll(".*\"content\":\"((?:[^\"\\\\]|\\\\.)*)\".*", "$1"))
                    .collect(Collectors.joining());
        }
    }
}
