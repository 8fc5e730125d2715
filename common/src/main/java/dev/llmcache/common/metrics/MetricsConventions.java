package dev.llmcache.common.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;
import java.util.Arrays;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The metric conventions of every llmcache service: one common name prefix ({@code llmcache_} in
 * Prometheus) and latency histograms whose buckets resolve both sub-millisecond cache hits and
 * multi-second LLM calls.
 */
@Configuration(proxyBeanMethods = false)
public class MetricsConventions {

    public static final String PREFIX = "llmcache.";

    /** Bucket boundaries from 250 µs to 2 min. */
    static final double[] LATENCY_BUCKETS_MS = {
            0.25, 0.5, 1, 2, 3, 5, 10, 15, 25, 50, 100, 250, 500,
            1_000, 2_000, 3_000, 5_000, 10_000, 30_000, 60_000, 120_000};

    @Bean
    MeterFilter llmcacheMetricConventions() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith(PREFIX) ? id : id.withName(PREFIX + id.getName());
            }

            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getType() != Meter.Type.TIMER) {
                    return config;
                }
                return DistributionStatisticConfig.builder()
                        .serviceLevelObjectives(Arrays.stream(LATENCY_BUCKETS_MS)
                                .map(ms -> (double) Duration.ofNanos((long) (ms * 1_000_000)).toNanos())
                                .toArray())
                        .build()
                        .merge(config);
            }
        };
    }
}
