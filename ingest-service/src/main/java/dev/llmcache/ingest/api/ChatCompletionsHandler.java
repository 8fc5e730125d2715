package dev.llmcache.ingest.api;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheOutcome;
import dev.llmcache.common.serde.Json;
import dev.llmcache.common.trace.RequestTracing;
import java.util.function.BiConsumer;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code POST /v1/chat/completions}, OpenAI-compatible. The response status and headers wait for
 * the first content (or the error), so that an upstream failure before any token is a real HTTP
 * error and {@code X-Cache} tells the outcome.
 */
public final class ChatCompletionsHandler {

    private final QueryGateway gateway;

    public ChatCompletionsHandler(QueryGateway gateway) {
        this.gateway = gateway;
    }

    public Mono<ServerResponse> handle(ServerRequest request) {
        return gateway.handle(request, this::respond);
    }

    /**
     * The headers of an answer that has begun: its request id, cache outcome and key, the tier of a
     * hit, the match of a semantic hit.
     *
     * @param first the first answer with an outcome (null if none came)
     * @param head  the first answer with content
     */
    static void writeHeaders(BiConsumer<String, String> header, ParsedQuery query, String outcome, Answer first,
                             Answer head) {
        header.accept(RequestTracing.REQUEST_ID_HEADER, query.requestId());
        header.accept(ApiHeaders.CACHE, outcome);
        header.accept(ApiHeaders.CACHE_KEY, query.cacheKey());
        if (first != null && first.outcome() == CacheOutcome.HIT) {
            header.accept(ApiHeaders.CACHE_TIER, ApiHeaders.tierOf(first));
        }
        if (head.isSemanticHit()) {
            header.accept(ApiHeaders.CACHE_SIMILARITY, ApiHeaders.similarity(head.semantic()));
            header.accept(ApiHeaders.CACHE_MATCHED_KEY, head.semantic().matchedKey());
        }
    }

    private Mono<ServerResponse> respond(QueryGateway.Submitted submitted) {
        ParsedQuery query = submitted.query();
        Flux<Answer> content = submitted.answers().filter(a -> a.type() != Answer.Type.STARTED);
        return content.next().zipWith(submitted.decided()).flatMap(headAndDecided -> {
            Answer head = headAndDecided.getT1();
            Answer first = headAndDecided.getT2().orElse(null);
            // A semantic match comes whole, in the first record: known when the headers go out.
            CacheOutcome decidedOutcome = Answer.outcomeOf(first, head);
            String outcome = decidedOutcome == null ? null : decidedOutcome.name();
            if (head.type() == Answer.Type.ERROR) {
                return ErrorResponses.of(head.error(), null, outcome);
            }
            ServerResponse.BodyBuilder ok = ServerResponse.ok();
            writeHeaders(ok::header, query, outcome, first, head);
            if (query.stream()) {
                OpenAiStreamFormat format = new OpenAiStreamFormat(query);
                Flux<ServerSentEvent<String>> events = content
                        .concatMapIterable(format::render)
                        .doOnCancel(submitted.cancel());
                return ok.contentType(MediaType.TEXT_EVENT_STREAM).body(BodyInserters.fromServerSentEvents(events));
            }
            return content.filter(Answer::isTerminal).next().flatMap(last -> last.type() == Answer.Type.ERROR
                    ? ErrorResponses.of(last.error(), null, outcome)
                    : ok.contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(Json.MAPPER.writeValueAsString(OpenAiJson.completion(query, last))));
        }).doOnCancel(submitted.cancel());
    }
}
