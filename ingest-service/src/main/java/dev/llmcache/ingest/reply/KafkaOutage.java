package dev.llmcache.ingest.reply;

import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.kafka.KafkaReachability;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What ingest does while Kafka is away. Once the cluster has been unreachable for {@code grace}
 * (no probe reached it, and nothing arrived from it or was acknowledged by it meanwhile: a slow
 * probe alone is not an outage), every waiting request ends with a 503 (their answers cannot arrive, and a client should not
 * wait for its 360 s timeout to learn it), and new requests are refused at once until a probe
 * reaches the cluster again; recovery needs nothing else. Shorter blips are ridden out: a request
 * only sees them as a delay.
 */
public final class KafkaOutage implements Consumer<KafkaReachability.State> {

    private static final Logger log = LoggerFactory.getLogger(KafkaOutage.class);

    private final PendingReplies pending;
    private final Duration grace;
    private final Clock clock;
    private final LongSupplier lastActivity;
    private volatile Duration ongoingFor;

    /** @param lastActivity when this instance last received a record from Kafka or had a send acknowledged */
    public KafkaOutage(PendingReplies pending, Duration grace, Clock clock, LongSupplier lastActivity) {
        this.pending = pending;
        this.grace = grace;
        this.clock = clock;
        this.lastActivity = lastActivity;
    }

    /** After every reachability probe. */
    @Override
    public void accept(KafkaReachability.State state) {
        long now = clock.millis();
        Duration away = state.unreachableFor(now);
        boolean ongoing = !state.reachable() && state.checked() && away.compareTo(grace) >= 0
                && now - lastActivity.getAsLong() >= grace.toMillis();
        if (ongoing) {
            if (ongoingFor == null) {
                log.warn("Kafka has been unreachable for {} s: failing waiting requests and refusing new ones "
                        + "until it is back", away.toSeconds());
            }
            ongoingFor = away;
            int failed = pending.failAll(error());
            if (failed > 0) {
                log.warn("Ended {} waiting requests with 503: Kafka is unreachable", failed);
            }
        } else {
            if (ongoingFor != null) {
                log.info("Kafka is back: accepting requests again");
            }
            ongoingFor = null;
        }
    }

    /** Whether requests are refused now because Kafka is away. */
    public boolean ongoing() {
        return ongoingFor != null;
    }

    /** The error a request gets while Kafka is away. */
    public ErrorInfo error() {
        Duration away = ongoingFor;
        return new ErrorInfo(503, "server_error", "kafka_unavailable", "Kafka has been unreachable for "
                + (away == null ? grace : away).toSeconds() + " s; retry shortly");
    }
}
