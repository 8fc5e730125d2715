package dev.llmcache.common.event;

/** Token usage as reported by the LLM (OpenAI field meaning). */
public record Usage(int promptTokens, int completionTokens, int totalTokens) {

    public static Usage of(int promptTokens, int completionTokens) {
        return new Usage(promptTokens, completionTokens, promptTokens + completionTokens);
    }
}
