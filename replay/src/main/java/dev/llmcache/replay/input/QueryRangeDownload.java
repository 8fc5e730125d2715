package dev.llmcache.replay.input;

import io.netty.handler.codec.http.HttpHeaderNames;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;

/**
 * Downloads the queries of a time range from a running product ({@code GET /cache/queries}, with
 * the admin key: it hands out prompts) into a replay input file, OpenAI Batch input lines as they
 * come. The file is written on a thread of its own, never on a Netty event loop.
 */
public final class QueryRangeDownload {

    private QueryRangeDownload() {
    }

    /** What to download: a time range, optionally one tenant, at most {@code limit} queries. */
    public record Range(Instant since, Instant until, String tenant, int limit) {
    }

    /** Thrown when the product refuses the export (the message is its error). */
    public static final class RefusedException extends RuntimeException {
        RefusedException(String message) {
            super(message);
        }
    }

    /**
     * Writes the queries to {@code file}, which appears only once the whole export arrived (written
     * beside it first): a download cut short never passes for a complete one.
     *
     * @param adminBaseUrl where the product serves {@code /cache/...}, e.g. {@code http://127.0.0.1:8080}
     * @return how many queries were written
     */
    public static long download(String adminBaseUrl, String adminKey, Range range, Path file, Duration timeout) {
        Path partial = file.resolveSibling(file.getFileName() + ".part");
        try {
            long lines = downloadTo(adminBaseUrl, adminKey, range, partial, timeout);
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(partial); // refused or cut short: nothing of it stays
        }
    }

    private static long downloadTo(String adminBaseUrl, String adminKey, Range range, Path file, Duration timeout) {
        StringBuilder uri = new StringBuilder("/cache/queries?since=").append(range.since());
        if (range.until() != null) {
            uri.append("&until=").append(range.until());
        }
        if (range.tenant() != null) {
            uri.append("&tenant=").append(URLEncoder.encode(range.tenant(), StandardCharsets.UTF_8));
        }
        uri.append("&limit=").append(range.limit());
        AtomicLong lines = new AtomicLong();
        Scheduler writer = Schedulers.newSingle("replay-download");
        try (OutputStream out = Files.newOutputStream(file)) {
            HttpClient.create().baseUrl(adminBaseUrl).responseTimeout(timeout)
                    .headers(h -> {
                        if (adminKey != null && !adminKey.isBlank()) {
                            h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + adminKey);
                        }
                    })
                    .get().uri(uri.toString())
                    .response((response, content) -> response.status().code() == 200
                            ? content.asByteArray().publishOn(writer).doOnNext(bytes -> {
                                write(out, bytes);
                                for (byte b : bytes) {
                                    if (b == '\n') {
                                        lines.incrementAndGet();
                                    }
                                }
                            }).then(Mono.<Void>empty())
                            : content.aggregate().asString().defaultIfEmpty("")
                                    .flatMap(body -> Mono.<Void>error(new RefusedException("The product answered "
                                            + response.status().code() + ": " + body))))
                    .then()
                    .block();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return lines.get();
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // left behind: harmless, the next download writes it again
        }
    }

    private static void write(OutputStream out, byte[] bytes) {
        try {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
