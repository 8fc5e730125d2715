package dev.llmcache.ingest.api;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.event.QueryRequest;
import dev.llmcache.common.event.ReplyRoute;
import dev.llmcache.common.topic.Topic;
import dev.llmcache.common.trace.RequestTracing;
import dev.llmcache.ingest.auth.ApiAccessFilter;
import dev.llmcache.ingest.auth.Caller;
import dev.llmcache.ingest.edge.EdgeCache;
import dev.llmcache.ingest.limits.Admission;
import dev.llmcache.ingest.edge.EdgeHit;
import dev.llmcache.ingest.publish.KafkaPublisher;
import dev.llmcache.ingest.reply.KafkaOutage;
import dev.llmcache.ingest.reply.PendingReplies;
import dev.llmcache.ingest.reply.TextDelivery;
import dev.llmcache.ingest.telemetry.QueryTelemetry;
import dev.llmcache.ingest.telemetry.RequestRecord;
import io.micrometer.tracing.Span;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;

/**
 * The path every API request takes into the pipeline: read and validate the body, start waiting
 * for the answers, publish the query. Both the OpenAI-compatible and the native endpoint use it.
 */
public final class QueryGateway {

    /**
     * A request accepted into the pipeline.
     *
     * @param cancel call when the client goes away: stops waiting at once (the request's timer,
     *               answers and slot are freed) and records it as {@code client_cancelled}
     */
    public record Submitted(ParsedQuery query, Flux<Answer> answers, long startNanos, Runnable cancel) {

        /** The first of its answers with an outcome (shared token chunks carry none), if any came. */
        public Mono<Optional<Answer>> decided() {
            return answers.filter(a -> a.outcome() != null).next().map(Optional::of)
                    .defaultIfEmpty(Optional.empty());
        }
    }

    private final ChatRequestParser parser;
    private final PendingReplies pending;
    private final Supplier<ReplyRoute> replyRoute;
    private final KafkaPublisher publisher;
    private final Topic<String, QueryRequest> queriesTopic;
    private final QueryTelemetry telemetry;
    private final RequestTracing tracing;
    private final long maxBodyBytes;
    private final Duration requestTimeout;
    private final KafkaOutage outage;
    private final EdgeCache edge;
    private final java.util.concurrent.atomic.LongAdder liveRequests = new java.util.concurrent.atomic.LongAdder();

    public QueryGateway(ChatRequestParser parser, PendingReplies pending, Supplier<ReplyRoute> replyRoute,
                        KafkaPublisher publisher, Topic<String, QueryRequest> queriesTopic, QueryTelemetry telemetry,
                        RequestTracing tracing, long maxBodyBytes, Duration requestTimeout, KafkaOutage outage,
                        EdgeCache edge) {
        this.parser = parser;
        this.pending = pending;
        this.replyRoute = replyRoute;
        this.publisher = publisher;
        this.queriesTopic = queriesTopic;
        this.telemetry = telemetry;
        this.tracing = tracing;
        this.maxBodyBytes = maxBodyBytes;
        this.requestTimeout = requestTimeout;
        this.outage = outage;
        this.edge = edge;
    }

    /**
     * Submits the request and builds the response with {@code responder}; a refused request
     * becomes its OpenAI-shaped error response.
     */
    public Mono<ServerResponse> handle(ServerRequest request, Function<Submitted, Mono<ServerResponse>> responder) {
        return submit(request).flatMap(responder).onErrorResume(ApiException.class, ErrorResponses::of);
    }

    /** How request bodies are validated and keyed (shared with the embeddings endpoint). */
    public ChatRequestParser parser() {
        return parser;
    }

    /** Requests taken over HTTP so far (live traffic; a batch's lines are not counted). */
    public long liveRequests() {
        return liveRequests.sum();
    }

    Mono<Submitted> submit(ServerRequest request) {
        ReadAhead ahead = ReadAhead.of(request.exchange().getRequest());
        long start = ahead == null ? System.nanoTime() : ahead.startNanos();
        Caller caller = ApiAccessFilter.callerOf(request);
        Admission admission = ApiAccessFilter.admissionOf(request);
        HttpHeaders headers = request.headers().asHttpHeaders();
        if (ahead != null && ahead.query() != null) {
            // Read, parsed and looked up at the edge by the fast path: no second Redis lookup for the same miss.
            return submit(ahead.query(), ahead.bodyBytes(), headers, admission, eventLoopOf(request), start, false);
        }
        // A body the fast path read was counted as live traffic there.
        Mono<byte[]> body = ahead != null && ahead.bodyBytes() != null ? readBody(request) : readLiveBody(request);
        return body.flatMap(bytes -> submit(parse(bytes, headers, caller), bytes, headers, admission,
                eventLoopOf(request), start, true));
    }

    /** A live request's JSON body, under the API's checks (415, 413); counts the request as live traffic. */
    public Mono<byte[]> readLiveBody(ServerRequest request) {
        liveRequests.increment();
        return readBody(request);
    }

    /**
     * Submits a request body that did not come over HTTP (a line of a batch) exactly as the API
     * would: same parsing, edge tiers, coalescing and telemetry. Fails with {@link ApiException}
     * where the API would answer with an error.
     *
     * @param deliverOn where its answers are handed over, in order (never the reply listener's
     *                  own thread, which delivers every live request's tokens)
     */
    public Mono<Submitted> submit(byte[] body, HttpHeaders headers, Caller caller, Admission admission,
                                  Executor deliverOn) {
        return Mono.defer(() -> submit(parse(body, headers, caller), body, headers, admission, deliverOn,
                System.nanoTime(), true));
    }

    private Mono<Submitted> submit(ParsedQuery query, byte[] body, HttpHeaders headers, Admission admission,
                                   Executor deliverOn, long start, boolean lookUpEdge) {
        return admission.takeTokens(estimatedTokens(body))
                .then(Mono.defer(() -> submit(query, headers, admission, deliverOn, start, lookUpEdge)));
    }

    /**
     * Submits a query already parsed and admitted: from the edge tiers if they have it, else into
     * the pipeline. The embeddings endpoint sends each of its inputs this way.
     *
     * @param start when the request arrived ({@link System#nanoTime()})
     */
    public Mono<Submitted> submit(ParsedQuery query, HttpHeaders headers, Admission admission, Executor deliverOn,
                                  long start) {
        return submit(query, headers, admission, deliverOn, start, true);
    }

    private Mono<Submitted> submit(ParsedQuery query, HttpHeaders headers, Admission admission, Executor deliverOn,
                                   long start, boolean lookUpEdge) {
        // A hit at the edge is answered here, without Kafka (also while Kafka is away).
        Mono<EdgeHit> atTheEdge = lookUpEdge ? edge.lookup(query.cacheKey(), query.directives()) : Mono.empty();
        return atTheEdge
                .map(hit -> answerFromEdge(query, hit, start, headers, admission))
                .switchIfEmpty(Mono.defer(() -> publish(query, start, headers, deliverOn, admission)));
    }

    /** Whether this instance has an edge tier at all (memory or Redis). */
    boolean hasEdge() {
        return edge.hasTiers();
    }

    /**
     * The edge tiers' answer for a query, or empty: the lookup {@link EdgeHitFastPath} makes
     * before it takes a request off WebFlux's path. Counts nothing.
     */
    Mono<EdgeHit> edgeHit(ParsedQuery query) {
        return edge.lookup(query.cacheKey(), query.directives());
    }

    /** Counts a request the fast path reads as live traffic (see {@link #liveRequests}). */
    void countLive() {
        liveRequests.increment();
    }

    /** A body the parser's checks missed but Jackson still refuses is the request's fault: 400, not 500. */
    private ParsedQuery parse(byte[] body, HttpHeaders headers, Caller caller) {
        try {
            return parser.parse(body, headers, caller);
        } catch (tools.jackson.core.JacksonException e) {
            throw ApiException.invalid(null, "The request body could not be read: " + e.getOriginalMessage());
        }
    }

    /**
     * What a query is taken to cost before its usage is known: a quarter of its body's length
     * (about a token per four characters), settled with the real usage when it ends.
     */
    static long estimatedTokens(byte[] body) {
        return Math.max(1, body.length / 4);
    }

    /** Answers a request with a hit the edge had, here or in {@link EdgeHitFastPath}: its telemetry, span and budget. */
    Submitted answerFromEdge(ParsedQuery query, EdgeHit hit, long start, HttpHeaders httpHeaders,
                                     Admission admission) {
        RequestRecord record = telemetry.start(query, start, startSpan(query, httpHeaders));
        Answer answer = Answer.hit(UUID.randomUUID().toString(), hit.answer(), query.model(), 0, hit.tier());
        AtomicBoolean ended = new AtomicBoolean();
        Runnable end = () -> {
            if (ended.compareAndSet(false, true)) {
                telemetry.finish(record);
                admission.settle(record.hit(), record.usedTokens());
            }
        };
        Flux<Answer> answers = Flux.just(answer).doOnNext(record::observe).doFinally(signal -> end.run()).cache();
        return new Submitted(query, answers, start, end);
    }

    /** One span per query, continuing the client's trace ({@code traceparent}) if it sent one. */
    private Span startSpan(ParsedQuery query, HttpHeaders httpHeaders) {
        return tracing.startSpan("llmcache.query", httpHeaders, httpHeaders::getFirst)
                .tag("llmcache.request_id", query.requestId()).tag("llmcache.model", query.model());
    }

    /** The Netty event loop of the request's connection (inline delivery on other servers and in mocks). */
    public static Executor eventLoopOf(ServerRequest request) {
        try {
            Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request.exchange().getRequest());
            return nativeRequest instanceof Connection connection ? connection.channel().eventLoop() : Runnable::run;
        } catch (IllegalStateException | IllegalArgumentException noNativeRequest) {
            return Runnable::run;
        }
    }

    private Mono<Submitted> publish(ParsedQuery query, long start, HttpHeaders httpHeaders, Executor deliverOn,
                                    Admission admission) {
        return publishQuery(query, start, httpHeaders, deliverOn, admission)
                // Refused before anything was spent: the tokens taken for it go back.
                .doOnError(e -> admission.refund());
    }

    private Mono<Submitted> publishQuery(ParsedQuery query, long start, HttpHeaders httpHeaders, Executor deliverOn,
                                         Admission admission) {
        // Answers are addressed to an id generated here, never to the client's X-Request-ID.
        if (outage.ongoing()) {
            // No wait for a publish that cannot succeed.
            return Mono.error(new ApiException(outage.error(), null));
        }
        String replyId = UUID.randomUUID().toString();
        Flux<Answer> answers;
        try {
            answers = pending.register(replyId, query.requestId(), query.cacheKey(), deliverOn);
        } catch (PendingReplies.OverloadedException e) {
            return Mono.error(ApiException.unavailable("The server is at its limit of requests in flight; retry shortly"));
        } catch (PendingReplies.DuplicateRequestIdException e) {
            return Mono.error(duplicate(e));
        }
        QueryRequest event = new QueryRequest(QueryRequest.SCHEMA_VERSION, replyId, query.tenant(),
                query.namespace(), query.model(), query.cacheKey(), query.body(), query.directives(), replyRoute.get(),
                System.currentTimeMillis(), query.requestId(), query.semantic());
        Answer timeout = Answer.error(replyId, query.cacheKey(), null, query.model(),
                ErrorInfo.upstreamTimeout("No answer within " + requestTimeout.toSeconds() + " s"));
        Span span = startSpan(query, httpHeaders);
        RecordHeaders kafkaHeaders = new RecordHeaders();
        tracing.inject(span, query.requestId(), kafkaHeaders);
        RequestRecord record = telemetry.start(query, start, span);
        // Ends the request once, however it ends: answered, timed out, or its client gone.
        AtomicBoolean ended = new AtomicBoolean();
        Runnable end = () -> {
            if (ended.compareAndSet(false, true)) {
                pending.release(replyId);
                telemetry.finish(record);
                admission.settle(record.hit(), record.usedTokens());
            }
        };
        Sinks.Empty<Void> cancelled = Sinks.empty();
        TextDelivery delivery = new TextDelivery();
        Flux<Answer> bounded = answers
                // Every piece of text once and in order, also when the pipeline sends some again.
                .concatMapIterable(delivery::accept)
                .mergeWith(Mono.delay(requestTimeout).map(tick -> timeout))
                .takeUntil(Answer::isTerminal)
                // A client that leaves ends the request now: its timer and answers go with it.
                .takeUntilOther(cancelled.asMono())
                .doOnNext(record::observe)
                .doFinally(signal -> end.run())
                .cache();
        Runnable cancel = () -> {
            cancelled.tryEmitEmpty();
            end.run();
        };
        return publisher.publish(queriesTopic, query.cacheKey(), event, kafkaHeaders)
                .onErrorMap(KafkaPublisher.TooLargeException.class, e -> new ApiException(new ErrorInfo(413,
                        "invalid_request_error", "request_too_large", e.getMessage()), null))
                .onErrorMap(KafkaPublisher.UnavailableException.class,
                        e -> ApiException.unavailable("Kafka is unavailable: " + e.getMessage()))
                .doOnError(e -> {
                    // Not accepted: no telemetry, just the slot back.
                    ended.set(true);
                    pending.release(replyId);
                    span.error(e).end();
                })
                // The client left while the query was being published: it may still be answered, to nobody.
                .doOnCancel(cancel)
                .thenReturn(new Submitted(query, bounded, start, cancel));
    }

    /**
     * Runs {@code work} holding the client's request id, for a request whose parts are submitted
     * one by one under ids of their own: another request with the same id meanwhile is refused (409).
     */
    public <T> Mono<T> holdingRequestId(String requestId, Mono<T> work) {
        return Mono.defer(() -> {
            try {
                pending.reserve(requestId);
            } catch (PendingReplies.DuplicateRequestIdException e) {
                return Mono.error(duplicate(e));
            }
            return work.doFinally(signal -> pending.unreserve(requestId));
        });
    }

    private static ApiException duplicate(PendingReplies.DuplicateRequestIdException e) {
        return new ApiException(new ErrorInfo(409, "invalid_request_error", "duplicate_request_id",
                e.getMessage()), RequestTracing.REQUEST_ID_HEADER);
    }

    private Mono<byte[]> readBody(ServerRequest request) {
        MediaType type;
        try {
            type = request.headers().contentType().orElse(MediaType.APPLICATION_JSON);
        } catch (InvalidMediaTypeException e) {
            return Mono.error(unsupportedType("an invalid Content-Type"));
        }
        if (!MediaType.APPLICATION_JSON.isCompatibleWith(type)) {
            return Mono.error(unsupportedType(type.toString()));
        }
        if (request.headers().contentLength().orElse(0) > maxBodyBytes) {
            return Mono.error(tooLarge());
        }
        return RequestBodies.read(request, maxBodyBytes);
    }

    private ApiException tooLarge() {
        return RequestBodies.tooLarge(maxBodyBytes);
    }

    private static ApiException unsupportedType(String type) {
        return new ApiException(new ErrorInfo(415, "invalid_request_error", "unsupported_media_type",
                "Expected Content-Type application/json, got " + type), null);
    }
}
