package dev.llmcache.ingest.api;

import dev.llmcache.common.event.ErrorInfo;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

/**
 * Refuses requests whose headers together exceed a limit with 431 in the OpenAI error shape,
 * before any handler reads them. (The HTTP server's own, larger limit refuses bigger heads with a
 * bare 431.)
 */
public final class HeaderSizeLimit implements WebFilter, Ordered {

    private final long maxBytes;

    public HeaderSizeLimit(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (sizeOf(exchange.getRequest()) <= maxBytes) {
            return chain.filter(exchange);
        }
        return ErrorResponses.write(exchange.getResponse(), new ErrorInfo(431, "invalid_request_error",
                "headers_too_large", "The request headers are larger than " + maxBytes + " bytes together"), null);
    }

    /** The head's size as sent ({@code name: value\r\n} per line), without copying its headers. */
    static long sizeOf(ServerHttpRequest request) {
        long size = 0;
        // Spring's view of the headers copies them into new collections on every read; Netty's does not.
        if (nativeRequest(request) instanceof HttpServerRequest netty) {
            for (Iterator<Map.Entry<CharSequence, CharSequence>> headers = netty.requestHeaders().iteratorCharSequence();
                 headers.hasNext(); ) {
                Map.Entry<CharSequence, CharSequence> header = headers.next();
                size += header.getKey().length() + header.getValue().length() + 4;
            }
            return size;
        }
        for (Map.Entry<String, List<String>> header : request.getHeaders().headerSet()) {
            for (String value : header.getValue()) {
                size += header.getKey().length() + value.length() + 4;
            }
        }
        return size;
    }

    /** The server's own request, or null where there is none (a request built in a test). */
    private static Object nativeRequest(ServerHttpRequest request) {
        try {
            return ServerHttpRequestDecorator.getNativeRequest(request);
        } catch (IllegalArgumentException | IllegalStateException notNative) {
            return null;
        }
    }

    /** Before everything else: nothing should read a head this large. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
