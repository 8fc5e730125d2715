package dev.llmcache.common.kafka;

import dev.llmcache.common.topic.Topic;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.event.ConsumerStoppedEvent;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.kafka.support.TopicPartitionOffset;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Reads the records of some (or all) partitions of one topic and hands each one over, with a
 * spring-kafka listener container: partitions are assigned, not subscribed, so there is no
 * consumer group, no rebalance and no offset commit. Reading starts at the end (answers: what came
 * before this instance started is not for it) or at the beginning (a replica of a compacted topic). The container is built at start (the partitions of a
 * topic the product creates are known only then) and supervised like every other consumer; after a
 * restart it continues where it stopped.
 */
public final class TopicTail<V> implements SmartLifecycle, HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(TopicTail.class);
    private static final long TIMEOUT_SECONDS = 30;

    private final KafkaClients clients;
    private final Topic<String, V> topic;
    private final List<Integer> partitions;
    private final String client;
    private final Map<String, ?> defaults;
    private final StartAt startAt;
    private final RecordHandler<V> onRecord;
    private final Map<Integer, Long> next = new ConcurrentHashMap<>();
    private volatile KafkaMessageListenerContainer<String, V> container;
    private volatile SupervisedContainer supervisor;

    /** Where reading starts when the tail starts. */
    public enum StartAt { END, BEGINNING }

    /**
     * Takes each record: its key, value (null for a tombstone, or a value that could not be read)
     * and timestamp.
     */
    @FunctionalInterface
    public interface RecordHandler<V> {
        void accept(String key, V value, long timestamp);
    }

    /**
     * Reads from the end and hands over the values (tombstones are skipped).
     *
     * @param partitions the partitions to read; empty for all of them
     * @param defaults   consumer settings of this client (spring.kafka.consumer.* overrides them)
     */
    public TopicTail(KafkaClients clients, Topic<String, V> topic, List<Integer> partitions, String client,
                     Map<String, ?> defaults, Consumer<V> onValue) {
        this(clients, topic, partitions, client, defaults, StartAt.END, (key, value, timestamp) -> {
            if (value != null) {
                onValue.accept(value);
            }
        });
    }

    public TopicTail(KafkaClients clients, Topic<String, V> topic, List<Integer> partitions, String client,
                     Map<String, ?> defaults, StartAt startAt, RecordHandler<V> onRecord) {
        this.clients = clients;
        this.topic = topic;
        this.partitions = List.copyOf(partitions);
        this.client = client;
        this.defaults = defaults;
        this.startAt = startAt;
        this.onRecord = onRecord;
    }

    @Override
    public void start() {
        // Where reading starts is fixed now, before start() returns: an answer published for a
        // request taken right after start-up is never skipped, however long the consumer takes to connect.
        startOffsets().forEach(next::put);
        ContainerProperties properties = new ContainerProperties(next.entrySet().stream()
                .map(p -> new TopicPartitionOffset(topic.name(), p.getKey(), p.getValue()))
                .toArray(TopicPartitionOffset[]::new));
        properties.setMessageListener(new Listener());
        KafkaMessageListenerContainer<String, V> created = new KafkaMessageListenerContainer<>(
                clients.consumerFactory(client, topic, defaults, Map.of(
                        // No group: partitions are assigned by configuration, offsets never committed.
                        ConsumerConfig.GROUP_ID_CONFIG, KafkaClients.ABSENT,
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
        log.info("Reading {} partitions {} from offsets {}", topic.name(), next.keySet(), next.values());
    }

    /**
     * Hands each value over and remembers where each partition goes on, so that a consumer
     * restarted after a failure continues there instead of skipping what came meanwhile.
     */
    private final class Listener implements MessageListener<String, V>, ConsumerSeekAware {

        @Override
        public void onMessage(ConsumerRecord<String, V> record) {
            next.put(record.partition(), record.offset() + 1);
            onRecord.accept(record.key(), record.value(), record.timestamp());
        }

        @Override
        public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
            assignments.keySet().forEach(partition -> {
                Long offset = next.get(partition.partition());
                if (offset != null) {
                    callback.seek(partition.topic(), partition.partition(), offset);
                }
            });
        }
    }

    /** The current end (or beginning) of each partition to read. */
    private Map<Integer, Long> startOffsets() {
        Admin admin = null;
        try {
            admin = Admin.create(clients.adminConfig(client + "-admin"));
            List<Integer> assigned = partitions;
            if (assigned.isEmpty()) {
                int count = admin.describeTopics(List.of(topic.name())).allTopicNames()
                        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(topic.name()).partitions().size();
                assigned = IntStream.range(0, count).boxed().toList();
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            OffsetSpec spec = startAt == StartAt.END ? OffsetSpec.latest() : OffsetSpec.earliest();
            assigned.forEach(p -> latest.put(new TopicPartition(topic.name(), p), spec));
            Map<Integer, Long> ends = new TreeMap<>();
            admin.listOffsets(latest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
            return ends;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading the end of " + topic.name(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot read the end of " + topic.name(), e);
        } finally {
            if (admin != null) {
                admin.close(Duration.ofSeconds(1));
            }
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

    /** Whether it reads: its container runs as it should. */
    public boolean isUp() {
        SupervisedContainer current = supervisor;
        return current != null && current.isUp();
    }

    @Override
    public Health health() {
        SupervisedContainer current = supervisor;
        return current == null ? Health.down().withDetail("state", "NOT_STARTED").build() : current.health();
    }
}
