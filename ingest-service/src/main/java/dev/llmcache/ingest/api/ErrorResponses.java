package dev.llmcache.ingest.api;

import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.serde.Json;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/** Renders errors in the OpenAI shape: {@code {"error":{"message","type","param","code"}}}. */
public final class ErrorResponses {

    /** Seconds a client should wait before retrying a 503 or 429. */
    static final String RETRY_AFTER_SECONDS = "1";

    private ErrorResponses() {
    }

    public static ObjectNode body(ErrorInfo error, String param) {
        return error.toBody(param);
    }

    public static String json(ErrorInfo error, String param) {
        return Json.MAPPER.writeValueAsString(error.toBody(param));
    }

    public static Mono<ServerResponse> of(ErrorInfo error, String param, String cacheOutcome) {
        ServerResponse.BodyBuilder response = ServerResponse.status(error.status())
                .contentType(MediaType.APPLICATION_JSON);
        if (retries(error)) {
            response.header("Retry-After", RETRY_AFTER_SECONDS);
        }
        if (cacheOutcome != null) {
            response.header(ApiHeaders.CACHE, cacheOutcome);
        }
        return response.bodyValue(json(error, param));
    }

    /** Writes the error straight onto a response, for code that runs before or outside the handlers. */
    public static Mono<Void> write(org.springframework.http.server.reactive.ServerHttpResponse response,
                                   ErrorInfo error, String param) {
        response.setRawStatusCode(error.status());
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        if (retries(error)) {
            response.getHeaders().set("Retry-After", RETRY_AFTER_SECONDS);
        }
        byte[] body = json(error, param).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }

    /** Whether a client should retry the request later (overload, rate limits): then it says when. */
    private static boolean retries(ErrorInfo error) {
        return error.status() == 503 || error.status() == 429;
    }

    public static Mono<ServerResponse> of(ApiException e) {
        return of(e.error(), e.param(), null);
    }
}
