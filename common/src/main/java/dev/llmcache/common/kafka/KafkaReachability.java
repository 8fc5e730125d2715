package dev.llmcache.common.kafka;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Whether this instance reaches Kafka, known at all times: a describe-cluster probe every
 * {@code interval} on a thread of its own (the admin call blocks). The {@code kafka} health
 * component reports it, and ingest ends its waiting requests with an explicit error once Kafka has
 * been away for a while (a request whose answers cannot arrive must not wait for its timeout).
 * Listeners are called after every probe, on the probe's thread.
 */
public final class KafkaReachability implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(KafkaReachability.class);

    /**
     * @param checked   whether a probe has finished yet
     * @param reachable whether the last probe reached the cluster
     * @param brokers   brokers the last successful probe saw
     * @param since     when the cluster became reachable or unreachable (epoch millis)
     */
    public record State(boolean checked, boolean reachable, int brokers, long since) {

        /** How long Kafka has been unreachable at {@code now}; zero while it is reachable. */
        public Duration unreachableFor(long now) {
            return reachable || !checked ? Duration.ZERO : Duration.ofMillis(Math.max(0, now - since));
        }
    }

    private final Map<String, Object> adminConfig;
    private final Duration interval;
    private final Duration timeout;
    private final Clock clock;
    private final List<Consumer<State>> listeners = new CopyOnWriteArrayList<>();
    private volatile State state;
    private ScheduledExecutorService prober;
    private Admin admin;

    /**
     * @param interval between the end of one probe and the start of the next
     * @param timeout  longest a probe waits for the cluster's answer
     */
    public KafkaReachability(Map<String, Object> adminConfig, Duration interval, Duration timeout, Clock clock) {
        this.adminConfig = adminConfig;
        this.interval = interval;
        this.timeout = timeout;
        this.clock = clock;
        this.state = new State(false, false, 0, clock.millis());
    }

    public State state() {
        return state;
    }

    /** Called with the state after every probe. */
    public void addListener(Consumer<State> listener) {
        listeners.add(listener);
    }

    /** One probe, then the listeners. Runs on the prober thread (and directly in tests). */
    void probe() {
        long started = clock.millis();
        State previous = state;
        State next;
        try {
            int brokers = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .nodes().get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS).size();
            next = new State(true, true, brokers, previous.reachable() ? previous.since() : clock.millis());
            if (previous.checked() && !previous.reachable()) {
                log.info("Kafka is reachable again after {} s", (clock.millis() - previous.since()) / 1000);
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            boolean wasDown = previous.checked() && !previous.reachable();
            next = new State(true, false, 0, wasDown ? previous.since() : started);
            if (!wasDown) {
                log.warn("Kafka is unreachable: {}", e.toString());
            }
        }
        state = next;
        for (Consumer<State> listener : listeners) {
            try {
                listener.accept(next);
            } catch (RuntimeException e) {
                log.error("A Kafka reachability listener failed", e);
            }
        }
    }

    @Override
    public synchronized void start() {
        if (prober != null) {
            return;
        }
        admin = Admin.create(adminConfig);
        prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "kafka-reachability");
            thread.setDaemon(true);
            return thread;
        });
        prober.scheduleWithFixedDelay(() -> {
            try {
                probe();
            } catch (Throwable e) {
                // Anything escaping would end the schedule for good, freezing the state.
                log.error("Kafka reachability probe failed", e);
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (prober == null) {
            return;
        }
        prober.shutdownNow();
        try {
            prober.awaitTermination(timeout.toMillis() + 2_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(2));
        prober = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return prober != null;
    }

    /** Before every Kafka client, after them on the way down. */
    @Override
    public int getPhase() {
        return -2000;
    }
}
