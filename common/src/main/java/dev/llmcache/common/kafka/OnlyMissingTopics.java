package dev.llmcache.common.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets {@code KafkaAdmin} create the topics that do not exist yet and leave existing ones alone.
 * On its own, {@code KafkaAdmin} adds partitions to an existing topic that has fewer than declared;
 * for the data plane that would move keys between partitions under running Kafka Streams
 * applications, whose changelog and repartition topics keep the old count (Streams then refuses
 * to run). Changing the partition count is an operator's decision (see the README).
 */
final class OnlyMissingTopics implements Predicate<NewTopic> {

    private static final Logger log = LoggerFactory.getLogger(OnlyMissingTopics.class);

    private final Map<String, Object> adminConfig;
    private final long timeoutMs;
    private Set<String> existing;

    OnlyMissingTopics(Map<String, Object> adminConfig, long timeoutMs) {
        this.adminConfig = adminConfig;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public synchronized boolean test(NewTopic topic) {
        if (existing == null) {
            existing = list();
        }
        return !existing.contains(topic.name());
    }

    /** The existing topics; none if Kafka cannot tell (the start-up check then reports why). */
    private Set<String> list() {
        Admin admin = null;
        try {
            admin = Admin.create(adminConfig);
            return admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Set.of();
        } catch (Exception e) {
            log.warn("Cannot list Kafka topics before creating the missing ones: {}", e.toString());
            return Set.of();
        } finally {
            if (admin != null) {
                admin.close(Duration.ofSeconds(1));
            }
        }
    }
}
