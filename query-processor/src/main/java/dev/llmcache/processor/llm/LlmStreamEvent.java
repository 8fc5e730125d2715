package dev.llmcache.processor.llm;

import dev.llmcache.common.event.Usage;

/** What an LLM stream emits: text deltas, then one completion marker. A stream without it was cut short. */
public sealed interface LlmStreamEvent {

    record Delta(String text) implements LlmStreamEvent {
    }

    record Completed(String finishReason, Usage usage) implements LlmStreamEvent {
    }
}
