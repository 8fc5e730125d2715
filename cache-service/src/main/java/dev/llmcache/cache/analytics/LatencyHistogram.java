package dev.llmcache.cache.analytics;

import dev.llmcache.common.event.MetricsAggregate;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import org.HdrHistogram.Histogram;

/**
 * A latency distribution in milliseconds (HdrHistogram, 2 significant digits: 1% resolution, up
 * to one hour) that merges exactly and travels as Base64 of HdrHistogram's compact encoding.
 *
 * <p>It is read and rewritten on every event of its window, so it stays cheap: allocated only
 * once something is recorded, and encoded without Deflate (the encoding already run-length
 * compresses the empty buckets).
 */
final class LatencyHistogram {

    private static final long HIGHEST_MILLIS = 3_600_000L;
    private static final int SIGNIFICANT_DIGITS = 2;

    private Histogram histogram;

    LatencyHistogram() {
        this(null);
    }

    private LatencyHistogram(Histogram histogram) {
        this.histogram = histogram;
    }

    void record(long millis) {
        if (histogram == null) {
            histogram = new Histogram(HIGHEST_MILLIS, SIGNIFICANT_DIGITS);
        }
        histogram.recordValue(Math.max(0, Math.min(millis, HIGHEST_MILLIS)));
    }

    /** Adds every value of {@code other} (histograms merge exactly). */
    void add(LatencyHistogram other) {
        if (other.count() == 0) {
            return;
        }
        if (histogram == null) {
            histogram = new Histogram(HIGHEST_MILLIS, SIGNIFICANT_DIGITS);
        }
        histogram.add(other.histogram);
    }

    long count() {
        return histogram == null ? 0 : histogram.getTotalCount();
    }

    double median() {
        return histogram == null ? 0 : histogram.getValueAtPercentile(50);
    }

    MetricsAggregate.Percentiles percentiles() {
        if (count() == 0) {
            return new MetricsAggregate.Percentiles(0, 0, 0, 0, 0);
        }
        return new MetricsAggregate.Percentiles(histogram.getTotalCount(),
                histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(95),
                histogram.getValueAtPercentile(99), histogram.getMaxValue());
    }

    /** Null when empty. */
    String encode() {
        if (count() == 0) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
    }

    static LatencyHistogram decode(String encoded) {
        if (encoded == null || encoded.isEmpty()) {
            return new LatencyHistogram();
        }
        return new LatencyHistogram(Histogram.decodeFromByteBuffer(
                ByteBuffer.wrap(Base64.getDecoder().decode(encoded)), HIGHEST_MILLIS));
    }
}
