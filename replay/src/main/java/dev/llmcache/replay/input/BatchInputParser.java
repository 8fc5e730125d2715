package dev.llmcache.replay.input;

import dev.llmcache.replay.ReplayJson;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads the lines of a replay input, one at a time and in order: the OpenAI Batch input format
 * ({@code custom_id}, {@code method}, {@code url}, {@code body}), or a plain chat request body per
 * line (its id is then {@code line-N}). A line that cannot be sent is returned with the reason, not
 * skipped: every input line has exactly one output line. One parser per file (it remembers the ids).
 */
public final class BatchInputParser {

    /** The one endpoint a chat replay sends to, as the Batch API spells it. */
    public static final String CHAT_URL = "/v1/chat/completions";
    /** A longer line is refused before it is parsed (OpenAI's own limit for a batch line's body is lower). */
    public static final int MAX_LINE_CHARS = 8 * 1024 * 1024;
    /** OpenAI's Batch API limit for a custom_id. */
    static final int MAX_CUSTOM_ID_CHARS = 512;
    /**
     * A cache namespace, as the product accepts it ({@code CacheKey.NAME} in its {@code common}
     * module: this client does not depend on the product's modules, so it repeats the rule).
     */
    static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final Set<String> customIds = new HashSet<>();

    /** @return the line, or null for a blank line (not a request; not counted) */
    public InputLine parse(int lineNumber, String text) {
        if (text.isBlank()) {
            return null;
        }
        String fallbackId = "line-" + lineNumber;
        if (text.length() > MAX_LINE_CHARS) {
            return claim(InputLine.invalid(lineNumber, fallbackId,
                    "The line is longer than " + MAX_LINE_CHARS + " characters"));
        }
        JsonNode json;
        try {
            json = ReplayJson.MAPPER.readTree(text);
        } catch (JacksonException e) {
            return claim(InputLine.invalid(lineNumber, fallbackId, "The line is not valid JSON"));
        }
        if (!(json instanceof ObjectNode object)) {
            return claim(InputLine.invalid(lineNumber, fallbackId, "The line is not a JSON object"));
        }
        return claim(object.has("custom_id") ? batchLine(lineNumber, object) : plainBody(lineNumber, object));
    }

    private InputLine batchLine(int lineNumber, ObjectNode line) {
        JsonNode id = line.get("custom_id");
        if (!id.isString() || id.asString().isEmpty() || id.asString().length() > MAX_CUSTOM_ID_CHARS) {
            return InputLine.invalid(lineNumber, "line-" + lineNumber,
                    "custom_id must be a string of 1 to " + MAX_CUSTOM_ID_CHARS + " characters");
        }
        String customId = id.asString();
        String method = line.path("method").asString("POST");
        if (!"POST".equals(method)) {
            return InputLine.invalid(lineNumber, customId, "method must be POST, not " + method);
        }
        String url = line.path("url").asString(CHAT_URL);
        if (!CHAT_URL.equals(url)) {
            return InputLine.invalid(lineNumber, customId, "url must be " + CHAT_URL + ", not " + url);
        }
        if (!(line.get("body") instanceof ObjectNode body)) {
            return InputLine.invalid(lineNumber, customId, "body must be a JSON object");
        }
        JsonNode namespace = line.path("llmcache").path("namespace");
        if (!namespace.isMissingNode() && !(namespace.isString() && NAMESPACE.matcher(namespace.asString()).matches())) {
            return InputLine.invalid(lineNumber, customId, "llmcache.namespace must match " + NAMESPACE.pattern());
        }
        return request(lineNumber, customId, body, namespace.isString() ? namespace.asString() : null);
    }

    private InputLine plainBody(int lineNumber, ObjectNode body) {
        return request(lineNumber, "line-" + lineNumber, body, null);
    }

    private static InputLine request(int lineNumber, String customId, ObjectNode body, String namespace) {
        if (!body.path("messages").isArray() || body.path("messages").isEmpty()) {
            return InputLine.invalid(lineNumber, customId, "body.messages must be a non-empty array");
        }
        if (!body.path("model").isString()) {
            return InputLine.invalid(lineNumber, customId, "body.model must be a string");
        }
        return InputLine.valid(lineNumber, customId, body, namespace);
    }

    /** The second line with an id already seen is refused: outputs are matched to inputs by it. */
    private InputLine claim(InputLine line) {
        if (!customIds.add(line.customId())) {
            return InputLine.invalid(line.lineNumber(), line.customId() + "#line-" + line.lineNumber(),
                    "Duplicate custom_id " + line.customId() + " (each line needs its own)");
        }
        return line;
    }
}
