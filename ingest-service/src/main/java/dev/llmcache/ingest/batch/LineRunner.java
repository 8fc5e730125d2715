package dev.llmcache.ingest.batch;

import dev.llmcache.common.batch.BatchResult;
import dev.llmcache.common.batch.BatchState;
import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheEvent;
import dev.llmcache.common.event.CacheOutcome;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.serde.Json;
import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.api.ApiHeaders;
import dev.llmcache.ingest.api.ErrorResponses;
import dev.llmcache.ingest.api.OpenAiJson;
import dev.llmcache.ingest.api.QueryGateway;
import dev.llmcache.ingest.auth.Caller;
import dev.llmcache.ingest.limits.Admission;
import dev.llmcache.ingest.limits.RateLimiter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.UUID;
import java.util.function.IntSupplier;
import org.springframework.http.HttpHeaders;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs one line of a batch through the {@link QueryGateway}, exactly as the API would run its
 * body (same cache, coalescing, limits and telemetry, marked {@code origin=batch}), and renders its
 * line of the output or error file. A batch gives way to interactive traffic: a line waits while
 * the instance has more than its share of requests in flight, lines run only as many at a time
 * as the {@link BatchThrottle} allows, and a line refused for load (429, 503) is tried again
 * later, not failed.
 */
final class LineRunner {

    private static final Duration ROOM_CHECK = Duration.ofMillis(100);
    private static final int LOAD_RETRIES = 10;

    private final QueryGateway gateway;
    private final RateLimiter limiter;
    private final BatchThrottle throttle;
    private final IntSupplier inFlight;
    private final int maxInFlight;
    private final Function<String, Optional<Caller>> keys;
    private final Executor deliverOn;

    /** A refusal for load: try again later. */
    private static final class Overloaded extends RuntimeException {
        private final ErrorInfo error;

        Overloaded(ErrorInfo error) {
            super(error.message(), null, false, false);
            this.error = error;
        }
    }

    /**
     * @param inFlight    the instance's requests in flight now
     * @param maxInFlight above this many, lines wait (interactive requests keep the rest)
     */
    /**
     * @param keys      the caller an API key id stands for now (empty: revoked or removed)
     * @param deliverOn where lines' answers are handed over (one thread: in order)
     */
    LineRunner(QueryGateway gateway, RateLimiter limiter, BatchThrottle throttle, IntSupplier inFlight,
               int maxInFlight, Function<String, Optional<Caller>> keys, Executor deliverOn) {
        this.keys = keys;
        this.deliverOn = deliverOn;
        this.gateway = gateway;
        this.limiter = limiter;
        this.throttle = throttle;
        this.inFlight = inFlight;
        this.maxInFlight = maxInFlight;
    }

    Mono<BatchResult> run(String batchId, BatchState.Owner owner, BatchLine line) {
        return waitForRoom()
                // A place among the instance's batch lines for each attempt (none while backing off).
                .then(Mono.usingWhen(throttle.acquire(), permit -> attempt(owner, line),
                        permit -> Mono.fromRunnable(permit::release)))
                .retryWhen(Retry.backoff(LOAD_RETRIES, Duration.ofMillis(250)).maxBackoff(Duration.ofSeconds(30))
                        .filter(Overloaded.class::isInstance)
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                .onErrorResume(Overloaded.class, e -> Mono.just(failed(line, e.error, null)))
                .map(output -> new BatchResult(BatchResult.SCHEMA_VERSION, batchId, line.index(),
                        output.ok(), output.json()));
    }

    private Mono<Void> waitForRoom() {
        if (inFlight.getAsInt() < maxInFlight) {
            return Mono.empty();
        }
        return Flux.interval(ROOM_CHECK).filter(tick -> inFlight.getAsInt() < maxInFlight).next().then();
    }

    /** A line of the output (ok) or error file. */
    private record Output(boolean ok, ObjectNode json) {
    }

    private Mono<Output> attempt(BatchState.Owner owner, BatchLine line) {
        Caller caller;
        if (owner.keyId() == null) {
            caller = Caller.OPEN;
        } else {
            // The key as it stands now: a key revoked since the batch was created runs no more lines.
            caller = keys.apply(owner.keyId()).orElse(null);
            if (caller == null) {
                return Mono.just(failed(line, new ErrorInfo(401, "invalid_request_error", "invalid_api_key",
                        "The API key that created this batch has been revoked"), null));
            }
        }
        Mono<Admission> admission = limiter.enabled() ? limiter.admit(owner.tenant()) : Mono.just(Admission.unlimited());
        return admission.flatMap(admitted -> {
                    if (!admitted.granted()) {
                        return Mono.error(new Overloaded(admitted.refusal().error()));
                    }
                    return gateway.submit(line.body(), headers(owner), caller, admitted, deliverOn);
                })
                .flatMap(submitted -> outcome(line, submitted))
                .onErrorResume(ApiException.class, e -> overloaded(e.error())
                        ? Mono.error(new Overloaded(e.error()))
                        : Mono.just(failed(line, e.error(), null)));
    }

    private Mono<Output> outcome(BatchLine line, QueryGateway.Submitted submitted) {
        return submitted.answers().filter(Answer::isTerminal).next().zipWith(submitted.decided())
                // A run stopped mid-line frees the request's place at once (not at its timeout).
                .doOnCancel(submitted.cancel())
                .flatMap(lastAndOutcome -> {
            Answer last = lastAndOutcome.getT1();
            // One rule with the live API: a semantic match is told by the answer itself.
            CacheOutcome outcome = Answer.outcomeOf(lastAndOutcome.getT2().orElse(null), last);
            if (last.type() == Answer.Type.ERROR) {
                return overloaded(last.error()) ? Mono.error(new Overloaded(last.error()))
                        : Mono.just(failed(line, last.error(), submitted.query().requestId()));
            }
            ObjectNode out = envelope(line);
            ObjectNode response = out.putObject("response");
            response.put("status_code", 200);
            response.put("request_id", submitted.query().requestId());
            response.set("body", OpenAiJson.completion(submitted.query(), last));
            out.putNull("error");
            ObjectNode view = out.putObject("llmcache").put("outcome", outcome == null ? "" : outcome.name())
                    .put("cache_key", submitted.query().cacheKey());
            if (last.isSemanticHit()) {
                view.put("similarity", last.semantic().similarity()).put("matched_key", last.semantic().matchedKey());
            }
            return Mono.just(new Output(true, out));
        });
    }

    private static boolean overloaded(ErrorInfo error) {
        return error.status() == 429 || error.status() == 503;
    }

    /** The error-file line of a line whose result could not be recorded (e.g. larger than a Kafka record may be). */
    static BatchResult unrecordable(BatchResult result, String message) {
        String customId = result.output() == null ? null : result.output().path("custom_id").asString(null);
        Output failed = failed(new BatchLine(result.index(), customId, new byte[0]),
                new ErrorInfo(500, "server_error", "result_not_recorded", message), null);
        return new BatchResult(BatchResult.SCHEMA_VERSION, result.batchId(), result.index(), false, failed.json());
    }

    /** A line whose request was answered with an error: the error file, in OpenAI's shape. */
    private static Output failed(BatchLine line, ErrorInfo error, String requestId) {
        ObjectNode out = envelope(line);
        ObjectNode response = out.putObject("response");
        response.put("status_code", error.status());
        response.put("request_id", requestId != null ? requestId : UUID.randomUUID().toString());
        response.set("body", ErrorResponses.body(error, null));
        out.putNull("error");
        return new Output(false, out);
    }

    private static ObjectNode envelope(BatchLine line) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", "batch_req_" + UUID.randomUUID().toString().replace("-", ""));
        out.put("custom_id", line.customId());
        return out;
    }

    /** The headers the line is sent with: its owner's tenant and namespace, and its origin. */
    private static HttpHeaders headers(BatchState.Owner owner) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(ApiHeaders.TENANT, owner.tenant());
        if (owner.namespace() != null) {
            headers.set(ApiHeaders.CACHE_NAMESPACE, owner.namespace());
        }
        headers.set(ApiHeaders.ORIGIN, CacheEvent.BATCH);
        return headers;
    }
}
