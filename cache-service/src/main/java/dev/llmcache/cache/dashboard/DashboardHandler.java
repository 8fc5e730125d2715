package dev.llmcache.cache.dashboard;

import dev.llmcache.common.event.MetricsAggregate;
import dev.llmcache.common.serde.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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

    private final AggregatesFeed feed;
    /** Read once at start-up: serving it never touches the jar from an event loop. */
    private final String page;

    public DashboardHandler(AggregatesFeed feed) {
        this.feed = feed;
        try (var in = new ClassPathResource("dashboard/index.html").getInputStream()) {
            this.page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("The dashboard page is missing from the jar", e);
        }
    }

    public Mono<ServerResponse> page(ServerRequest request) {
        return ServerResponse.ok().contentType(MediaType.TEXT_HTML).bodyValue(page);
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
