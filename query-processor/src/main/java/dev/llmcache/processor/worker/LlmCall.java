package dev.llmcache.processor.worker;

import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.event.LlmRequest;
import dev.llmcache.common.event.LlmResponse;
import dev.llmcache.common.event.MessageExtras;
import dev.llmcache.common.event.Usage;
import dev.llmcache.common.semantic.SemanticMatch;
import dev.llmcache.common.semantic.SemanticVector;
import dev.llmcache.common.serde.JsonSize;
import dev.llmcache.processor.llm.LlmCallException;
import dev.llmcache.processor.llm.LlmStreamEvent;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The bookkeeping of one LLM call: turns the provider's stream into the numbered
 * {@link LlmResponse} records of one worker attempt. Used from one reactive chain at a time.
 *
 * <p>An answer is at most {@code maxAnswerBytes} (as JSON text): it travels whole in the DONE
 * record, the cache entry and the in-flight changelog, and Kafka refuses records over its size
 * limit. Text beyond it is cut off and the answer ends like one that reached {@code max_tokens}
 * (finish reason {@code length}), but is not cached; tool calls or a refusal beyond it make the
 * call fail.
 */
final class LlmCall {

    private final LlmRequest request;
    private final long maxAnswerBytes;
    private final String callId = UUID.randomUUID().toString();
    private volatile long startNanos = System.nanoTime();
    private final StringBuilder content = new StringBuilder();
    private long firstTokenNanos = -1;
    private LlmStreamEvent.Completed completed;
    private long answerBytes;
    private boolean cutOff;
    private int seq;
    private Supplier<SemanticVector> vector = () -> null;

    LlmCall(LlmRequest request, long maxAnswerBytes) {
        this.request = request;
        this.maxAnswerBytes = maxAnswerBytes;
    }

    /** Records an event of the stream and returns it, or what fits of it within the size limit. */
    LlmStreamEvent observe(LlmStreamEvent event) {
        if (event instanceof LlmStreamEvent.Delta delta) {
            if (firstTokenNanos < 0) {
                firstTokenNanos = System.nanoTime();
            }
            String text = delta.text();
            long size = JsonSize.of(text);
            if (answerBytes + size > maxAnswerBytes) {
                text = JsonSize.prefixWithin(text, maxAnswerBytes - answerBytes);
                size = JsonSize.of(text);
                cutOff = true;
            }
            answerBytes += size;
            content.append(text);
            return text.equals(delta.text()) ? event : new LlmStreamEvent.Delta(text);
        }
        if (event instanceof LlmStreamEvent.Completed done) {
            completed = done;
        }
        return event;
    }

    /** Whether the answer reached the size limit: the stream must end here. */
    boolean isCutOff() {
        return cutOff;
    }

    LlmResponse chunk(String batchedText) {
        return LlmResponse.chunk(request, callId, seq++, batchedText);
    }

    /** The question's embedding, from the semantic lookup (if ready by the end): it goes with the answer into the index. */
    void embedded(Supplier<SemanticVector> embedded) {
        this.vector = embedded;
        // The LLM's time starts now: a semantic lookup before it is not the LLM's, nor time a later hit saves.
        this.startNanos = System.nanoTime();
    }

    /** The whole answer of a similar question's entry, instead of calling the LLM. */
    LlmResponse semanticHit(CachedAnswer matched, SemanticMatch match) {
        return LlmResponse.semanticHit(request, callId, seq++, matched, match, elapsedMillis());
    }

    /** DONE if the provider said the answer is complete; an ERROR if the stream just stopped. */
    LlmResponse outcome() {
        if (cutOff) {
            return LlmResponse.cutOff(request, callId, seq++, content.toString(), estimatedUsage(),
                    firstTokenMillis(), elapsedMillis());
        }
        if (completed == null) {
            return LlmResponse.error(request, callId, seq++,
                    ErrorInfo.upstream("The upstream stream ended before the answer was complete"), elapsedMillis());
        }
        if (completed.extras() != null && answerBytes + extrasBytes(completed.extras()) > maxAnswerBytes) {
            return LlmResponse.error(request, callId, seq++, ErrorInfo.upstream("The answer's tool calls are larger "
                    + "than this gateway passes on (" + maxAnswerBytes + " bytes)"), elapsedMillis());
        }
        Usage usage = completed.usage() != null ? completed.usage() : estimatedUsage();
        LlmResponse done = LlmResponse.done(request, callId, seq++, content.toString(), completed.finishReason(),
                usage, firstTokenMillis(), elapsedMillis(), completed.extras());
        SemanticVector embedded = vector.get();
        return embedded == null ? done : done.withVector(embedded);
    }

    private static long extrasBytes(MessageExtras extras) {
        return (extras.toolCalls() == null ? 0
                : extras.toolCalls().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                + (extras.refusal() == null ? 0 : JsonSize.of(extras.refusal()));
    }

    private long firstTokenMillis() {
        return firstTokenNanos < 0 ? elapsedMillis() : (firstTokenNanos - startNanos) / 1_000_000;
    }

    LlmResponse failure(Throwable error) {
        ErrorInfo info;
        if (error instanceof LlmCallException call) {
            info = call.error();
        } else if (error instanceof TimeoutException) {
            info = ErrorInfo.upstreamTimeout("The upstream did not answer in time");
        } else {
            info = ErrorInfo.upstream("The upstream call failed: " + error.getClass().getSimpleName());
        }
        return LlmResponse.error(request, callId, seq++, info, elapsedMillis());
    }

    /** A rough count (4 characters a token) for upstreams that report no usage. */
    private Usage estimatedUsage() {
        int prompt = Math.max(1, request.body().path("messages").toString().length() / 4);
        return Usage.of(prompt, Math.max(1, content.length() / 4));
    }

    private long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
