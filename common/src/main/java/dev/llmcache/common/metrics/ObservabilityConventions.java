package dev.llmcache.common.metrics;

import dev.llmcache.common.trace.RequestTracing;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What every llmcache service shares in observability: request tracing, and the metric conventions: one common name prefix ({@code llmcache_} in
 * Prometheus) and latency histograms whose buckets resolve both sub-millisecond cache hits and
 * multi-second LLM calls.
 */
@Configuration(proxyBeanMethods = false)
public class ObservabilityConventions {

    public static final String PREFIX = "llmcache.";

    /** Bucket boundaries from 250 µs to 2 min. */
    static final double[] LATENCY_BUCKETS_MS = {
            0.25, 0.5, 1, 2, 3, 5, 10, 15, 25, 50, 100, 250, 500,
            1_000, 2_000, 3_000, 5_000, 10_000, 30_000, 60_000, 120_000};

    /** Help texts for framework meters that come without one (Prometheus lints for them). */
    private static final Map<String, String> DESCRIPTIONS = Map.of(
            "http.server.requests", "HTTP requests by route (uri), method and status",
            "http.server.requests.active", "HTTP requests in progress");

    /** Request id and W3C trace context across Kafka hops; request id only if tracing is absent. */
    @Bean
    RequestTracing requestTracing(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        return new RequestTracing(tracer.getIfAvailable(() -> Tracer.NOOP), propagator.getIfAvailable(() -> Propagator.NOOP));
    }

    @Bean
    MeterFilter llmcacheMetricConventions() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                Meter.Id named = id.getName().startsWith(PREFIX) ? id : id.withName(PREFIX + id.getName());
                String description = named.getDescription() != null ? named.getDescription()
                        : DESCRIPTIONS.get(id.getName());
                return description == null ? named
                        : new Meter.Id(named.getName(), Tags.of(named.getTagsAsIterable()), named.getBaseUnit(),
                                description, named.getType());
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
