package dev.llmcache.cache.dashboard;

import dev.llmcache.common.event.MetricsAggregate;
import dev.llmcache.common.serde.Json;
import java.time.Duration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code GET /dashboard} (the page) and {@code GET /dashboard/stream} (its live updates over SSE). */
public final class DashboardHandler {

    private static final ClassPathResource PAGE = new ClassPathResource("dashboard/index.html");

    private final AggregatesFeed feed;

    public DashboardHandler(AggregatesFeed feed) {
        this.feed = feed;
    }

    public Mono<ServerResponse> page(ServerRequest request) {
        return ServerResponse.ok().contentType(MediaType.TEXT_HTML).bodyValue(PAGE);
    }

    /** Updates of the all-traffic windows; a comment every 15 s keeps proxies from closing the stream. */
    public Mono<ServerResponse> stream(ServerRequest request) {
        Flux<ServerSentEvent<String>> updates = feed.updates()
                .filter(aggregate -> "all".equals(aggregate.dimension()))
                .map(DashboardHandler::event);
        Flux<ServerSentEvent<String>> heartbeats = Flux.interval(Duration.ofSeconds(15))
                .map(tick -> ServerSentEvent.<String>builder().comment("keep-alive").build());
        return ServerResponse.ok().contentType(MediaType.TEXT_EVENT_STREAM)
                .body(BodyInserters.fromServerSentEvents(Flux.merge(updates, heartbeats)));
    }

    private static ServerSentEvent<String> event(MetricsAggregate aggregate) {
        return ServerSentEvent.builder(Json.MAPPER.writeValueAsString(aggregate)).event("aggregate").build();
    }
}
