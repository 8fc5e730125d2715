package dev.llmcache.processor.llm;

import dev.llmcache.common.event.LlmRequest;
import dev.llmcache.common.event.LlmResponse;
import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.trace.RequestTracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Span;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Answers misses: consumes {@code llm-requests}, streams each through the {@link LlmRouter} with at
 * most {@code maxInflight} calls at once, and publishes batched chunks and the outcome to
 * {@code llm-responses}.
 *
 * <p>The poll loop runs on its own thread and never waits for a call: calls run on Reactor Netty
 * and timer threads. A request's offset is committed only after its outcome is acknowledged by
 * Kafka, so a crash re-sends unfinished requests instead of losing them.
 */
public final class LlmWorker implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(LlmWorker.class);

    /** Tuning: calls at once, chunk batching interval and the call's time limits. */
    public record Settings(int maxInflight, Duration chunkInterval, LlmProperties.Timeouts timeouts) {
    }

    private final Consumer<String, LlmRequest> consumer;
    private final Producer<String, LlmResponse> producer;
    private final LlmRouter router;
    private final String requestsTopic;
    private final String responsesTopic;
    private final Settings settings;
    private final LlmCallMetrics metrics;
    private final RequestTracing tracing;
    private final OffsetTracker offsets = new OffsetTracker();
    private final Queue<ConsumerRecord<String, LlmRequest>> backlog = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inflight = new AtomicInteger();
    // Kafka sends happen here, never on a Netty event loop: send() may block on metadata or a full buffer.
    private final Scheduler publisher = Schedulers.newSingle("llm-response-publisher");
    private volatile boolean running = true;

    public LlmWorker(Consumer<String, LlmRequest> consumer, Producer<String, LlmResponse> producer, LlmRouter router,
                     String requestsTopic, String responsesTopic, Settings settings, MeterRegistry meters,
                     RequestTracing tracing) {
        this.consumer = consumer;
        this.producer = producer;
        this.router = router;
        this.requestsTopic = requestsTopic;
        this.responsesTopic = responsesTopic;
        this.settings = settings;
        this.metrics = new LlmCallMetrics(meters);
        this.tracing = tracing;
    }

    public int inflight() {
        return inflight.get();
    }

    @Override
    public void run() {
        consumer.subscribe(List.of(requestsTopic), new CommitOnRevoke());
        try {
            while (running) {
                // Stop fetching while the backlog is non-empty: memory stays bounded by maxInflight + one poll.
                if (backlog.isEmpty()) {
                    consumer.resume(consumer.paused());
                } else {
                    consumer.pause(consumer.assignment());
                }
                for (ConsumerRecord<String, LlmRequest> record : consumer.poll(Duration.ofMillis(50))) {
                    offsets.started(new TopicPartition(record.topic(), record.partition()), record.offset());
                    backlog.add(record);
                }
                startCalls();
                commit();
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } finally {
            commit();
            consumer.close();
            publisher.dispose();
        }
    }

    /** Stops polling; calls still running are dropped and re-sent by whoever owns the partition next. */
    public void stop() {
        running = false;
        consumer.wakeup();
    }

    /** Starts backlog calls while slots are free; runs on the poll thread and on completing calls' threads. */
    private void startCalls() {
        while (true) {
            int current = inflight.get();
            if (current >= settings.maxInflight()) {
                return;
            }
            if (!inflight.compareAndSet(current, current + 1)) {
                continue;
            }
            ConsumerRecord<String, LlmRequest> record = backlog.poll();
            if (record == null) {
                inflight.decrementAndGet();
                return;
            }
            call(record);
        }
    }

    private void call(ConsumerRecord<String, LlmRequest> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        LlmRequest request = record.value();
        if (request == null) {
            finish(partition, record.offset());
            return;
        }
        LlmCall call = new LlmCall(request);
        LlmProperties.Timeouts timeouts = settings.timeouts();
        // The call continues the trace of the query that caused it; its records carry both onwards.
        String requestId = Objects.requireNonNullElse(
                RequestTracing.header(record.headers(), RequestTracing.REQUEST_ID_HEADER), request.generationId());
        String provider = router.providerOf(request.model());
        Span span = tracing.startSpan("llm.call", record.headers(), key -> RequestTracing.header(record.headers(), key))
                .tag("llm.provider", provider).tag("llm.model", request.model());
        RecordHeaders headers = new RecordHeaders();
        tracing.inject(span, requestId, headers);
        Flux<String> deltas = router.stream(request.model(), request.body())
                .timeout(Mono.delay(timeouts.firstToken()), event -> Mono.delay(timeouts.idle()))
                .take(timeouts.total())
                .doOnNext(call::observe)
                .ofType(LlmStreamEvent.Delta.class)
                .map(LlmStreamEvent.Delta::text);
        batched(deltas)
                .map(call::chunk)
                .concatWith(Mono.fromCallable(call::outcome))
                .onErrorResume(error -> Mono.just(call.failure(error)))
                .publishOn(publisher)
                .doOnNext(response -> {
                    if (response.type() != LlmResponse.Type.CHUNK) {
                        metrics.record(provider, request.model(), response);
                        span.tag("llm.result", response.type().name()).end();
                    }
                })
                .concatMap(response -> publish(response, headers, requestId, partition, record.offset()))
                .subscribe(null, error -> {
                    try (var logContext = RequestTracing.logContext(requestId, span)) {
                        log.error("LLM call for key {} failed to publish", request.cacheKey(), error);
                    }
                });
    }

    /** The first token goes out at once (time to first token matters); later ones in time-sliced batches. */
    private Flux<String> batched(Flux<String> deltas) {
        return deltas.publish(shared -> Flux.merge(
                shared.take(1),
                shared.skip(1).bufferTimeout(1024, settings.chunkInterval()).map(parts -> String.join("", parts))));
    }

    private Mono<Void> publish(LlmResponse response, Headers headers, String requestId, TopicPartition source,
                               long offset) {
        ProducerRecord<String, LlmResponse> out =
                new ProducerRecord<>(responsesTopic, null, response.cacheKey(), response, headers);
        if (response.type() == LlmResponse.Type.CHUNK) {
            // Chunks are not awaited: order is kept by the producer, and DONE carries the full text anyway.
            producer.send(out);
            return Mono.empty();
        }
        return Mono.create(sink -> producer.send(out, (metadata, error) -> {
            if (error == null) {
                offsets.finished(source, offset);
            } else {
                try (var logContext = RequestTracing.logContext(requestId, null)) {
                    log.error("Could not publish the outcome for key {}; it will be retried after a restart",
                            response.cacheKey(), error);
                }
            }
            release();
            sink.success();
        }));
    }

    private void finish(TopicPartition partition, long offset) {
        offsets.finished(partition, offset);
        release();
    }

    private void release() {
        inflight.decrementAndGet();
        startCalls();
    }

    private void commit() {
        Map<TopicPartition, OffsetAndMetadata> ready = offsets.committable();
        if (!ready.isEmpty()) {
            consumer.commitAsync(ready, (committed, error) -> {
                if (error != null) {
                    log.warn("Offset commit failed; the requests will be re-sent if this worker dies", error);
                }
            });
        }
    }

    private final class CommitOnRevoke implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> ready = offsets.committable();
            ready.keySet().retainAll(partitions);
            if (!ready.isEmpty()) {
                consumer.commitSync(ready);
            }
            partitions.forEach(offsets::forget);
            backlog.removeIf(record -> partitions.contains(new TopicPartition(record.topic(), record.partition())));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // nothing to do: positions come from the committed offsets
        }
    }
}
