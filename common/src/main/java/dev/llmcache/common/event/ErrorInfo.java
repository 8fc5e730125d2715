package dev.llmcache.common.event;

/**
 * An error as the client will see it: the HTTP status to answer with and the OpenAI error
 * fields ({@code type}, {@code code}, {@code message}).
 */
public record ErrorInfo(int status, String type, String code, String message) {

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
