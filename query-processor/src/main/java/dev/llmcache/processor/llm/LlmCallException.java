package dev.llmcache.processor.llm;

import dev.llmcache.common.event.ErrorInfo;
import java.time.Duration;

/** A failed LLM call, with the error the waiting clients will see. */
public class LlmCallException extends RuntimeException {

    private final transient ErrorInfo error;
    private final transient Duration retryAfter;
    private final boolean passing;

    /** A failure that would fail again the same way: not worth another attempt. */
    public LlmCallException(ErrorInfo error) {
        this(error, null, false);
    }

    /**
     * @param retryAfter how long the upstream asked to wait before trying again ({@code Retry-After}), or null
     * @param passing    whether another attempt may succeed (the upstream overloaded or briefly failing)
     */
    public LlmCallException(ErrorInfo error, Duration retryAfter, boolean passing) {
        super(error.message());
        this.error = error;
        this.retryAfter = retryAfter;
        this.passing = passing;
    }

    /** Whether another attempt may succeed: a 408, 429, 500, 502, 503 or 504 of the upstream. */
    public boolean passing() {
        return passing;
    }

    /** How long the upstream asked to wait before trying again, or null if it did not say. */
    public Duration retryAfter() {
        return retryAfter;
    }

    public ErrorInfo error() {
        return error;
    }
}
