package dev.llmcache.processor.llm;

import dev.llmcache.common.event.ErrorInfo;
import java.time.Duration;

/** A failed LLM call, with the error the waiting clients will see. */
public class LlmCallException extends RuntimeException {

    private final transient ErrorInfo error;
    private final transient Duration retryAfter;

    public LlmCallException(ErrorInfo error) {
        this(error, null);
    }

    /** @param retryAfter how long the upstream asked to wait before trying again ({@code Retry-After}), or null */
    public LlmCallException(ErrorInfo error, Duration retryAfter) {
        super(error.message());
        this.error = error;
        this.retryAfter = retryAfter;
    }

    /** How long the upstream asked to wait before trying again, or null if it did not say. */
    public Duration retryAfter() {
        return retryAfter;
    }

    public ErrorInfo error() {
        return error;
    }
}
