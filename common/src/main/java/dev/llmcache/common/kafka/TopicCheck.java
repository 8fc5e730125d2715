package dev.llmcache.common.kafka;

import dev.llmcache.common.topic.Topic;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Refuses to start the product on a cluster it cannot use, with a message that says why: Kafka
 * unreachable or rejecting the credentials, topics missing (e.g. topic creation is off and nobody
 * created them), or data-plane topics whose partition counts differ (the query topology joins them
 * by partition, so every key must land on the same partition number in each).
 *
 * <p>Runs before every Kafka client of the product starts (lowest lifecycle phase), after
 * {@code KafkaAdmin} has created the declared topics where creation is on.
 */
public final class TopicCheck implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TopicCheck.class);

    private final Map<String, Object> adminConfig;
    private final Collection<? extends Topic<?, ?>> topics;
    private final String bootstrapServers;
    private final long timeoutMs;
    private volatile boolean running;

    public TopicCheck(Map<String, Object> adminConfig, Collection<? extends Topic<?, ?>> topics,
                      String bootstrapServers, long timeoutMs) {
        this.adminConfig = adminConfig;
        this.topics = List.copyOf(topics);
        this.bootstrapServers = bootstrapServers;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public void start() {
        Map<String, Integer> partitions = describe();
        List<String> missing = missing(partitions);
        // Topics created a moment ago (by KafkaAdmin, or by another instance) may not be in every
        // broker's metadata yet: look again for a few seconds before calling them missing.
        long lookAgainUntil = System.nanoTime() + Math.min(timeoutMs, 10_000) * 1_000_000L;
        while (!missing.isEmpty() && System.nanoTime() < lookAgainUntil) {
            sleep(250);
            partitions = describe();
            missing = missing(partitions);
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Kafka topics missing on " + bootstrapServers + ": " + missing
                    + ". Create them (README: 'Connecting to your Kafka cluster' lists each topic and its settings),"
                    + " or let the product create them: spring.kafka.admin.auto-create=true (the default) with a"
                    + " principal allowed to create topics");
        }
        Map<String, Integer> dataPlane = new TreeMap<>();
        for (Topic<?, ?> topic : topics) {
            if (topic.coPartitioned()) {
                dataPlane.put(topic.name(), partitions.get(topic.name()));
            }
        }
        if (Set.copyOf(dataPlane.values()).size() > 1) {
            throw new IllegalStateException("The data-plane topics must have the same number of partitions "
                    + "(they are joined by partition), but have " + dataPlane + ". Add partitions to the smaller "
                    + "ones (kafka-topics.sh --alter --partitions N) and restart");
        }
        log.info("Kafka topics ready on {}: {} (data plane: {} partitions)", bootstrapServers, topics.size(),
                dataPlane.values().stream().findFirst().orElse(0));
        running = true;
    }

    private List<String> missing(Map<String, Integer> partitions) {
        return topics.stream().map(Topic::name).filter(name -> !partitions.containsKey(name)).toList();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking the Kafka topics", e);
        }
    }

    private Map<String, Integer> describe() {
        Admin admin = null;
        try {
            admin = Admin.create(adminConfig);
            Set<String> existing = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
            List<String> wanted = topics.stream().map(Topic::name).filter(existing::contains).toList();
            Map<String, TopicDescription> described =
                    admin.describeTopics(wanted).allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS);
            Map<String, Integer> partitions = new TreeMap<>();
            described.forEach((name, description) -> partitions.put(name, description.partitions().size()));
            return partitions;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking the Kafka topics", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            String problem = cause instanceof TimeoutException ? "no answer within " + timeoutMs + " ms"
                    : cause.getClass().getSimpleName() + ": " + cause.getMessage();
            throw new IllegalStateException("Cannot use Kafka at " + bootstrapServers + ": " + problem
                    + ". Check spring.kafka.bootstrap-servers (KAFKA_BOOTSTRAP_SERVERS) and the security settings"
                    + " (spring.kafka.security.protocol, spring.kafka.properties.sasl.*, spring.kafka.ssl.*)", cause);
        } finally {
            // Do not wait for requests that will never be answered (a closing admin waits up to a minute).
            if (admin != null) {
                admin.close(Duration.ofSeconds(1));
            }
        }
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Before every Kafka client of the product (they start in phase 0). */
    @Override
    public int getPhase() {
        return -1000;
    }
}
