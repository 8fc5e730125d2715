package dev.llmcache.ingest.api;

import dev.llmcache.common.event.ErrorInfo;
import java.util.List;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

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
        long size = 0;
        for (Map.Entry<String, List<String>> header : exchange.getRequest().getHeaders().headerSet()) {
            for (String value : header.getValue()) {
                size += header.getKey().length() + value.length() + 4;
            }
        }
        if (size <= maxBytes) {
            return chain.filter(exchange);
        }
        return ErrorResponses.write(exchange.getResponse(), new ErrorInfo(431, "invalid_request_error",
                "headers_too_large", "The request headers are larger than " + maxBytes + " bytes together"), null);
    }

    /** Before everything else: nothing should read a head this large. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
