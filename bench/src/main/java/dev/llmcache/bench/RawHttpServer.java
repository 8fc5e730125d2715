package dev.llmcache.bench;

import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The ceiling for any HTTP answer on this machine: a minimal Reactor Netty server on loopback that
 * reads the request and answers the same bytes a cache hit gets, doing nothing else. The edge
 * tier's hits are judged as a share of what it achieves in the same run.
 */
final class RawHttpServer implements AutoCloseable {

    private final DisposableServer server;

    /** @param body the bytes of a hit's response body, as the product sent them */
    RawHttpServer(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        this.server = HttpServer.create().host("127.0.0.1").port(0)
                .route(routes -> routes.post("/v1/chat/completions", (request, response) -> request.receive()
                        .then(response.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                                .header("X-Cache", "HIT")
                                .sendByteArray(Mono.just(bytes)).then())))
                .bindNow();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.port() + "/v1";
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
