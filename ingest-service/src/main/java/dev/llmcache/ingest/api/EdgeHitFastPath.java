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
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Flux;
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
 * <p>Anything else goes on to WebFlux unchanged, with the body it read: a miss (marked, so that
 * WebFlux's path does not ask Redis a second time), a refused or invalid request (WebFlux's path answers it with the API's errors), another route. So this class
 * only ever answers a clean hit, and every rule of the API stays in one place. The one exception
 * is a chunked body that turns out larger than the limit: read in part, it cannot go on, and its
 * 413 is written here.
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
        return DataBufferUtils.join(request.getBody(), (int) Math.min(maxBodyBytes, Integer.MAX_VALUE))
                .map(RequestBodies::bytes)
                .defaultIfEmpty(new byte[0])
                .flatMap(body -> {
                    ParsedQuery query = parseOrNull(body, request.getHeaders(), caller);
                    if (query == null) {
                        return webFlux.handle(new ReadAhead(request, body, false), response);
                    }
                    return gateway.edgeHit(query).map(Optional::of).defaultIfEmpty(Optional.empty())
                            .flatMap(hit -> hit.isEmpty()
                                    ? webFlux.handle(new ReadAhead(request, body, true), response)
                                    : answerIfAdmitted(query, hit.get(), caller, request, body, start, response));
                })
                // A chunked body beyond the limit, read in part: it cannot go on to WebFlux, so its 413 is written here.
                .onErrorResume(DataBufferLimitException.class, tooLarge -> ErrorResponses.write(response,
                        RequestBodies.tooLarge(maxBodyBytes).error(), null));
    }

    /**
     * Whether WebFlux gets a request this path already looked up at the edge and found nothing
     * for: then it goes straight to Kafka, without asking Redis a second time.
     */
    public static boolean edgeLookedUp(ServerHttpRequest request) {
        for (ServerHttpRequest layer = request; layer instanceof ServerHttpRequestDecorator decorator;
             layer = decorator.getDelegate()) {
            if (decorator instanceof ReadAhead readAhead) {
                return readAhead.edgeLookedUp;
            }
        }
        return false;
    }

    private Mono<Void> answerIfAdmitted(ParsedQuery query, EdgeHit hit, Caller caller, ServerHttpRequest request,
                                        byte[] body, long start, ServerHttpResponse response) {
        return admitted(caller, request.getHeaders(), body).flatMap(admission -> admission.isPresent()
                ? answer(query, hit, request.getHeaders(), admission.get(), start, response)
                // Refused by a budget: WebFlux's path checks again and answers the 429.
                : webFlux.handle(new ReadAhead(request, body, false), response));
    }

    /**
     * A request this path may take: the route, a JSON body within the limit as far as its length
     * says (a chunked body has none), a head within the limit.
     */
    private boolean eligible(ServerHttpRequest request) {
        HttpHeaders headers = request.getHeaders();
        return request.getMethod() == HttpMethod.POST
                && PATH.equals(request.getPath().value())
                && headers.getContentLength() <= maxBodyBytes
                && isJson(headers.getFirst(HttpHeaders.CONTENT_TYPE))
                && HeaderSizeLimit.sizeOf(request) <= maxHeaderBytes;
    }

    /** No type (read as JSON by the API) or {@code application/json}, with parameters or without. */
    static boolean isJson(String contentType) {
        if (contentType == null) {
            return true;
        }
        String json = MediaType.APPLICATION_JSON_VALUE;
        return contentType.regionMatches(true, 0, json, 0, json.length())
                && (contentType.length() == json.length() || contentType.charAt(json.length()) == ';'
                        || contentType.charAt(json.length()) == ' ');
    }

    /** The query, or null for a body the API refuses (WebFlux's path then says why). */
    private ParsedQuery parseOrNull(byte[] body, HttpHeaders headers, Caller caller) {
        try {
            return gateway.parser().parse(body, headers, caller);
        } catch (RuntimeException refused) {
            return null;
        }
    }

    /** The request's admission, or none if a budget refused it (a refusal has taken nothing). */
    private Mono<Optional<Admission>> admitted(Caller caller, HttpHeaders headers, byte[] body) {
        return access.admit(caller, headers).flatMap(admission -> !admission.granted()
                ? Mono.just(Optional.<Admission>empty())
                : admission.takeTokens(QueryGateway.estimatedTokens(body))
                        .thenReturn(Optional.of(admission))
                        .onErrorResume(ApiException.class, tokensRefused -> Mono.just(Optional.empty())));
    }

    private Mono<Void> answer(ParsedQuery query, EdgeHit hit, HttpHeaders requestHeaders, Admission admission,
                              long start, ServerHttpResponse response) {
        QueryGateway.Submitted submitted = gateway.answerHit(query, hit, requestHeaders, admission, start);
        return submitted.answers().next().flatMap(answer -> {
            byte[] body = query.stream() ? eventStream(query, answer) : completion(query, answer);
            response.setStatusCode(HttpStatus.OK);
            HttpHeaders headers = response.getHeaders();
            ChatCompletionsHandler.writeHeaders(headers::set, query, answer.outcome().name(), answer, answer);
            admission.writeHeaders(headers, HttpStatus.OK.value());
            headers.setContentType(query.stream() ? EVENT_STREAM : MediaType.APPLICATION_JSON);
            headers.setContentLength(body.length);
            return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
        }).doOnCancel(submitted.cancel());
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

    /** The request as WebFlux will read it: the body this path already read, from memory. */
    private static final class ReadAhead extends ServerHttpRequestDecorator {

        private final byte[] body;
        private final boolean edgeLookedUp;

        ReadAhead(ServerHttpRequest request, byte[] body, boolean edgeLookedUp) {
            super(request);
            this.body = body;
            this.edgeLookedUp = edgeLookedUp;
        }

        @Override
        public Flux<DataBuffer> getBody() {
            return Flux.defer(() -> Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(body)));
        }
    }
}
