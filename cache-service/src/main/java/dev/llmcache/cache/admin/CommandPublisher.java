package dev.llmcache.cache.admin;

import dev.llmcache.common.event.CacheCommand;
import dev.llmcache.common.topic.Topic;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.springframework.kafka.core.KafkaTemplate;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Publishes operators' commands to {@code cache-commands}: a key's command to the key's partition
 * (the task that owns the key), an invalidation to every partition (every task). Sends can block
 * on metadata, so they run off the event loop; admin requests are rare.
 */
public final class CommandPublisher {

    private final KafkaTemplate<String, CacheCommand> kafka;
    private final Topic<String, CacheCommand> topic;

    public CommandPublisher(KafkaTemplate<String, CacheCommand> kafka, Topic<String, CacheCommand> topic) {
        this.kafka = kafka;
        this.topic = topic;
    }

    /** Completes once Kafka has the command. */
    public Mono<Void> delete(CacheCommand command) {
        return Mono.fromFuture(() -> kafka.send(topic.name(), command.cacheKey(), command))
                .subscribeOn(Schedulers.boundedElastic()).then();
    }

    /** Completes once every partition has the command; emits the number of partitions. */
    public Mono<Integer> invalidate(CacheCommand command) {
        return Mono.fromCallable(() -> kafka.partitionsFor(topic.name()))
                .flatMap(partitions -> Mono.fromFuture(() -> sendToAll(partitions, command))
                        .thenReturn(partitions.size()))
                .subscribeOn(Schedulers.boundedElastic());
    }

    private CompletableFuture<Void> sendToAll(List<PartitionInfo> partitions, CacheCommand command) {
        return CompletableFuture.allOf(partitions.stream()
                .map(p -> kafka.send(new ProducerRecord<>(topic.name(), p.partition(), command.commandId(), command)))
                .toArray(CompletableFuture[]::new));
    }
}
