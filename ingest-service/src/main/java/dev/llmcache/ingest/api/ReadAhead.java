package dev.llmcache.ingest.api;

import dev.llmcache.ingest.auth.Caller;
import dev.llmcache.ingest.limits.Admission;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import reactor.core.publisher.Flux;

/**
 * A chat request {@link EdgeHitFastPath} began and handed on to WebFlux, with what it already did,
 * so that WebFlux's path does none of it twice: who called and the budget's answer (the access
 * filter takes them as they are), the body it read, the query it parsed and looked up at the edge
 * in vain (the gateway sends it straight to Kafka), and when the request arrived.
 */
public final class ReadAhead extends ServerHttpRequestDecorator {

    private final long startNanos;
    private final Caller caller;
    private final Admission admission;
    private final byte[] body;
    private final ParsedQuery query;

    private ReadAhead(ServerHttpRequest request, long startNanos, Caller caller, Admission admission, byte[] body,
                      ParsedQuery query) {
        super(request);
        this.startNanos = startNanos;
        this.caller = caller;
        this.admission = admission;
        this.body = body;
        this.query = query;
    }

    /** Refused by its budget before its body was read. */
    static ReadAhead refused(ServerHttpRequest request, long startNanos, Caller caller, Admission admission) {
        return new ReadAhead(request, startNanos, caller, admission, null, null);
    }

    /** Admitted and read, but not a valid query: WebFlux's path says why. */
    static ReadAhead unparsed(ServerHttpRequest request, long startNanos, Caller caller, Admission admission,
                              byte[] body) {
        return new ReadAhead(request, startNanos, caller, admission, body, null);
    }

    /** A valid query no edge tier had. */
    static ReadAhead missed(ServerHttpRequest request, long startNanos, Caller caller, Admission admission,
                            byte[] body, ParsedQuery query) {
        return new ReadAhead(request, startNanos, caller, admission, body, query);
    }

    /** The fast path's part of {@code request} (as WebFlux's exchange holds it), or null if it had none. */
    public static ReadAhead of(ServerHttpRequest request) {
        for (ServerHttpRequest layer = request; layer instanceof ServerHttpRequestDecorator decorator;
             layer = decorator.getDelegate()) {
            if (decorator instanceof ReadAhead readAhead) {
                return readAhead;
            }
        }
        return null;
    }

    /** When the request arrived ({@link System#nanoTime()}), before the fast path read anything. */
    public long startNanos() {
        return startNanos;
    }

    public Caller caller() {
        return caller;
    }

    /** The budget's answer for the request: granted or refused, taken once. */
    public Admission admission() {
        return admission;
    }

    /** The query the edge tiers did not have, or null if it was not parsed. */
    public ParsedQuery query() {
        return query;
    }

    /** The body read, or null if it was not. */
    byte[] bodyBytes() {
        return body;
    }

    @Override
    public Flux<DataBuffer> getBody() {
        return body == null ? super.getBody()
                : Flux.defer(() -> Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(body)));
    }
}
