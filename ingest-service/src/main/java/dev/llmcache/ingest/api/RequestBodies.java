package dev.llmcache.ingest.api;

import dev.llmcache.common.event.ErrorInfo;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/** Reading request bodies into bytes, bounded: one rule for every endpoint. */
public final class RequestBodies {

    private RequestBodies() {
    }

    /** The whole body (empty if none); 413 in the API's shape beyond {@code maxBytes}. */
    public static Mono<byte[]> read(ServerRequest request, long maxBytes) {
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), (int) Math.min(maxBytes, Integer.MAX_VALUE))
                .map(RequestBodies::bytes)
                .onErrorMap(DataBufferLimitException.class, e -> tooLarge(maxBytes))
                .defaultIfEmpty(new byte[0]);
    }

    /** The buffer's bytes; the buffer is released. */
    public static byte[] bytes(DataBuffer buffer) {
        byte[] bytes = new byte[buffer.readableByteCount()];
        buffer.read(bytes);
        DataBufferUtils.release(buffer);
        return bytes;
    }

    public static ApiException tooLarge(long maxBytes) {
        return new ApiException(new ErrorInfo(413, "invalid_request_error", "request_too_large",
                "The request body is larger than " + maxBytes + " bytes"), null);
    }
}
