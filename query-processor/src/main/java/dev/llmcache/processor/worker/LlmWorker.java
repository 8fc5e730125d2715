package dev.llmcache.processor.worker;

import dev.llmcache.common.embedding.EmbeddingItem;
import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.event.LlmRequest;
import dev.llmcache.common.event.LlmResponse;
import dev.llmcache.common.llm.LlmProperties;
import dev.llmcache.common.trace.RequestTracing;
import dev.llmcache.processor.llm.LlmCallException;
import dev.llmcache.processor.llm.LlmRouter;
import dev.llmcache.processor.llm.LlmStreamEvent;
import dev.llmcache.processor.semantic.SemanticLookup;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Span;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.AcknowledgingMessageListener;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.kafka.support.Acknowledgment;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Answers misses: the listener of the {@code llm-requests} container. Streams each request
 * through the {@link LlmRouter} with at most {@code maxInflight} calls at once, and publishes
 * batched chunks and the outcome to {@code llm-responses}. The first token also goes straight to
 * the request that started the call ({@link LlmRequest#starter()}), on the answers topic: its
 * client sees it one Kafka hop (and one processor pass) sooner; the copy through the processor,
 * which every other waiter gets, is dropped by ingest as already delivered.
 *
 * <p>The consumer thread never waits for a call: calls run on Reactor Netty and timer threads,
 * and requests beyond the free slots wait in a backlog while the container is paused (memory stays
 * bounded by {@code maxInflight} plus one poll). A request is acknowledged only after its outcome
 * is acknowledged by Kafka, and only up to the oldest unfinished request of its partition
 * ({@link OffsetTracker}), so a crash re-sends unfinished requests instead of losing them.
 */
public final class LlmWorker implements AcknowledgingMessageListener<String, LlmRequest>,
        ConsumerAwareRebalanceListener {

    private static final Logger log = LoggerFactory.getLogger(LlmWorker.class);
    /**
     * Requests that may wait for their provider, per worker slot. Beyond it intake pauses (memory
     * stays bounded), so a provider slower than its bound for long enough holds up the others too;
     * until then they go on.
     */
    private static final int PARKED_PER_SLOT = 4;
    private static final Duration OUTCOME_RETRY_MIN = Duration.ofMillis(200);
    private static final Duration OUTCOME_RETRY_MAX = Duration.ofSeconds(30);

    /**
     * Tuning: calls at once, chunk batching interval, the call's time limits, the answer's size
     * limit, and the calls each provider may have running at once (0: any number up to {@code maxInflight}).
     */
    public record Settings(int maxInflight, Duration chunkInterval, LlmProperties.Timeouts timeouts,
                           long maxAnswerBytes, ToIntFunction<String> maxCallsOfProvider) {

        public Settings(int maxInflight, Duration chunkInterval, LlmProperties.Timeouts timeouts, long maxAnswerBytes) {
            this(maxInflight, chunkInterval, timeouts, maxAnswerBytes, provider -> 0);
        }
    }

    /** Sends {@link LlmResponse}s and the starters' first tokens ({@link Answer}s): one producer for both. */
    private final KafkaOperations<String, Object> out;
    private final String responsesTopic;
    private final LlmRouter router;
    private final Settings settings;
    private final LlmCallMetrics metrics;
    private final RequestTracing tracing;
    /** Looks for a similar question's answer before an eligible call; null without a semantic cache. */
    private final SemanticLookup semantic;
    private final OffsetTracker offsets = new OffsetTracker();
    private final PartitionCounts replyPartitions;
    private final Queue<Pending> backlog = new ConcurrentLinkedQueue<>();
    /** Requests whose provider is at its bound, by provider, in arrival order; guarded by this. */
    private final Map<String, Queue<Pending>> parked = new HashMap<>();
    private int parkedCount; // guarded by this
    private boolean starting; // guarded by this
    private final Map<String, AtomicInteger> providerCalls = new ConcurrentHashMap<>();
    private final AtomicInteger inflight = new AtomicInteger();
    private boolean paused; // guarded by this
    // Kafka sends happen here, never on a Netty event loop: send() may block on metadata or a full buffer.
    private final Scheduler publisher = Schedulers.newSingle("llm-response-publisher");
    /** Where the requests come from (the listener container): paused while the backlog is not empty. */
    private volatile MessageListenerContainer intake;

    private record Pending(ConsumerRecord<String, LlmRequest> record, TopicPartition partition, String provider) {
    }

    public LlmWorker(KafkaOperations<String, Object> out, String responsesTopic, LlmRouter router,
                     Settings settings, MeterRegistry meters, RequestTracing tracing) {
        this(out, responsesTopic, router, settings, meters, tracing, null);
    }

    /** @param semantic the semantic cache's lookup; null for none */
    public LlmWorker(KafkaOperations<String, Object> out, String responsesTopic, LlmRouter router,
                     Settings settings, MeterRegistry meters, RequestTracing tracing, SemanticLookup semantic) {
        this.out = out;
        this.semantic = semantic;
        this.replyPartitions = new PartitionCounts(out::partitionsFor, Duration.ofMinutes(5));
        this.responsesTopic = responsesTopic;
        this.router = router;
        this.settings = settings;
        this.metrics = new LlmCallMetrics(meters);
        this.tracing = tracing;
    }

    /** Connects the worker to the container that feeds it. */
    public void attach(MessageListenerContainer intake) {
        this.intake = intake;
    }

    /** Whether the worker knows the partition count of a reply topic (first tokens go straight to it). */
    boolean knowsReplyTopic(String topic) {
        return replyPartitions.known(topic);
    }

    public int inflight() {
        return inflight.get();
    }

    /** Requests waiting for a slot or for their provider. */
    public synchronized int backlog() {
        return backlog.size() + parkedCount;
    }

    /**
     * Called on the consumer thread for each polled request, in offset order. A record whose value
     * could not be read arrives with a null value and is acknowledged without a call.
     */
    @Override
    public void onMessage(ConsumerRecord<String, LlmRequest> record, Acknowledgment ack) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        offsets.started(partition, record.offset(), Objects.requireNonNull(ack, "manual acknowledgment"));
        String provider = record.value() == null ? "none" : router.providerOf(record.value().model());
        backlog.add(new Pending(record, partition, provider));
        startCalls();
    }

    /**
     * Before the container commits on revocation: the revoked partitions' queued requests are
     * dropped (their next owner reads them again) and their running calls are no longer acknowledged.
     */
    @Override
    public void onPartitionsRevokedBeforeCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        offsets.forget(partitions);
        backlog.removeIf(pending -> partitions.contains(pending.partition()));
        synchronized (this) {
            for (Queue<Pending> waiting : parked.values()) {
                int before = waiting.size();
                waiting.removeIf(pending -> partitions.contains(pending.partition()));
                parkedCount -= before - waiting.size();
            }
        }
        updateIntake();
    }

    /**
     * Starts waiting calls while slots are free, each only while its provider is below its bound;
     * runs on the consumer thread and on completing calls' threads. Requests of a provider at its
     * bound are parked (in order) and do not hold a slot, so the other providers' calls go on.
     */
    private synchronized void startCalls() {
        if (starting) {
            // Called back from a call that ended at once (expired, unreadable): the loop below goes on.
            return;
        }
        starting = true;
        try {
            while (inflight.get() < settings.maxInflight()) {
                Pending next = nextStartable();
                if (next == null) {
                    break;
                }
                inflight.incrementAndGet();
                callsOf(next.provider()).incrementAndGet();
                call(next);
            }
        } finally {
            starting = false;
        }
        updateIntake();
    }

    /** The oldest parked request whose provider has room, else the next one of the backlog that has. */
    private Pending nextStartable() {
        for (Queue<Pending> waiting : parked.values()) {
            Pending head = waiting.peek();
            if (head != null && hasRoom(head.provider())) {
                parkedCount--;
                return waiting.poll();
            }
        }
        Pending pending;
        while ((pending = backlog.poll()) != null) {
            if (hasRoom(pending.provider())) {
                return pending;
            }
            parked.computeIfAbsent(pending.provider(), p -> new ArrayDeque<>()).add(pending);
            parkedCount++;
        }
        return null;
    }

    private boolean hasRoom(String provider) {
        int bound = settings.maxCallsOfProvider().applyAsInt(provider);
        return bound <= 0 || callsOf(provider).get() < bound;
    }

    private AtomicInteger callsOf(String provider) {
        return providerCalls.computeIfAbsent(provider, p -> new AtomicInteger());
    }

    /** Calls running for {@code provider} now. */
    public int inflightOf(String provider) {
        AtomicInteger calls = providerCalls.get(provider);
        return calls == null ? 0 : calls.get();
    }

    /**
     * Pause fetching while requests wait for a slot, or while {@link #PARKED_PER_SLOT} per slot wait
     * for their providers (memory stays bounded); resume otherwise. Every change of the backlog is
     * followed by a call, and the check and the pause or resume happen under one lock, so the last
     * call always leaves the intake matching the backlog.
     */
    private synchronized void updateIntake() {
        boolean shouldPause = !backlog.isEmpty() || parkedCount >= PARKED_PER_SLOT * settings.maxInflight();
        if (shouldPause != paused && intake != null) {
            paused = shouldPause;
            if (shouldPause) {
                intake.pause();
            } else {
                intake.resume();
            }
        }
    }

    /** Starts one call; never throws, so a request that cannot start still frees its slot and offset. */
    private void call(Pending pending) {
        ConsumerRecord<String, LlmRequest> record = pending.record();
        LlmRequest request = record.value();
        if (request == null) {
            finish(pending);
            return;
        }
        long now = System.currentTimeMillis();
        if (request.deadline() > 0 && now >= request.deadline()) {
            // Its waiters were failed at the deadline (overload, or a backlog replayed after an
            // outage or by a new worker group): calling the LLM now would only cost money.
            metrics.expired(router.providerOf(request.model()), request.model());
            finish(pending);
            return;
        }
        try {
            stream(pending, request);
        } catch (RuntimeException e) {
            log.error("LLM request for key {} could not be started", request.cacheKey(), e);
            finish(pending);
        }
    }

    private void stream(Pending pending, LlmRequest request) {
        ConsumerRecord<String, LlmRequest> record = pending.record();
        LlmCall call = new LlmCall(request, settings.maxAnswerBytes());
        if (request.starter() != null) {
            // Looked up now (off this thread), so it is known when the first token comes.
            replyPartitions.of(request.starter().replyTo().topic());
        }
        LlmProperties.Timeouts timeouts = settings.timeouts();
        // The call continues the trace of the query that caused it; its records carry both onwards.
        String requestId = Objects.requireNonNullElse(
                RequestTracing.header(record.headers(), RequestTracing.REQUEST_ID_HEADER), request.generationId());
        String provider = router.providerOf(request.model());
        Span span = tracing.startSpan("llm.call", record.headers(), key -> RequestTracing.header(record.headers(), key))
                .tag("llm.provider", provider).tag("llm.model", request.model());
        RecordHeaders headers = new RecordHeaders();
        tracing.inject(span, requestId, headers);
        Duration total = request.deadline() > 0
                ? Duration.ofMillis(Math.min(timeouts.total().toMillis(), request.deadline() - System.currentTimeMillis()))
                : timeouts.total();
        Flux<LlmResponse> responses;
        if (semantic == null || request.semantic() == null) {
            responses = llmResponses(request, call, total);
        } else if (request.semantic().embedOnly()) {
            // Sent again for the LLM itself (a match could not answer every waiter): the answer
            // still joins the index with its question's vector.
            call.embedded(semantic.embedOnly(request.semantic()));
            responses = llmResponses(request, call, total);
        } else {
            // An eligible miss: a similar question's answer, if the index has one, instead of the call.
            responses = semantic.find(request.semantic()).flatMapMany(found -> {
                if (found.hit()) {
                    return Flux.just(call.semanticHit(found.answer(), found.match()));
                }
                call.embedded(found.vector());
                return llmResponses(request, call, total);
            });
        }
        responses
                .onErrorResume(error -> Mono.just(call.failure(error)))
                .publishOn(publisher)
                .doOnNext(response -> {
                    if (response.type() != LlmResponse.Type.CHUNK) {
                        if (!response.isSemanticHit()) {
                            metrics.record(provider, request.model(), response);
                        }
                        span.tag("llm.result", response.isSemanticHit() ? "SEMANTIC_HIT" : response.type().name())
                                .end();
                    }
                })
                .concatMap(response -> publish(response, headers, requestId, pending, call))
                .subscribe(null, error -> {
                    try (var logContext = RequestTracing.logContext(requestId, span)) {
                        log.error("LLM call for key {} failed to publish", request.cacheKey(), error);
                    }
                });
    }

    /** The LLM's answer as the records of one attempt: batched chunks, then the outcome. */
    private Flux<LlmResponse> llmResponses(LlmRequest request, LlmCall call, Duration total) {
        LlmProperties.Timeouts timeouts = settings.timeouts();
        // Deferred: a provider that fails at once fails this call's stream (an ERROR outcome), not the worker.
        Flux<String> deltas = Flux.defer(() -> router.stream(request.model(), request.body()))
                .timeout(Mono.delay(timeouts.firstToken()), event -> Mono.delay(timeouts.idle()))
                .take(total)
                .map(call::observe)
                // Cancels the upstream call once the answer reached its size limit.
                .takeUntil(event -> call.isCutOff())
                .ofType(LlmStreamEvent.Delta.class)
                .map(LlmStreamEvent.Delta::text);
        // An embedding's vector is one piece, of use only whole: it travels once, in the outcome.
        Flux<LlmResponse> chunks = EmbeddingItem.isItem(request.body())
                ? deltas.ignoreElements().flux().map(call::chunk)
                : batched(deltas).map(call::chunk);
        return chunks.concatWith(Mono.fromCallable(call::outcome));
    }

    /** The first token goes out at once (time to first token matters); later ones in time-sliced batches. */
    private Flux<String> batched(Flux<String> deltas) {
        return deltas.publish(shared -> Flux.merge(
                shared.take(1),
                shared.skip(1).bufferTimeout(1024, settings.chunkInterval()).map(parts -> String.join("", parts))));
    }

    private Mono<Void> publish(LlmResponse response, Headers headers, String requestId, Pending pending,
                               LlmCall call) {
        ProducerRecord<String, Object> record =
                new ProducerRecord<>(responsesTopic, null, response.cacheKey(), response, headers);
        if (response.type() == LlmResponse.Type.CHUNK) {
            if (response.seq() == 0) {
                sendFirstTokenToStarter(pending.record().value(), response, headers);
            }
            // Chunks are not awaited: order is kept by the producer, and DONE carries the full text anyway.
            send(record).exceptionally(error -> {
                log.warn("A chunk for key {} was not published; its call's DONE carries the full text",
                        response.cacheKey());
                return null;
            });
            return Mono.empty();
        }
        // The outcome must reach Kafka before the request's offset may be committed: retried (the
        // slot stays taken) until it does, so a Kafka outage delays outcomes instead of losing them.
        // Every attempt sends from the publisher thread: a retry must not block a Reactor timer thread.
        return Mono.defer(() -> Mono.fromFuture(() -> send(record)))
                .subscribeOn(publisher)
                .doOnError(error -> {
                    try (var logContext = RequestTracing.logContext(requestId, null)) {
                        log.error(isRefused(error) ? "Kafka refused the outcome for key {}"
                                : "Could not publish the outcome for key {}; retrying", response.cacheKey(), error);
                    }
                })
                .retryWhen(Retry.backoff(Long.MAX_VALUE, OUTCOME_RETRY_MIN).maxBackoff(OUTCOME_RETRY_MAX)
                        .filter(error -> !isRefused(error)))
                .then(Mono.<Void>fromRunnable(() -> finish(pending)))
                // Kafka will never take this record: its waiters get an error instead of waiting for
                // their timeout, and the request is not re-run by every restart.
                .onErrorResume(LlmWorker::isRefused, error -> response.type() == LlmResponse.Type.DONE
                        ? publish(call.failure(new LlmCallException(ErrorInfo.upstream(
                                "The answer could not be passed on: " + rootMessage(error)))),
                                headers, requestId, pending, call)
                        : Mono.<Void>fromRunnable(() -> finish(pending)));
    }

    /**
     * The call's first token straight to the request that started it, on its reply route (best
     * effort: the same text follows through the processor anyway). A re-run of the call sends its
     * own first token again; ingest keeps the text its client already has.
     */
    private void sendFirstTokenToStarter(LlmRequest request, LlmResponse first, Headers headers) {
        LlmRequest.Starter starter = request.starter();
        if (starter == null || first.delta() == null || first.delta().isEmpty()) {
            return;
        }
        String topic = starter.replyTo().topic();
        int partitions = replyPartitions.of(topic);
        if (partitions == 0) {
            return; // not known yet (being looked up): the processor's copy is on its way
        }
        Answer token = Answer.directChunk(starter.requestId(), request.cacheKey(), starter.outcome(),
                request.model(), first.delta());
        int partition = starter.replyTo().partitionFor(request.cacheKey(), partitions);
        RecordHeaders tokenHeaders = new RecordHeaders(headers.toArray());
        if (starter.clientRequestId() != null) {
            RequestTracing.setRequestId(tokenHeaders, starter.clientRequestId());
        }
        send(new ProducerRecord<>(topic, partition, starter.requestId(), token, tokenHeaders)).exceptionally(error -> {
            log.debug("The first token for key {} did not go straight to its starter", request.cacheKey(), error);
            return null;
        });
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName();
    }

    /** A record Kafka refuses for what it is (too large, unserialisable), not for a passing fault. */
    static boolean isRefused(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof RecordTooLargeException || cause instanceof SerializationException
                    || cause instanceof InvalidRecordException) {
                return true;
            }
        }
        return false;
    }

    /** A send whose failure, immediate or later, is always the returned future's. */
    private java.util.concurrent.CompletableFuture<?> send(ProducerRecord<String, Object> record) {
        try {
            return out.send(record);
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    private void finish(Pending pending) {
        offsets.finished(pending.partition(), pending.record().offset());
        callsOf(pending.provider()).decrementAndGet();
        inflight.decrementAndGet();
        startCalls();
    }

    /** Stops publishing; calls still running are dropped and re-sent by whoever owns the partition next. */
    public void close() throws Exception {
        publisher.dispose();
        if (out instanceof KafkaTemplate<String, Object> template
                && template.getProducerFactory() instanceof DisposableBean producers) {
            producers.destroy(); // flushes and closes the producer
        }
    }
}
