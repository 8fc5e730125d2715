package dev.llmcache.processor.topology;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.event.ReplyRoute;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Sends answers to waiting requests through the answers sink. */
final class Replies {

    private final ProcessorContext<String, Object> context;

    Replies(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    void send(ReplyRoute route, Answer answer) {
        context.forward(new Record<>(answer.requestId(), new RoutedAnswer(route, answer),
                context.currentSystemTimeMs()), QueryTopology.ANSWERS_SINK);
    }

    void sendChunk(Waiter waiter, String cacheKey, String model, String delta) {
        send(waiter.replyTo(), Answer.chunk(waiter.requestId(), cacheKey, waiter.outcome(), model, delta));
    }

    void sendError(Waiter waiter, String cacheKey, String model, ErrorInfo error) {
        send(waiter.replyTo(), Answer.error(waiter.requestId(), cacheKey, waiter.outcome(), model, error));
    }
}
