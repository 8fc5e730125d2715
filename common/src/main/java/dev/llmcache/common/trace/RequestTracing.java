package dev.llmcache.common.trace;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.MDC;

/**
 * Carries a request's identity across every Kafka hop: the {@code X-Request-ID} header and the
 * W3C trace context ({@code traceparent}) of Micrometer Tracing. Also puts both into the logging
 * context (MDC keys {@code requestId}, {@code traceId}, {@code spanId}) so that every log line
 * about the request names it.
 */
public final class RequestTracing {

    public static final String REQUEST_ID_HEADER = "X-Request-ID";
    public static final String MDC_REQUEST_ID = "requestId";

    private final Tracer tracer;
    private final Propagator propagator;

    public RequestTracing(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /** Tracing that propagates only the request id (no trace context). */
    public static RequestTracing requestIdOnly() {
        return new RequestTracing(Tracer.NOOP, Propagator.NOOP);
    }

    /**
     * Starts a span for {@code name}, continuing the trace found by {@code getter} in {@code carrier}
     * (e.g. incoming HTTP or Kafka headers), or a new trace.
     */
    public <C> Span startSpan(String name, C carrier, Function<String, String> getter) {
        return propagator.extract(carrier, (c, key) -> getter.apply(key)).name(name).start();
    }

    /** Writes the request id and the span's trace context into outgoing Kafka headers. */
    public void inject(Span span, String requestId, Headers headers) {
        setRequestId(headers, requestId);
        if (span != null && !span.isNoop()) {
            propagator.inject(span.context(), headers, (carrier, key, value) -> {
                carrier.remove(key);
                carrier.add(key, value.getBytes(StandardCharsets.UTF_8));
            });
        }
    }

    public static void setRequestId(Headers headers, String requestId) {
        headers.remove(REQUEST_ID_HEADER);
        headers.add(REQUEST_ID_HEADER, requestId.getBytes(StandardCharsets.UTF_8));
    }

    /** The value of a Kafka header, or null. */
    public static String header(Headers headers, String key) {
        Header header = headers == null ? null : headers.lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Puts the request id and the span's ids into the logging context until closed. */
    public static LogContext logContext(String requestId, Span span) {
        MDC.put(MDC_REQUEST_ID, requestId);
        if (span != null && !span.isNoop()) {
            MDC.put("traceId", span.context().traceId());
            MDC.put("spanId", span.context().spanId());
        }
        return new LogContext();
    }

    /** Clears what {@link #logContext} put. */
    public static final class LogContext implements AutoCloseable {
        @Override
        public void close() {
            MDC.remove(MDC_REQUEST_ID);
            MDC.remove("traceId");
            MDC.remove("spanId");
        }
    }
}
