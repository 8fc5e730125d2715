package dev.llmcache.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Judges a run against the performance targets, using baselines measured in the same run. */
final class Targets {

    private Targets() {
    }

    /** The replay client's CPU per request, as the replay-hits scenario measured it; NaN if unknown. */
    private static double cpuMsPerRequest(ScenarioResult result) {
        return result.extra().get("replayClientCpuMsPerRequest") instanceof Number ms ? ms.doubleValue() : Double.NaN;
    }

    static List<Report.Target> judge(List<ScenarioResult> scenarios, double maxResidentMib) {
        List<Report.Target> targets = new ArrayList<>();
        edgeTargets(targets, scenarios);
        embeddingTargets(targets, scenarios);
        redisTargets(targets, scenarios);

        Optional<ScenarioResult> kafka = find(scenarios, "baseline-kafka");
        scenarios.stream().filter(s -> s.name().startsWith("hits-") && s.name().endsWith("rps"))
                .reduce((first, last) -> last).ifPresent(hits -> {
            String ratio = kafka.map(k -> String.format(Locale.ROOT, "; %.1fx the raw Kafka round trip p50 (%.2f ms)",
                    hits.total().p50() / k.total().p50(), k.total().p50())).orElse("");
            boolean met = hits.total().p50() <= 3 && hits.total().p99() <= 15 && hits.errorCount() == 0;
            targets.add(new Report.Target("Kafka-path hits at " + hits.settings().get("ratePerSecond") + " req/s",
                    "p50 <= 3 ms, p99 <= 15 ms at 1,000 req/s",
                    String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms, %.0f req/s achieved, %d errors%s",
                            hits.total().p50(), hits.total().p99(), hits.throughput(), hits.errorCount(), ratio),
                    verdict(met)));
        });
        scenarios.stream().filter(s -> s.name().endsWith("rps-during-batch")).findFirst().ifPresent(during -> {
            String alone = during.name().substring(0, during.name().length() - "-during-batch".length());
            find(scenarios, alone).ifPresent(baseline -> {
                boolean met = during.total().p99() <= 1.2 * baseline.total().p99() && during.errorCount() == 0;
                targets.add(new Report.Target("Interactive hits while a batch runs",
                        "p99 <= 1.2 x the p99 of the same hits without the batch (" + alone + ")",
                        String.format(Locale.ROOT, "p99 %.2f ms during the batch vs %.2f ms alone (%.2fx), p50 %.2f vs "
                                        + "%.2f ms, %d errors; %s batch lines done meanwhile",
                                during.total().p99(), baseline.total().p99(),
                                during.total().p99() / baseline.total().p99(), during.total().p50(),
                                baseline.total().p50(), during.errorCount(), during.extra().get("batchLinesDuringHits")),
                        verdict(met)));
            });
        });
        find(scenarios, "replay-hits").ifPresent(replay -> targets.add(new Report.Target(
                "Replay client CPU per request", "reported", String.format(Locale.ROOT,
                        "%.3f ms of the replay client's CPU per replayed hit, %.0f req/s at %s at a time",
                        cpuMsPerRequest(replay), replay.throughput(), replay.settings().get("concurrency")),
                "reported")));
        find(scenarios, "hits-peak").ifPresent(peak -> targets.add(new Report.Target("Kafka-path hits, peak",
                "reported", String.format(Locale.ROOT, "%.0f req/s at 64 clients (p50 %.2f ms, p99 %.2f ms)",
                        peak.throughput(), peak.total().p50(), peak.total().p99()), "reported")));

        // Latency budgets of the Kafka path, relative to the broker's own round trip in the same run.
        double roundTrip = kafka.map(k -> k.total().p50()).orElse(Double.NaN);
        ttftOverhead(targets, scenarios, "baseline-llm", "misses-stream", "32 at a time", 15, "15 ms");
        ttftOverhead(targets, scenarios, "baseline-llm-serial", "misses-stream-serial", "one at a time",
                4 * roundTrip + 2, String.format(Locale.ROOT, "4 x the Kafka round trip p50 + 2 ms = %.2f ms", 4 * roundTrip + 2));
        scenarios.stream().filter(s -> s.name().startsWith("hits-") && s.name().endsWith("rps")).findFirst()
                .filter(hits -> !Double.isNaN(roundTrip)).ifPresent(hits -> {
            double budget = 2 * roundTrip + 1;
            boolean met = hits.total().p50() <= budget && hits.total().p99() <= 15 && hits.errorCount() == 0;
            targets.add(new Report.Target("Store-tier hits at " + hits.settings().get("ratePerSecond") + " req/s "
                    + "(edge tiers off)", String.format(Locale.ROOT, "p50 <= 2 x the Kafka round trip p50 + 1 ms "
                    + "(%.2f ms), p99 <= 15 ms", budget), String.format(Locale.ROOT,
                    "p50 %.2f ms, p99 %.2f ms, %d errors", hits.total().p50(), hits.total().p99(), hits.errorCount()),
                    verdict(met)));
        });

        find(scenarios, "storm").ifPresent(storm -> {
            Map<String, Object> x = storm.extra();
            boolean met = Long.valueOf(1).equals(x.get("upstreamCalls")) && Long.valueOf(1).equals(x.get("distinctAnswers"))
                    && storm.errorCount() == 0 && ((Double) x.get("joinersBehindFirstP50Ms")) <= 10;
            targets.add(new Report.Target("Coalescing storm", "1 upstream call, every client the full answer, joiners' "
                    + "TTFT <= 10 ms behind the first client's", String.format(Locale.ROOT,
                    "%s upstream call(s), %s distinct answer(s), %d errors, joiners behind first: p50 %.2f ms, p99 %.2f ms",
                    x.get("upstreamCalls"), x.get("distinctAnswers"), storm.errorCount(),
                    (Double) x.get("joinersBehindFirstP50Ms"), (Double) x.get("joinersBehindFirstP99Ms")), verdict(met)));
        });

        find(scenarios, "inflight-misses").ifPresent(inflight -> {
            Map<String, Object> x = inflight.extra();
            double growth = (Double) x.get("threadsAfter") - (Double) x.get("threadsBefore");
            // Limited by the LLM: everything done within twice the LLM's own 1 s.
            boolean met = inflight.errorCount() == 0 && growth <= 5 && (Double) x.get("wallSeconds") <= 2.0;
            targets.add(new Report.Target("1,000 misses in flight against a 1 s LLM",
                    "no errors, no thread growth, completions limited by the LLM latency",
                    String.format(Locale.ROOT, "%d errors, threads %.0f -> %.0f, all done in %.2f s (total p50 %.0f ms, "
                                    + "p99 %.0f ms)", inflight.errorCount(), (Double) x.get("threadsBefore"),
                            (Double) x.get("threadsAfter"), (Double) x.get("wallSeconds"), inflight.total().p50(),
                            inflight.total().p99()), verdict(met)));
        });

        targets.add(new Report.Target("Standalone resident memory under this load", "reported, bounded by configuration",
                String.format(Locale.ROOT, "peak %.0f MiB RSS", maxResidentMib), "reported"));
        return targets;
    }

    /** Hits answered from ingest's memory, against the raw HTTP ceiling measured in the same run. */
    private static void edgeTargets(List<Report.Target> targets, List<ScenarioResult> scenarios) {
        Optional<ScenarioResult> raw = find(scenarios, "baseline-raw-http");
        find(scenarios, "edge-hits-peak").ifPresent(peak -> raw.ifPresent(ceiling -> {
            double share = peak.throughput() / ceiling.throughput();
            targets.add(new Report.Target("Edge (memory) hits, peak at 64 clients", ">= 50% of the raw HTTP ceiling",
                    String.format(Locale.ROOT, "%.0f req/s = %.0f%% of the raw ceiling (%.0f req/s); p50 %.2f ms, "
                                    + "p99 %.2f ms; %s", peak.throughput(), 100 * share, ceiling.throughput(),
                            peak.total().p50(), peak.total().p99(), peak.outcomes()),
                    verdict(share >= 0.5 && peak.errorCount() == 0)));
        }));
        scenarios.stream().filter(s -> s.name().startsWith("edge-hits-") && s.name().endsWith("rps")).forEach(hits -> {
            boolean met = hits.total().p50() <= 2 && hits.total().p99() <= 10 && hits.errorCount() == 0;
            targets.add(new Report.Target("Edge (memory) hits at " + hits.settings().get("ratePerSecond") + " req/s",
                    "p50 <= 2 ms, p99 <= 10 ms, no errors", String.format(Locale.ROOT,
                            "p50 %.2f ms, p99 %.2f ms, %.0f req/s achieved, %d errors; %s", hits.total().p50(),
                            hits.total().p99(), hits.throughput(), hits.errorCount(), hits.outcomes()),
                    verdict(met)));
        });
        find(scenarios, "edge-hits-peak").ifPresent(edge -> find(scenarios, "hits-peak").ifPresent(kafka ->
                targets.add(new Report.Target("Product CPU per hit", "reported", String.format(Locale.ROOT,
                        "edge (memory) %s ms, Kafka path %s ms (all product threads, at 64 clients)",
                        cpuPerRequest(edge), cpuPerRequest(kafka)), "reported"))));
    }

    /** The embeddings endpoint on cached inputs, and the in-process model's latency. */
    private static void embeddingTargets(List<Report.Target> targets, List<ScenarioResult> scenarios) {
        find(scenarios, "embedder-latency").ifPresent(embed -> targets.add(new Report.Target(
                "In-process embedding latency (inputs up to 64 tokens)", "p50 <= 8 ms, p99 <= 25 ms",
                String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms over %d texts", embed.total().p50(),
                        embed.total().p99(), embed.total().count()),
                verdict(embed.total().p50() <= 8 && embed.total().p99() <= 25 && embed.errorCount() == 0))));
        find(scenarios, "semantic-search").ifPresent(search -> targets.add(new Report.Target(
                "Semantic index search, 10,000 entries in one scope", "p99 <= 2 ms",
                String.format(Locale.ROOT, "p50 %.3f ms, p99 %.3f ms over %d searches", search.total().p50(),
                        search.total().p99(), search.total().count()),
                verdict(search.total().p99() <= 2 && search.errorCount() == 0))));
        find(scenarios, "misses-stream-serial-semantic").ifPresent(semantic -> find(scenarios, "misses-stream-serial")
                .ifPresent(plain -> {
                    double added = semantic.timeToFirstByte().p50() - plain.timeToFirstByte().p50();
                    targets.add(new Report.Target("TTFT added to an eligible miss by the semantic lookup, one at a "
                            + "time", "<= 15 ms at the median", String.format(Locale.ROOT,
                            "%.2f ms (with lookup %.2f ms vs without %.2f ms; p99 %.2f vs %.2f ms)", added,
                            semantic.timeToFirstByte().p50(), plain.timeToFirstByte().p50(),
                            semantic.timeToFirstByte().p99(), plain.timeToFirstByte().p99()),
                            verdict(added <= 15 && semantic.errorCount() == 0)));
                }));
        find(scenarios, "embeddings-hits-peak").ifPresent(peak -> find(scenarios, "baseline-raw-http")
                .ifPresent(ceiling -> targets.add(new Report.Target("Embeddings endpoint, cached inputs, peak at 64 "
                        + "clients", "reported against the raw HTTP ceiling", String.format(Locale.ROOT,
                        "%.0f req/s = %.0f%% of the raw ceiling (%.0f req/s); p50 %.2f ms, p99 %.2f ms; %s; CPU %s ms "
                                + "per request", peak.throughput(), 100 * peak.throughput() / ceiling.throughput(),
                        ceiling.throughput(), peak.total().p50(), peak.total().p99(), peak.outcomes(),
                        cpuPerRequest(peak)), peak.errorCount() == 0 ? "reported" : "errors"))));
    }

    /** Hits from Redis with the memory tier off, against the same raw HTTP ceiling. */
    private static void redisTargets(List<Report.Target> targets, List<ScenarioResult> scenarios) {
        Optional<ScenarioResult> peak = find(scenarios, "redis-hits-peak");
        Optional<ScenarioResult> open = scenarios.stream()
                .filter(s -> s.name().startsWith("redis-hits-") && s.name().endsWith("rps")).findFirst();
        Optional<ScenarioResult> raw = find(scenarios, "baseline-raw-http");
        if (peak.isEmpty() || open.isEmpty() || raw.isEmpty()) {
            targets.add(new Report.Target("Redis-tier hits (memory tier off)", ">= 25% of the raw HTTP ceiling, "
                    + "p99 <= 10 ms at 1,000 req/s", "not run: no redis-server on this machine", "n/a"));
            return;
        }
        double share = peak.get().throughput() / raw.get().throughput();
        ScenarioResult atRate = open.get();
        boolean met = share >= 0.25 && atRate.total().p99() <= 10 && atRate.errorCount() == 0
                && peak.get().errorCount() == 0;
        targets.add(new Report.Target("Redis-tier hits (memory tier off)", ">= 25% of the raw HTTP ceiling, "
                + "p99 <= 10 ms at 1,000 req/s", String.format(Locale.ROOT, "peak %.0f req/s = %.0f%% of the raw "
                        + "ceiling; at %s req/s p50 %.2f ms, p99 %.2f ms, %d errors; %s; CPU per hit %s ms",
                peak.get().throughput(), 100 * share, atRate.settings().get("ratePerSecond"), atRate.total().p50(),
                atRate.total().p99(), atRate.errorCount(), peak.get().outcomes(), cpuPerRequest(peak.get())),
                verdict(met)));
    }

    private static Object cpuPerRequest(ScenarioResult result) {
        return result.extra().get("cpu") instanceof Map<?, ?> cpu ? cpu.get("productCpuMsPerRequest") : "?";
    }

    /** Streaming misses' time to first token over the same upstream's, called directly at the same concurrency. */
    private static void ttftOverhead(List<Report.Target> targets, List<ScenarioResult> scenarios, String baseline,
                                     String pipeline, String load, double budgetMillis, String budget) {
        find(scenarios, pipeline).ifPresent(misses -> find(scenarios, baseline).ifPresent(llm -> {
            double overhead = misses.timeToFirstByte().p50() - llm.timeToFirstByte().p50();
            targets.add(new Report.Target("Streaming misses, " + load + ": TTFT overhead over the direct upstream",
                    "<= " + budget + " at the median", String.format(Locale.ROOT,
                            "%.2f ms (pipeline %.2f ms vs direct %.2f ms; ratio %.3f)", overhead,
                            misses.timeToFirstByte().p50(), llm.timeToFirstByte().p50(),
                            misses.timeToFirstByte().p50() / llm.timeToFirstByte().p50()),
                    verdict(overhead <= budgetMillis && misses.errorCount() == 0)));
        }));
    }

    private static Optional<ScenarioResult> find(List<ScenarioResult> scenarios, String name) {
        return scenarios.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    private static String verdict(boolean met) {
        return met ? "met" : "missed";
    }
}
