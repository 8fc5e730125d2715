package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A client's keep-alive connection keeps being served, whatever order its requests were answered
 * in. Reactor Netty 1.3.7 stopped reading a connection after a request that waited behind a slower
 * one and was then answered at once (reactor/reactor-netty#4361): the client's next request on it
 * hung until the client gave up. Requests are sent over a raw socket, so that one can wait behind
 * another as it does when the response of the first is written while its exchange is still ending.
 */
class KeepAliveTest extends PipelineTestBase {

    @Test
    void aConnectionStillAnswersAfterARequestThatWaitedBehindASlowerOneWasAnsweredAtOnce() throws IOException {
        String slow = chatBody(uniquePrompt("keep-alive"), false); // a miss: the upstream takes its time
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + slow.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + slow
                    + "GET /v1/models HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            // Both answered, 200: a miss that failed at once would queue nothing behind it.
            assertThat(readResponses(in, 2)).as("the slow request and the one queued behind it")
                    .containsExactly("HTTP/1.1 200 OK", "HTTP/1.1 200 OK");

            out.write("GET /v1/models HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            out.flush();

            assertThat(readResponses(in, 1)).as("the next request on the same connection")
                    .containsExactly("HTTP/1.1 200 OK");
        }
    }

    /**
     * Reads until {@code expected} complete responses (status line, headers, body) came, or 30 s of
     * silence; their status lines.
     */
    private static List<String> readResponses(InputStream in, int expected) throws IOException {
        StringBuilder received = new StringBuilder();
        byte[] buffer = new byte[8192];
        List<String> complete = List.of();
        try {
            while (complete.size() < expected) {
                int read = in.read(buffer);
                if (read < 0) {
                    break;
                }
                received.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1)); // a char a byte
                complete = completeResponses(received);
            }
        } catch (SocketTimeoutException silence) {
            // what came is returned
        }
        return complete;
    }

    /** The status lines of the responses that arrived whole: a body of its Content-Length, or chunks up to the last one. */
    private static List<String> completeResponses(StringBuilder received) {
        List<String> complete = new ArrayList<>();
        int at = 0;
        while (true) {
            int headersEnd = received.indexOf("\r\n\r\n", at);
            if (headersEnd < 0) {
                return complete;
            }
            String headers = received.substring(at, headersEnd).toLowerCase(java.util.Locale.ROOT);
            int next;
            int length = headers.indexOf("content-length:");
            if (length >= 0) {
                int lineEnd = headers.indexOf("\r\n", length);
                next = headersEnd + 4 + Integer.parseInt(headers.substring(length + "content-length:".length(),
                        lineEnd < 0 ? headers.length() : lineEnd).strip());
            } else {
                int lastChunk = received.indexOf("\r\n0\r\n\r\n", headersEnd);
                next = lastChunk < 0 ? Integer.MAX_VALUE : lastChunk + 7;
            }
            if (received.length() < next) {
                return complete;
            }
            complete.add(received.substring(at, received.indexOf("\r\n", at)));
            at = next;
        }
    }
}
