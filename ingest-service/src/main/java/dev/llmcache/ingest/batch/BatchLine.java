package dev.llmcache.ingest.batch;

import dev.llmcache.common.batch.BatchState.LineError;
import dev.llmcache.common.serde.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * One line of a batch input file, OpenAI's format:
 * {@code {"custom_id": "...", "method": "POST", "url": "/v1/chat/completions", "body": {...}}}.
 *
 * @param index the line's number in the file, from 0
 * @param body  the request body, as the endpoint would receive it
 */
record BatchLine(int index, String customId, byte[] body) {

    /** Longest {@code custom_id} accepted. */
    static final int MAX_CUSTOM_ID = 512;

    /** A line read, or why it cannot be run. */
    sealed interface Parsed permits Valid, Invalid {
    }

    record Valid(BatchLine line) implements Parsed {
    }

    record Invalid(LineError error) implements Parsed {
    }

    /** Reads {@code line} of a batch whose endpoint is {@code endpoint}. */
    static Parsed parse(LineSplitter.Line line, String endpoint) {
        int number = line.index() + 1;
        if (line.tooLong()) {
            return invalid("line_too_large", "The line is larger than the largest request body accepted", null, number);
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(line.bytes());
        } catch (JacksonException e) {
            return invalid("invalid_json_line", "The line is not valid JSON: " + e.getOriginalMessage(), null, number);
        }
        if (node == null || !node.isObject()) {
            return invalid("invalid_json_line", "The line is not a JSON object", null, number);
        }
        JsonNode customId = node.get("custom_id");
        if (customId == null || !customId.isString() || customId.asString().isEmpty()) {
            return invalid("missing_required_parameter", "Each line needs a non-empty string custom_id", "custom_id",
                    number);
        }
        if (customId.asString().length() > MAX_CUSTOM_ID) {
            return invalid("invalid_value", "custom_id is longer than " + MAX_CUSTOM_ID + " characters", "custom_id",
                    number);
        }
        JsonNode method = node.get("method");
        if (method == null || !"POST".equals(method.asString(null))) {
            return invalid("invalid_value", "method must be POST", "method", number);
        }
        JsonNode url = node.get("url");
        if (url == null || !endpoint.equals(url.asString(null))) {
            return invalid("mismatched_endpoint", "url must be the batch's endpoint, " + endpoint, "url", number);
        }
        JsonNode body = node.get("body");
        if (body == null || !body.isObject()) {
            return invalid("invalid_value", "body must be a JSON object", "body", number);
        }
        return new Valid(new BatchLine(line.index(), customId.asString(), Json.MAPPER.writeValueAsBytes(body)));
    }

    private static Invalid invalid(String code, String message, String param, int number) {
        return new Invalid(new LineError(code, message, param, number));
    }
}
