package dev.llmcache.processor.topology;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.event.ReplyRoute;
import dev.llmcache.common.trace.RequestTracing;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Sends answers to waiting requests through the answers sink. Each answer carries the trace
 * headers of the record that caused it (the query, or the LLM response of the shared call) and
 * the {@code X-Request-ID} of the request it is for.
 */
final class Replies {

    private final ProcessorContext<String, Object> context;

    Replies(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    /** @param cause headers of the input record this answer responds to; null in a punctuation */
    void send(ReplyRoute route, Answer answer, Headers cause) {
        Headers headers = cause == null ? new RecordHeaders() : new RecordHeaders(cause.toArray());
        RequestTracing.setRequestId(headers, answer.requestId());
        context.forward(new Record<>(answer.requestId(), new RoutedAnswer(route, answer),
                context.currentSystemTimeMs(), headers), QueryTopology.ANSWERS_SINK);
    }

    void sendChunk(Waiter waiter, String cacheKey, String model, String delta, Headers cause) {
        send(waiter.replyTo(), Answer.chunk(waiter.requestId(), cacheKey, waiter.outcome(), model, delta), cause);
    }

    void sendError(Waiter waiter, String cacheKey, String model, ErrorInfo error, Headers cause) {
        send(waiter.replyTo(), Answer.error(waiter.requestId(), cacheKey, waiter.outcome(), model, error), cause);
    }
}
