package dev.llmcache.ingest.api;

import dev.llmcache.common.event.ErrorInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.RequestPath;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Errors that escape the handlers (unknown route, wrong method, anything unexpected) in the same
 * OpenAI error shape as the API's own errors. Ordered before Spring Boot's default handler.
 */
@Order(-2)
public final class ApiErrorHandler implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(error);
        }
        return write(response, error, exchange.getRequest().getPath());
    }

    /** Writes {@code error} onto a response not yet committed, in the API's error shape. */
    static Mono<Void> write(ServerHttpResponse response, Throwable error, RequestPath path) {
        ErrorInfo info;
        String param = null;
        if (error instanceof ApiException api) {
            info = api.error();
            param = api.param();
        } else if (error instanceof ResponseStatusException status) {
            int code = status.getStatusCode().value();
            HttpStatus known = HttpStatus.resolve(code);
            info = new ErrorInfo(code, code >= 500 ? "server_error" : "invalid_request_error",
                    known == null ? "http_" + code : known.name().toLowerCase(),
                    status.getReason() != null ? status.getReason() : (known == null ? "HTTP " + code : known.getReasonPhrase()));
        } else {
            log.error("Unexpected error on {}", path, error);
            info = new ErrorInfo(500, "server_error", "internal_error", "Internal error");
        }
        return ErrorResponses.write(response, info, param);
    }
}
