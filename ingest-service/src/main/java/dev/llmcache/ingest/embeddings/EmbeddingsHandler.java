package dev.llmcache.ingest.embeddings;

import dev.llmcache.common.embedding.Vectors;
import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheOutcome;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.serde.Json;
import dev.llmcache.common.trace.RequestTracing;
import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.api.ApiHeaders;
import dev.llmcache.ingest.api.ErrorResponses;
import dev.llmcache.ingest.api.QueryGateway;
import dev.llmcache.ingest.auth.ApiAccessFilter;
import dev.llmcache.ingest.auth.Caller;
import dev.llmcache.ingest.limits.Admission;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.Executor;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/embeddings}, OpenAI-compatible. Each input is a query of its own through the
 * same pipeline as chat: its own cache key, the edge tiers, coalescing with identical inputs in
 * flight, and a cache event. Only the inputs not cached go upstream, gathered into one call by the
 * worker; the answer lists the vectors in the client's order. {@code X-Cache} is {@code HIT} when
 * every input was cached, {@code MISS} when none was, {@code PARTIAL} otherwise.
 */
public final class EmbeddingsHandler {

    /** Inputs of one request in the pipeline at once (each holds a slot among the requests in flight). */
    private static final int INPUTS_AT_ONCE = 256;

    /** One input's outcome: its final answer and whether it came from the cache. */
    private record ItemAnswer(Answer last, boolean hit) {
    }

    private final QueryGateway gateway;
    private final EmbeddingsRequestParser parser;

    public EmbeddingsHandler(QueryGateway gateway, EmbeddingsRequestParser parser) {
        this.gateway = gateway;
        this.parser = parser;
    }

    public Mono<ServerResponse> handle(ServerRequest request) {
        long start = System.nanoTime();
        Caller caller = ApiAccessFilter.callerOf(request);
        Admission admission = ApiAccessFilter.admissionOf(request);
        HttpHeaders headers = request.headers().asHttpHeaders();
        Executor deliverOn = QueryGateway.eventLoopOf(request);
        return gateway.readLiveBody(request)
                .map(body -> parser.parse(body, headers, caller))
                .flatMap(parsed -> gateway.holdingRequestId(parsed.scope().requestId(),
                        admission.takeTokens(parsed.estimatedTokens())
                                .then(Mono.defer(() -> run(parsed, headers, admission, deliverOn, start)))))
                .onErrorResume(ApiException.class, ErrorResponses::of);
    }

    private Mono<ServerResponse> run(EmbeddingsRequest request, HttpHeaders headers, Admission admission,
                                     Executor deliverOn, long start) {
        // The request's budget is taken and settled once, for all its inputs together.
        AtomicBoolean submitted = new AtomicBoolean();
        return Flux.range(0, request.items().size())
                .flatMapSequential(index -> answer(request, index, headers, deliverOn, start, submitted), INPUTS_AT_ONCE)
                .collectList()
                .flatMap(answers -> respond(request, answers, admission))
                .doOnError(error -> {
                    if (submitted.get()) {
                        admission.settle(false, -1); // inputs may have gone upstream: the estimate stands
                    } else {
                        admission.refund();
                    }
                });
    }

    private Mono<ItemAnswer> answer(EmbeddingsRequest request, int index, HttpHeaders headers, Executor deliverOn,
                                    long start, AtomicBoolean submitted) {
        return gateway.submit(request.query(index), headers, Admission.unlimited(), deliverOn, start)
                .doOnNext(accepted -> submitted.set(true))
                .flatMap(accepted -> accepted.answers().collectList()
                        .map(answers -> new ItemAnswer(answers.get(answers.size() - 1), answers.stream()
                                .anyMatch(a -> a.outcome() == CacheOutcome.HIT)))
                        .doOnCancel(accepted.cancel()));
    }

    private Mono<ServerResponse> respond(EmbeddingsRequest request, List<ItemAnswer> answers, Admission admission) {
        long tokens = 0;
        int hits = 0;
        for (int i = 0; i < answers.size(); i++) {
            Answer last = answers.get(i).last();
            if (last.type() != Answer.Type.DONE) {
                admission.settle(false, -1);
                return ErrorResponses.of(last.error(), null, null);
            }
            if (!"stop".equals(last.finishReason())) {
                // Cut off (larger than the worker's max-answer-size): never a partial vector.
                admission.settle(false, -1);
                return ErrorResponses.of(ErrorInfo.upstream("The vector of input " + i
                        + " is larger than the product passes on (llmcache.processor.worker.max-answer-size)"), null, null);
            }
            tokens += last.usage() == null ? 0 : last.usage().promptTokens();
            hits += answers.get(i).hit() ? 1 : 0;
        }
        admission.settle(hits == answers.size(), tokens);
        String outcome = hits == answers.size() ? "HIT" : hits == 0 ? "MISS" : "PARTIAL";
        return ServerResponse.ok()
                .header(RequestTracing.REQUEST_ID_HEADER, request.scope().requestId())
                .header(ApiHeaders.CACHE, outcome)
                .header(ApiHeaders.CACHE_HITS, hits + "/" + answers.size())
                .contentType(MediaType.APPLICATION_JSON)
                .body(body(request, answers, tokens), String.class);
    }

    /**
     * The answer written one vector at a time, as the connection takes it: 2,048 vectors of 3,072
     * floats are ~75 MB of JSON, never held whole.
     */
    private static Flux<String> body(EmbeddingsRequest request, List<ItemAnswer> answers, long tokens) {
        ObjectNode tail = Json.MAPPER.createObjectNode().put("model", request.model());
        tail.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        String tailJson = Json.MAPPER.writeValueAsString(tail);
        return Flux.concat(
                Flux.just("{\"object\":\"list\",\"data\":["),
                Flux.range(0, answers.size()).map(i -> (i == 0 ? "" : ",")
                        + item(i, answers.get(i).last().content(), request.base64())),
                // The model and usage after the data: the tail object without its opening brace.
                Flux.just("]," + tailJson.substring(1)));
    }

    private static String item(int index, String vector, boolean base64) {
        ObjectNode item = Json.MAPPER.createObjectNode().put("object", "embedding").put("index", index);
        if (base64) {
            item.put("embedding", vector);
        } else {
            ArrayNode values = item.putArray("embedding");
            for (float value : Vectors.fromBase64(vector)) {
                values.add(value);
            }
        }
        return Json.MAPPER.writeValueAsString(item);
    }
}
