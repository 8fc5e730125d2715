package dev.llmcache.ingest.api;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.serde.Json;
import dev.llmcache.ingest.auth.ApiAccessFilter;
import dev.llmcache.ingest.auth.Caller;
import dev.llmcache.ingest.edge.EdgeHit;
import dev.llmcache.ingest.limits.Admission;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Mono;

/**
 * Answers {@code POST /v1/chat/completions} from the edge tiers (memory, then Redis) before
 * WebFlux dispatches it.
 *
 * <p>An edge hit is the product's cheapest answer, yet through WebFlux it paid for the exchange,
 * the {@code http.server.requests} observation and its span, the router, the filter chain and the
 * response codecs: several times the work of the hit itself, and on two cores the JIT compiler
 * never caught up with all that hot code. Here the request is authenticated, parsed and looked up
 * with the same classes the API uses ({@link ApiAccessFilter}, {@link ChatRequestParser},
 * {@link QueryGateway}), and a hit is written straight onto the response with the same headers,
 * body, budget and telemetry (one cache event, one latency metric, the {@code llmcache.query} span).
 *
 * <p>Anything else goes on to WebFlux, with what this path already did ({@link ReadAhead}: the
 * caller, the budget's answer, the body, the query looked up in vain), so that nothing is done
 * twice: a miss, a request its budget refused or the API refuses (WebFlux's path answers it with
 * the API's errors), another route. Two errors are written here because they cannot go on: a
 * chunked body that turns out larger than the limit (read in part), and a hit refused by the
 * token budget (which gave the request back already).
 *
 * <p>What a hit here does not get: WebFlux's {@code http.server.requests} metric and its server
 * span. Its {@code llmcache_request_duration} and {@code llmcache.query} span are the same.
 */
public final class EdgeHitFastPath implements HttpHandler {

    private static final String PATH = "/v1/chat/completions";
    private static final MediaType EVENT_STREAM = new MediaType("text", "event-stream", StandardCharsets.UTF_8);
    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private final HttpHandler webFlux;
    private final QueryGateway gateway;
    private final ApiAccessFilter access;
    private final long maxBodyBytes;
    private final long maxHeaderBytes;

    /**
     * @param webFlux        the application's handler: everything this one does not answer goes there
     * @param maxBodyBytes   the API's body limit; larger requests are left to WebFlux (413)
     * @param maxHeaderBytes the API's header limit; larger heads are left to WebFlux (431)
     */
    public EdgeHitFastPath(HttpHandler webFlux, QueryGateway gateway, ApiAccessFilter access, long maxBodyBytes,
                             long maxHeaderBytes) {
        this.webFlux = webFlux;
        this.gateway = gateway;
        this.access = access;
        this.maxBodyBytes = maxBodyBytes;
        this.maxHeaderBytes = maxHeaderBytes;
    }

    @Override
    public Mono<Void> handle(ServerHttpRequest request, ServerHttpResponse response) {
        if (!gateway.hasEdge() || !eligible(request)) {
            return webFlux.handle(request, response);
        }
        long start = System.nanoTime();
        Caller caller;
        try {
            caller = access.authenticate(request.getHeaders());
        } catch (ApiException unauthorized) {
            return webFlux.handle(request, response);
        }
        // The budget first, as the access filter does: a refused request's body is never read.
        return access.admit(caller, request.getHeaders())
                .flatMap(admission -> admission.granted()
                        ? readAndAnswer(request, response, start, caller, admission)
                        : webFlux.handle(ReadAhead.refused(request, start, caller, admission), response))
                .onErrorResume(error -> response.isCommitted() ? Mono.error(error)
                        : ApiErrorHandler.write(response, error, request.getPath()));
    }

    private Mono<Void> readAndAnswer(ServerHttpRequest request, ServerHttpResponse response, long start,
                                     Caller caller, Admission admission) {
        // Live traffic from here on, as on WebFlux's path once it reads the body (counted once: see ReadAhead).
        gateway.countLive();
        return DataBufferUtils.join(request.getBody(), (int) Math.min(maxBodyBytes, Integer.MAX_VALUE))
                .map(RequestBodies::bytes)
                .defaultIfEmpty(new byte[0])
                .map(Optional::of)
                // A chunked body beyond the limit, read in part: it cannot go on to WebFlux.
                .onErrorResume(DataBufferLimitException.class, tooLarge -> Mono.just(Optional.empty()))
                .flatMap(read -> {
                    if (read.isEmpty()) {
                        return writeError(response, RequestBodies.tooLarge(maxBodyBytes), admission);
                    }
                    byte[] body = read.get();
                    ParsedQuery query = parseOrNull(body, request.getHeaders(), caller);
                    if (query == null) {
                        return webFlux.handle(ReadAhead.unparsed(request, start, caller, admission, body), response);
                    }
                    return gateway.edgeHit(query).map(Optional::of).defaultIfEmpty(Optional.empty())
                            .flatMap(hit -> hit.isEmpty()
                                    ? webFlux.handle(ReadAhead.missed(request, start, caller, admission, body, query),
                                            response)
                                    : answer(query, hit.get(), body, request.getHeaders(), admission, start, response));
                })
                .onErrorResume(error -> {
                    if (response.isCommitted()) {
                        return Mono.error(error);
                    }
                    admission.writeHeadersOn(response);
                    return ApiErrorHandler.write(response, error, request.getPath());
                });
    }

    /**
     * A request this path may take: the route, a JSON body within the limit as far as its length
     * says (a chunked body has none), a head within the limit.
     */
    private boolean eligible(ServerHttpRequest request) {
        HttpHeaders headers = request.getHeaders();
        return request.getMethod() == HttpMethod.POST
                && PATH.equals(request.getPath().pathWithinApplication().value())
                && headers.getContentLength() <= maxBodyBytes
                && isJson(headers.getFirst(HttpHeaders.CONTENT_TYPE))
                && HeaderSizeLimit.sizeOf(request) <= maxHeaderBytes;
    }

    /** No type (read as JSON by the API) or one the API reads as JSON: {@code application/json}, with parameters. */
    static boolean isJson(String contentType) {
        if (contentType == null) {
            return true;
        }
        try {
            return MediaType.APPLICATION_JSON.isCompatibleWith(MediaType.parseMediaType(contentType));
        } catch (InvalidMediaTypeException invalid) {
            return false;
        }
    }

    /** The query, or null for a body the API refuses (WebFlux's path then says why). */
    private ParsedQuery parseOrNull(byte[] body, HttpHeaders headers, Caller caller) {
        try {
            return gateway.parser().parse(body, headers, caller);
        } catch (RuntimeException refused) {
            return null;
        }
    }

    private Mono<Void> answer(ParsedQuery query, EdgeHit hit, byte[] body, HttpHeaders requestHeaders,
                              Admission admission, long start, ServerHttpResponse response) {
        return admission.takeTokens(QueryGateway.estimatedTokens(body))
                .then(Mono.defer(() -> writeHit(query, hit, requestHeaders, admission, start, response)))
                // Refused by the token budget, which gave the request back: the 429 WebFlux's path would send.
                .onErrorResume(ApiException.class, refused -> writeError(response, refused, admission));
    }

    private Mono<Void> writeHit(ParsedQuery query, EdgeHit hit, HttpHeaders requestHeaders, Admission admission,
                                long start, ServerHttpResponse response) {
        QueryGateway.Submitted submitted = gateway.answerFromEdge(query, hit, start, requestHeaders, admission);
        return submitted.answers().next().flatMap(answer -> {
            byte[] body = query.stream() ? eventStream(query, answer) : completion(query, answer);
            response.setStatusCode(HttpStatus.OK);
            HttpHeaders headers = response.getHeaders();
            ChatCompletionsHandler.writeHeaders(headers::set, query, answer.outcome().name(), answer, answer);
            admission.writeHeadersOn(response);
            headers.setContentType(query.stream() ? EVENT_STREAM : MediaType.APPLICATION_JSON);
            headers.setContentLength(body.length);
            return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
        }).doOnCancel(submitted.cancel());
    }

    /** An error of an admitted request, with its budget headers as the access filter adds them. */
    private static Mono<Void> writeError(ServerHttpResponse response, ApiException error, Admission admission) {
        admission.writeHeadersOn(response);
        return ErrorResponses.write(response, error.error(), error.param());
    }

    private static byte[] completion(ParsedQuery query, Answer done) {
        return Json.MAPPER.writeValueAsBytes(OpenAiJson.completion(query, done));
    }

    /** The answer's server-sent events, encoded as WebFlux encodes them ({@code data:} and the data). */
    static byte[] eventStream(ParsedQuery query, Answer done) {
        return encode(new OpenAiStreamFormat(query).render(done));
    }

    static byte[] encode(List<ServerSentEvent<String>> events) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(1024);
        for (ServerSentEvent<String> event : events) {
            out.writeBytes(DATA);
            // A data line break starts another data line (the stream format renders none: JSON escapes them).
            out.writeBytes(event.data().replace("\n", "\ndata:").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(EVENT_END);
        }
        return out.toByteArray();
    }
}
