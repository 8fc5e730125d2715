package dev.llmcache.ingest.api;

import dev.llmcache.common.event.ErrorInfo;

/** A request the API refuses, with the OpenAI-shaped error the client gets. */
public class ApiException extends RuntimeException {

    private final transient ErrorInfo error;
    private final String param;

    public ApiException(ErrorInfo error, String param) {
        super(error.message());
        this.error = error;
        this.param = param;
    }

    public static ApiException invalid(String param, String message) {
        return new ApiException(ErrorInfo.invalid("invalid_value", message), param);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(new ErrorInfo(503, "server_error", "service_unavailable", message), null);
    }

    public ErrorInfo error() {
        return error;
    }

    public String param() {
        return param;
    }
}
