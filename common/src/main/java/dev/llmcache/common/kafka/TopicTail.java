package dev.llmcache.common.kafka;

import dev.llmcache.common.topic.Topic;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.event.ConsumerStoppedEvent;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.kafka.support.TopicPartitionOffset;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Reads the newest records of some (or all) partitions of one topic and hands each value over,
 * with a spring-kafka listener container: partitions are assigned, not subscribed, so there is no
 * consumer group, no rebalance and no offset commit; reading starts at the end, because what came
 * before this instance started is not for it. The container is built at start (the partitions of a
 * topic the product creates are known only then) and supervised like every other consumer.
 */
public final class TopicTail<V> implements SmartLifecycle, HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(TopicTail.class);

    private final KafkaClients clients;
    private final Topic<String, V> topic;
    private final List<Integer> partitions;
    private final String client;
    private final Map<String, ?> defaults;
    private final Consumer<V> onValue;
    private volatile KafkaMessageListenerContainer<String, V> container;
    private volatile SupervisedContainer supervisor;

    /**
     * @param partitions the partitions to read; empty for all of them
     * @param defaults   consumer settings of this client (spring.kafka.consumer.* overrides them)
     */
    public TopicTail(KafkaClients clients, Topic<String, V> topic, List<Integer> partitions, String client,
                     Map<String, ?> defaults, Consumer<V> onValue) {
        this.clients = clients;
        this.topic = topic;
        this.partitions = List.copyOf(partitions);
        this.client = client;
        this.defaults = defaults;
        this.onValue = onValue;
    }

    @Override
    public void start() {
        List<Integer> assigned = partitions.isEmpty() ? allPartitions() : partitions;
        ContainerProperties properties = new ContainerProperties(assigned.stream()
                .map(p -> new TopicPartitionOffset(topic.name(), p, TopicPartitionOffset.SeekPosition.END))
                .toArray(TopicPartitionOffset[]::new));
        properties.setMessageListener((MessageListener<String, V>) record -> {
            if (record.value() != null) {
                onValue.accept(record.value());
            }
        });
        properties.setClientId("llmcache-" + client);
        KafkaMessageListenerContainer<String, V> created = new KafkaMessageListenerContainer<>(
                clients.consumerFactory(client, topic, defaults, Map.of(
                        // No group: partitions are assigned by configuration, offsets never committed.
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)),
                properties);
        created.setBeanName(client);
        // An unreadable record is logged and skipped; nothing else depends on it.
        created.setCommonErrorHandler(new DefaultErrorHandler(new FixedBackOff(0, 0)));
        SupervisedContainer supervised = new SupervisedContainer(created, Duration.ofSeconds(2));
        created.setApplicationEventPublisher(event -> {
            if (event instanceof ConsumerStoppedEvent stopped) {
                supervised.onApplicationEvent(stopped);
            }
        });
        created.start();
        container = created;
        supervisor = supervised;
        log.info("Reading {} partitions {} from the end", topic.name(), assigned);
    }

    private List<Integer> allPartitions() {
        Admin admin = Admin.create(clients.adminConfig(client + "-admin"));
        try {
            int count = admin.describeTopics(List.of(topic.name())).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic.name()).partitions().size();
            return java.util.stream.IntStream.range(0, count).boxed().toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading the partitions of " + topic.name(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot read the partitions of " + topic.name(), e);
        } finally {
            admin.close(Duration.ofSeconds(1));
        }
    }

    @Override
    public void stop() {
        KafkaMessageListenerContainer<String, V> running = container;
        if (running != null) {
            supervisor.destroy();
            running.stop();
            container = null;
        }
    }

    @Override
    public boolean isRunning() {
        return container != null;
    }

    /** Start before the web server (which starts late) and stop after it has drained. */
    @Override
    public int getPhase() {
        return 0;
    }

    @Override
    public Health health() {
        SupervisedContainer current = supervisor;
        return current == null ? Health.down().withDetail("state", "NOT_STARTED").build() : current.health();
    }
}
