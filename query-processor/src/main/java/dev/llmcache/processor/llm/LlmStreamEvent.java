package dev.llmcache.processor.llm;

import dev.llmcache.common.event.MessageExtras;
import dev.llmcache.common.event.Usage;

/** What an LLM stream emits: text deltas, then one completion marker. A stream without it was cut short. */
public sealed interface LlmStreamEvent {

    record Delta(String text) implements LlmStreamEvent {
    }

    /** The answer is complete; {@code extras} holds its tool calls or refusal, if any. */
    record Completed(String finishReason, Usage usage, MessageExtras extras) implements LlmStreamEvent {

        public Completed(String finishReason, Usage usage) {
            this(finishReason, usage, null);
        }
    }
}
