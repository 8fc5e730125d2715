package dev.llmcache.ingest.api;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheOutcome;
import dev.llmcache.common.serde.Json;
import dev.llmcache.common.trace.RequestTracing;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/queries}: the pipeline's own view of a query as typed server-sent events:
 * {@code accepted} (request id, cache key), {@code cache} (outcome), {@code token}s, then
 * {@code done} (answer, usage, timings) or {@code error}. A semantic match is told by {@code done}
 * (outcome {@code SEMANTIC_HIT}, similarity, matched key): the {@code cache} event before it said MISS.
 */
public final class NativeQueryHandler {

    private final QueryGateway gateway;

    public NativeQueryHandler(QueryGateway gateway) {
        this.gateway = gateway;
    }

    public Mono<ServerResponse> handle(ServerRequest request) {
        return gateway.handle(request, this::respond);
    }

    private Mono<ServerResponse> respond(QueryGateway.Submitted submitted) {
        ParsedQuery query = submitted.query();
        ObjectNode accepted = Json.MAPPER.createObjectNode()
                .put("requestId", query.requestId())
                .put("cacheKey", query.cacheKey())
                .put("model", query.model());
        Timeline timeline = new Timeline(submitted.startNanos());
        Flux<ServerSentEvent<String>> events = Flux.just(event("accepted", accepted))
                .concatWith(submitted.answers().concatMapIterable(timeline::render))
                .doOnCancel(submitted.cancel());
        return ServerResponse.ok()
                .header(RequestTracing.REQUEST_ID_HEADER, query.requestId())
                .header(ApiHeaders.CACHE_KEY, query.cacheKey())
                .contentType(MediaType.TEXT_EVENT_STREAM)
                .body(BodyInserters.fromServerSentEvents(events));
    }

    private static ServerSentEvent<String> event(String name, ObjectNode data) {
        return ServerSentEvent.builder(Json.MAPPER.writeValueAsString(data)).event(name).build();
    }

    /** Per request: whether the outcome was announced and when the first token went out. */
    private static final class Timeline {
        private final long startNanos;
        private boolean outcomeSent;
        private long firstTokenNanos = -1;

        Timeline(long startNanos) {
            this.startNanos = startNanos;
        }

        List<ServerSentEvent<String>> render(Answer answer) {
            List<ServerSentEvent<String>> events = new ArrayList<>(3);
            if (!outcomeSent && answer.outcome() != null) {
                outcomeSent = true;
                ObjectNode cache = Json.MAPPER.createObjectNode().put("outcome", answer.outcome().name());
                if (answer.outcome() == CacheOutcome.HIT) {
                    cache.put("tier", ApiHeaders.tierOf(answer));
                }
                events.add(event("cache", cache));
            }
            switch (answer.type()) {
                case STARTED -> { }
                case CHUNK -> events.add(token(answer.delta()));
                case DONE -> {
                    if (firstTokenNanos < 0 && answer.content() != null) {
                        events.add(token(answer.content()));
                    }
                    events.add(event("done", done(answer)));
                }
                case ERROR -> events.add(event("error", ErrorResponses.body(answer.error(), null)));
            }
            return events;
        }

        private ServerSentEvent<String> token(String text) {
            if (firstTokenNanos < 0) {
                firstTokenNanos = System.nanoTime();
            }
            return event("token", Json.MAPPER.createObjectNode().put("text", text));
        }

        private ObjectNode done(Answer answer) {
            ObjectNode done = Json.MAPPER.createObjectNode();
            done.put("content", answer.content());
            if (answer.extras() != null && answer.extras().toolCalls() != null) {
                done.set("toolCalls", answer.extras().toolCalls());
            }
            if (answer.extras() != null && answer.extras().refusal() != null) {
                done.put("refusal", answer.extras().refusal());
            }
            done.put("finishReason", answer.finishReason());
            // A semantic match is learnt only now (the cache event said MISS).
            CacheOutcome outcome = Answer.outcomeOf(answer, answer);
            done.put("outcome", outcome == null ? null : outcome.name());
            if (answer.isSemanticHit()) {
                done.put("similarity", answer.semantic().similarity());
                done.put("matchedKey", answer.semantic().matchedKey());
            }
            if (answer.usage() != null) {
                done.set("usage", OpenAiJson.usage(answer.usage()));
            }
            done.put("answeredAt", answer.createdAt());
            ObjectNode timings = done.putObject("timings");
            long now = System.nanoTime();
            timings.put("firstTokenMillis", (firstTokenNanos - startNanos) / 1e6);
            timings.put("totalMillis", (now - startNanos) / 1e6);
            return done;
        }
    }
}
