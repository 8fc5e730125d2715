package dev.llmcache.cache.analytics;

import dev.llmcache.common.event.MetricsAggregate;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * A latency distribution in milliseconds (HdrHistogram, 3 significant digits, up to one hour) that
 * merges exactly and travels as compressed Base64.
 */
final class LatencyHistogram {

    private static final long HIGHEST_MILLIS = 3_600_000L;

    private final Histogram histogram;

    LatencyHistogram() {
        this(new Histogram(HIGHEST_MILLIS, 3));
    }

    private LatencyHistogram(Histogram histogram) {
        this.histogram = histogram;
    }

    void record(long millis) {
        histogram.recordValue(Math.max(0, Math.min(millis, HIGHEST_MILLIS)));
    }

    long count() {
        return histogram.getTotalCount();
    }

    double median() {
        return histogram.getValueAtPercentile(50);
    }

    MetricsAggregate.Percentiles percentiles() {
        if (histogram.getTotalCount() == 0) {
            return new MetricsAggregate.Percentiles(0, 0, 0, 0, 0);
        }
        return new MetricsAggregate.Percentiles(histogram.getTotalCount(),
                histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(95),
                histogram.getValueAtPercentile(99), histogram.getMaxValue());
    }

    String encode() {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
    }

    static LatencyHistogram decode(String encoded) {
        if (encoded == null || encoded.isEmpty()) {
            return new LatencyHistogram();
        }
        try {
            return new LatencyHistogram(Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(encoded)), HIGHEST_MILLIS));
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("Corrupt latency histogram", e);
        }
    }
}
