package dev.llmcache.processor.worker;

import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.event.LlmRequest;
import dev.llmcache.common.event.LlmResponse;
import dev.llmcache.common.event.Usage;
import dev.llmcache.processor.llm.LlmCallException;
import dev.llmcache.processor.llm.LlmStreamEvent;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * The bookkeeping of one LLM call: turns the provider's stream into the numbered
 * {@link LlmResponse} records of one worker attempt. Used from one reactive chain at a time.
 */
final class LlmCall {

    private final LlmRequest request;
    private final String callId = UUID.randomUUID().toString();
    private final long startNanos = System.nanoTime();
    private final StringBuilder content = new StringBuilder();
    private long firstTokenNanos = -1;
    private LlmStreamEvent.Completed completed;
    private int seq;

    LlmCall(LlmRequest request) {
        this.request = request;
    }

    void observe(LlmStreamEvent event) {
        if (event instanceof LlmStreamEvent.Delta delta) {
            if (firstTokenNanos < 0) {
                firstTokenNanos = System.nanoTime();
            }
            content.append(delta.text());
        } else if (event instanceof LlmStreamEvent.Completed done) {
            completed = done;
        }
    }

    LlmResponse chunk(String batchedText) {
        return LlmResponse.chunk(request, callId, seq++, batchedText);
    }

    /** DONE if the provider said the answer is complete; an ERROR if the stream just stopped. */
    LlmResponse outcome() {
        if (completed == null) {
            return LlmResponse.error(request, callId, seq++,
                    ErrorInfo.upstream("The upstream stream ended before the answer was complete"), elapsedMillis());
        }
        Usage usage = completed.usage() != null ? completed.usage() : estimatedUsage();
        long ttft = firstTokenNanos < 0 ? elapsedMillis() : (firstTokenNanos - startNanos) / 1_000_000;
        return LlmResponse.done(request, callId, seq++, content.toString(), completed.finishReason(), usage,
                ttft, elapsedMillis(), completed.extras());
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
