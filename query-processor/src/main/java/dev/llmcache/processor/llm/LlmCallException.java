package dev.llmcache.processor.llm;

import dev.llmcache.common.event.ErrorInfo;

/** A failed LLM call, with the error the waiting clients will see. */
public class LlmCallException extends RuntimeException {

    private final transient ErrorInfo error;

    public LlmCallException(ErrorInfo error) {
        super(error.message());
        this.error = error;
    }

    public ErrorInfo error() {
        return error;
    }
}
