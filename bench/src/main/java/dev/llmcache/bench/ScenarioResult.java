package dev.llmcache.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The measurements of one scenario, as written to {@code results.json}.
 *
 * @param throughput successful requests per second over the scenario's span
 * @param timeline   completions per second since the scenario's first completion
 * @param extra      scenario-specific findings (upstream calls, thread counts, ratios...)
 */
record ScenarioResult(String name, String description, Map<String, Object> settings, long requests,
                      double seconds, double throughput, Latency timeToFirstByte, Latency total,
                      Map<String, Long> outcomes, Map<String, Long> errors, Map<Long, Long> timeline,
                      Map<String, Object> extra) {

    /** Milliseconds at the usual percentiles, plus the full percentile curve for the chart. */
    record Latency(long count, double p50, double p90, double p99, double p999, double max,
                   Map<Double, Double> curve) {

        static Latency of(Histogram micros) {
            if (micros.getTotalCount() == 0) {
                return new Latency(0, 0, 0, 0, 0, 0, Map.of());
            }
            Map<Double, Double> curve = new LinkedHashMap<>();
            for (double p : new double[] {0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100}) {
                curve.put(p, micros.getValueAtPercentile(p) / 1000.0);
            }
            return new Latency(micros.getTotalCount(), ms(micros, 50), ms(micros, 90), ms(micros, 99), ms(micros, 99.9),
                    micros.getMaxValue() / 1000.0, curve);
        }

        private static double ms(Histogram micros, double percentile) {
            return micros.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    ScenarioResult with(String key, Object value) {
        extra.put(key, value);
        return this;
    }

    long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }
}
