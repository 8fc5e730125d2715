package dev.llmcache.processor.topology;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.event.LlmResponse;
import dev.llmcache.common.event.ReplyRoute;
import dev.llmcache.common.trace.RequestTracing;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Sends answers to waiting requests through the answers sink. Each answer carries the trace
 * headers of the record that caused it (the query, or the LLM response of the shared call) and
 * the client's {@code X-Request-ID} of the request it is for (correlation only: answers are
 * addressed by the reply id in the record).
 */
final class Replies {

    /** Request ids in one shared chunk: 36 bytes each, about 10 KB per record besides the text. */
    static final int MAX_RECIPIENTS = 256;

    private final ProcessorContext<String, Object> context;

    Replies(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    /**
     * @param cause           headers of the input record this answer responds to; null in a punctuation
     * @param clientRequestId the client's id of the one request the answer is for; null if shared
     */
    void send(ReplyRoute route, Answer answer, Headers cause, String clientRequestId) {
        Headers headers = cause == null ? new RecordHeaders() : new RecordHeaders(cause.toArray());
        headers.remove(RequestTracing.REQUEST_ID_HEADER);
        if (clientRequestId != null) {
            RequestTracing.setRequestId(headers, clientRequestId);
        }
        String key = answer.requestId() != null ? answer.requestId() : answer.cacheKey();
        context.forward(new Record<>(key, new RoutedAnswer(route, answer), context.currentSystemTimeMs(), headers),
                QueryTopology.ANSWERS_SINK);
    }

    /**
     * The same tokens for every waiter: one record per reply route (or per {@link #MAX_RECIPIENTS}
     * waiters of a route), not one per waiter.
     *
     * @param at where {@code delta} starts in the answer's text
     */
    void sendChunk(List<Waiter> waiters, String cacheKey, String model, String delta, int at, Headers cause) {
        fanOut(waiters, cause,
                waiter -> Answer.chunk(waiter.requestId(), cacheKey, waiter.outcome(), model, delta, at),
                ids -> Answer.sharedChunk(ids, cacheKey, model, delta, at));
    }

    /**
     * The complete answer for every waiter, shared like the chunks: a storm's fan-out stays small.
     * A semantic match says so to every waiter ({@link Answer#semantic()}).
     */
    void sendDone(List<Waiter> waiters, String cacheKey, String model, LlmResponse done, String content, long now,
                  Headers cause) {
        // A semantic match called no LLM: it saved what the matched entry's call took, and dates from it.
        Answer.Timings timings = done.isSemanticHit()
                ? new Answer.Timings(null, null, null, done.durationMillis())
                : new Answer.Timings(null, done.firstTokenMillis(), done.durationMillis(), null);
        long createdAt = done.isSemanticHit() ? done.match().createdAt() : now;
        fanOut(waiters, cause,
                waiter -> Answer.done(waiter.requestId(), cacheKey, waiter.outcome(), model, content,
                        done.finishReason(), done.usage(), createdAt, timings, done.extras()).withSemantic(done.match()),
                ids -> Answer.sharedDone(ids, cacheKey, model, content, done.finishReason(), done.usage(), createdAt,
                        timings, done.extras()).withSemantic(done.match()));
    }

    /**
     * One record per waiter alone on its reply route; for several waiters of a route, shared
     * records listing at most {@link #MAX_RECIPIENTS} of them, so a storm of any size stays under
     * Kafka's record size limit.
     */
    private void fanOut(List<Waiter> waiters, Headers cause, Function<Waiter, Answer> single,
                        Function<List<String>, Answer> shared) {
        Map<ReplyRoute, List<Waiter>> byRoute = new LinkedHashMap<>();
        waiters.forEach(w -> byRoute.computeIfAbsent(w.replyTo(), route -> new ArrayList<>()).add(w));
        byRoute.forEach((route, group) -> {
            if (group.size() == 1) {
                Waiter waiter = group.get(0);
                send(route, single.apply(waiter), cause, waiter.clientRequestId());
                return;
            }
            List<String> ids = group.stream().map(Waiter::requestId).toList();
            for (int from = 0; from < ids.size(); from += MAX_RECIPIENTS) {
                send(route, shared.apply(ids.subList(from, Math.min(ids.size(), from + MAX_RECIPIENTS))), cause, null);
            }
        });
    }

    void sendError(Waiter waiter, String cacheKey, String model, ErrorInfo error, Headers cause) {
        send(waiter.replyTo(), Answer.error(waiter.requestId(), cacheKey, waiter.outcome(), model, error), cause,
                waiter.clientRequestId());
    }
}
