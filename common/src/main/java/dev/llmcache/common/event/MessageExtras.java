package dev.llmcache.common.event;

import tools.jackson.databind.JsonNode;

/**
 * What an assistant answer carries besides its text, as the OpenAI API has it: the tool calls it
 * asks for ({@code message.tool_calls}: each complete, with {@code id}, {@code type} and
 * {@code function.name}/{@code function.arguments}) and a refusal. Absent (null) when there is neither.
 *
 * @param toolCalls a JSON array of tool calls, or null
 * @param refusal   the model's refusal text, or null
 */
public record MessageExtras(JsonNode toolCalls, String refusal) {

    /** The extras, or null if there are none. */
    public static MessageExtras of(JsonNode toolCalls, String refusal) {
        boolean hasCalls = toolCalls != null && toolCalls.isArray() && !toolCalls.isEmpty();
        boolean hasRefusal = refusal != null && !refusal.isEmpty();
        return hasCalls || hasRefusal ? new MessageExtras(hasCalls ? toolCalls : null, hasRefusal ? refusal : null)
                : null;
    }
}
