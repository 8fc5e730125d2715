package dev.llmcache.common.event;

import dev.llmcache.common.serde.Json;
import tools.jackson.databind.node.ObjectNode;

/**
 * An error as the client will see it: the HTTP status to answer with and the OpenAI error
 * fields ({@code type}, {@code code}, {@code message}).
 */
public record ErrorInfo(int status, String type, String code, String message) {

    /** The error in the OpenAI shape every llmcache API answers with: {@code {"error":{"message","type","param","code"}}}. */
    public ObjectNode toBody(String param) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode inner = body.putObject("error");
        inner.put("message", message);
        inner.put("type", type);
        inner.put("param", param);
        inner.put("code", code);
        return body;
    }

    public static ErrorInfo invalid(String code, String message) {
        return new ErrorInfo(400, "invalid_request_error", code, message);
    }

    public static ErrorInfo upstream(String message) {
        return new ErrorInfo(502, "upstream_error", "upstream_failed", message);
    }

    public static ErrorInfo upstreamTimeout(String message) {
        return new ErrorInfo(504, "upstream_error", "upstream_timeout", message);
    }

    public static ErrorInfo overloaded(String message) {
        return new ErrorInfo(503, "server_error", "overloaded", message);
    }
}
