package dev.llmcache.common.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ApplicationListener;
import org.springframework.kafka.event.ConsumerStoppedEvent;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * Keeps one listener container alive and reports it as a health component. spring-kafka already
 * survives errors inside the poll loop (error handlers, back-off); when a container's consumer
 * stops abnormally anyway, it is restarted after {@code restartDelay}, and health says DOWN until
 * it runs again, so an instance never keeps taking requests it cannot answer without saying so.
 */
public final class SupervisedContainer implements HealthIndicator, ApplicationListener<ConsumerStoppedEvent>,
        DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(SupervisedContainer.class);

    private final MessageListenerContainer container;
    private final Duration restartDelay;
    private final ScheduledExecutorService restarter;
    private final AtomicInteger restarts = new AtomicInteger();
    private volatile String lastFailure;
    private volatile boolean closing;

    public SupervisedContainer(MessageListenerContainer container, Duration restartDelay) {
        this.container = container;
        this.restartDelay = restartDelay;
        this.restarter = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "restart-" + container.getListenerId());
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void onApplicationEvent(ConsumerStoppedEvent event) {
        if (event.getSource() != container && event.getContainer(MessageListenerContainer.class) != container) {
            return;
        }
        ConsumerStoppedEvent.Reason reason = event.getReason();
        if (closing || reason == ConsumerStoppedEvent.Reason.NORMAL) {
            return;
        }
        lastFailure = Instant.now() + " " + reason;
        log.error("Kafka consumer {} stopped ({}); restarting it in {}", container.getListenerId(), reason,
                restartDelay);
        restarter.schedule(this::restart, restartDelay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void restart() {
        if (closing || container.isRunning()) {
            return;
        }
        restarts.incrementAndGet();
        try {
            container.start();
        } catch (RuntimeException e) {
            log.error("Kafka consumer {} could not be restarted; trying again in {}", container.getListenerId(),
                    restartDelay, e);
            restarter.schedule(this::restart, restartDelay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Whether the container runs as it should (what {@link #health()} reports as UP). */
    public boolean isUp() {
        return container.isRunning() && container.isInExpectedState();
    }

    @Override
    public Health health() {
        boolean up = isUp();
        Health.Builder health = (up ? Health.up() : Health.down())
                .withDetail("listener", String.valueOf(container.getListenerId()))
                .withDetail("restarts", restarts.get());
        if (lastFailure != null) {
            health.withDetail("lastFailure", lastFailure);
        }
        return health.build();
    }

    @Override
    public void destroy() {
        closing = true;
        restarter.shutdownNow();
    }
}
