package dev.llmcache.replay.report;

import dev.llmcache.replay.ReplayJson;
import dev.llmcache.replay.output.OutputLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The summary of a replay's output file: requests by outcome, upstream calls against distinct
 * prompts, tokens, cost and what the cache saved, latency percentiles by outcome, errors by code,
 * and optionally how its answers compare with a baseline run's. Written as {@code report.md} and
 * {@code report.json}.
 */
public final class ReplayReport {

    /** Outcomes for which the product called the LLM. */
    private static final Set<String> UPSTREAM = Set.of("MISS", "BYPASS");
    private static final double[] PERCENTILES = {50, 90, 99, 100};

    private final int lines;
    private final Map<String, Integer> outcomes = new TreeMap<>();
    private final Map<String, Integer> errors = new TreeMap<>();
    private final Map<String, Histogram> latency = new TreeMap<>();
    private final Set<String> distinctKeys = new HashSet<>();
    private final Set<String> unpricedModels = new TreeSet<>();
    private int upstreamCalls;
    private long inputTokens;
    private long outputTokens;
    private double costUsd;
    private double savedUsd;
    private final AnswerComparison comparison;

    private ReplayReport(List<JsonNode> output, Prices prices, AnswerComparison comparison) {
        this.lines = output.size();
        this.comparison = comparison;
        for (JsonNode line : output) {
            add(line, prices);
        }
    }

    /** @param baseline the output of another run to compare answers with; null for none */
    public static ReplayReport of(List<JsonNode> output, Prices prices, List<JsonNode> baseline) {
        return new ReplayReport(output, prices, baseline == null ? null : AnswerComparison.of(baseline, output));
    }

    private void add(JsonNode line, Prices prices) {
        JsonNode view = line.path("llmcache");
        String outcome = view.path("outcome").asString("ERROR");
        outcomes.merge(outcome, 1, Integer::sum);
        if (UPSTREAM.contains(outcome)) {
            upstreamCalls++;
        }
        if (view.path("cache_key").isString()) {
            distinctKeys.add(view.path("cache_key").asString());
        }
        if (view.path("latency_ms").isNumber()) {
            latency.computeIfAbsent(outcome, o -> new Histogram(3)) // auto-resizing: any timeout
                    .recordValue(Math.max(0, Math.round(view.path("latency_ms").asDouble() * 1000)));
        }
        String errorCode = errorCode(line);
        if (errorCode != null) {
            errors.merge(errorCode, 1, Integer::sum);
        }
        JsonNode usage = line.path("response").path("body").path("usage");
        if (usage.isObject()) {
            long input = usage.path("prompt_tokens").asLong();
            long output = usage.path("completion_tokens").asLong();
            inputTokens += input;
            outputTokens += output;
            String model = view.path("model").asString(line.path("response").path("body").path("model").asString());
            if (!prices.knows(model)) {
                unpricedModels.add(model);
            }
            double cost = prices.costUsd(model, input, output);
            // A hit or a joiner did not call the LLM: what its tokens would have cost is saved.
            if (UPSTREAM.contains(outcome)) {
                costUsd += cost;
            } else {
                savedUsd += cost;
            }
        }
    }

    /** The HTTP status of an answer other than 200, or the error code of a line with no answer. */
    private static String errorCode(JsonNode line) {
        JsonNode response = line.path("response");
        if (response.isObject()) {
            int status = response.path("status_code").asInt();
            return status == 200 ? null : "HTTP " + status;
        }
        return line.path("error").path("code").asString("unknown");
    }

    public int lines() {
        return lines;
    }

    public Map<String, Integer> outcomes() {
        return Map.copyOf(outcomes);
    }

    public int upstreamCalls() {
        return upstreamCalls;
    }

    public int distinctPrompts() {
        return distinctKeys.size();
    }

    public Map<String, Integer> errors() {
        return Map.copyOf(errors);
    }

    public AnswerComparison comparison() {
        return comparison;
    }

    /** The latency at {@code percentile} of the requests with {@code outcome}, in milliseconds; NaN if none. */
    public double latencyMillis(String outcome, double percentile) {
        Histogram histogram = latency.get(outcome);
        return histogram == null ? Double.NaN : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    public void write(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("report.md"), toMarkdown());
        Files.writeString(folder.resolve("report.json"),
                ReplayJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toJson()));
    }

    public ObjectNode toJson() {
        ObjectNode json = ReplayJson.MAPPER.createObjectNode();
        json.put("lines", lines);
        ObjectNode byOutcome = json.putObject("outcomes");
        outcomes.forEach(byOutcome::put);
        json.put("upstream_calls", upstreamCalls).put("distinct_prompts", distinctKeys.size());
        json.putObject("tokens").put("input", inputTokens).put("output", outputTokens);
        json.putObject("cost_usd").put("spent", costUsd).put("saved", savedUsd);
        var unpriced = json.putArray("unpriced_models");
        unpricedModels.forEach(unpriced::add);
        ObjectNode latencies = json.putObject("latency_ms");
        latency.forEach((outcome, histogram) -> {
            ObjectNode row = latencies.putObject(outcome).put("count", histogram.getTotalCount());
            for (double p : PERCENTILES) {
                row.put(p == 100 ? "max" : "p" + (int) p, histogram.getValueAtPercentile(p) / 1000.0);
            }
        });
        ObjectNode byError = json.putObject("errors");
        errors.forEach(byError::put);
        if (comparison != null) {
            json.set("comparison", comparison.toJson());
        }
        return json;
    }

    public String toMarkdown() {
        StringBuilder md = new StringBuilder("# Replay report\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| lines | ").append(lines).append(" |\n");
        md.append("| upstream calls (MISS + BYPASS) | ").append(upstreamCalls).append(" |\n");
        md.append("| distinct prompts (cache keys) | ").append(distinctKeys.size()).append(" |\n");
        md.append("| tokens in / out | ").append(inputTokens).append(" / ").append(outputTokens).append(" |\n");
        md.append("| cost (USD) | ").append(String.format(Locale.ROOT, "%.4f", costUsd)).append(" |\n");
        md.append("| saved by the cache (USD) | ").append(String.format(Locale.ROOT, "%.4f", savedUsd)).append(" |\n");
        if (!unpricedModels.isEmpty()) {
            md.append("| models without a price (counted as free) | ").append(String.join(", ", unpricedModels))
                    .append(" |\n");
        }
        md.append("\n## Outcomes\n\n| outcome | requests | share | latency p50 | p90 | p99 | max |\n|---|---|---|---|---|---|---|\n");
        outcomes.forEach((outcome, count) -> {
            md.append("| ").append(outcome).append(" | ").append(count).append(" | ")
                    .append(AnswerComparison.percent(count, lines));
            for (double p : PERCENTILES) {
                md.append(" | ").append(AnswerComparison.format(latencyMillis(outcome, p)));
            }
            md.append(" |\n");
        });
        md.append("\nLatencies in ms, from sending a request's last attempt to its whole answer.\n");
        md.append("\n## Errors\n\n");
        if (errors.isEmpty()) {
            md.append("None.\n");
        } else {
            md.append("| error | lines |\n|---|---|\n");
            errors.forEach((code, count) -> md.append("| ").append(code).append(" | ").append(count).append(" |\n"));
        }
        if (comparison != null) {
            md.append("\n## Answers compared with the baseline\n\n").append(comparison.toMarkdown("baseline", "this run"));
        }
        return md.toString();
    }
}
