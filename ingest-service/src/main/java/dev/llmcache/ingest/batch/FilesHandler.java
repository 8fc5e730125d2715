package dev.llmcache.ingest.batch;

import dev.llmcache.common.batch.StoredFile;
import dev.llmcache.common.event.ErrorInfo;
import dev.llmcache.common.serde.Json;
import dev.llmcache.ingest.api.ApiException;
import dev.llmcache.ingest.api.ErrorResponses;
import dev.llmcache.ingest.api.RequestBodies;
import dev.llmcache.ingest.auth.ApiAccessFilter;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.codec.multipart.FilePartEvent;
import org.springframework.http.codec.multipart.FormPartEvent;
import org.springframework.http.codec.multipart.PartEvent;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's Files API for batch input: {@code POST /v1/files} (multipart, purpose {@code batch}),
 * {@code GET /v1/files}, {@code GET /v1/files/{id}}, {@code GET /v1/files/{id}/content},
 * {@code DELETE /v1/files/{id}}. An upload is streamed into Kafka as it arrives (one chunk in
 * memory); a tenant sees only its own files.
 */
public final class FilesHandler {

    /** The purposes a client may upload; batch outputs are written by the product only. */
    static final String BATCH = "batch";
    private static final int MAX_LIST = 10_000;
    private static final int DOWNLOAD_PIECE = 64 * 1024;

    private final FileStore files;
    private final long maxFileBytes;

    public FilesHandler(FileStore files, long maxFileBytes) {
        this.files = files;
        this.maxFileBytes = maxFileBytes;
    }

    public Mono<ServerResponse> create(ServerRequest request) {
        return Mono.defer(() -> upload(request)).onErrorResume(ApiException.class, ErrorResponses::of);
    }

    private Mono<ServerResponse> upload(ServerRequest request) {
        MediaType type;
        try {
            type = request.headers().contentType().orElse(null);
        } catch (InvalidMediaTypeException e) {
            type = null;
        }
        if (type == null || !MediaType.MULTIPART_FORM_DATA.isCompatibleWith(type)) {
            throw new ApiException(new ErrorInfo(415, "invalid_request_error", "unsupported_media_type",
                    "Expected Content-Type multipart/form-data with the parts 'file' and 'purpose'"), null);
        }
        if (request.headers().contentLength().orElse(0) > maxFileBytes + 65_536) {
            throw tooLarge();
        }
        String owner = ApiAccessFilter.tenantOf(request);
        String id = FileStore.newId();
        AtomicReference<String> purpose = new AtomicReference<>();
        AtomicReference<String> filename = new AtomicReference<>();
        AtomicReference<FileStore.Chunks> written = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean committed = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicLong received = new AtomicLong();
        return request.bodyToFlux(PartEvent.class)
                // Every part's bytes count against the limit, the file's and any other's.
                .doOnNext(event -> {
                    if (received.addAndGet(event.content().readableByteCount()) > maxFileBytes + 65_536) {
                        DataBufferUtils.release(event.content());
                        throw new FileStore.TooLargeException(maxFileBytes);
                    }
                })
                // One part event at a time: an upload holds one piece (and one chunk) in memory.
                .windowUntil(PartEvent::isLast, false, 1)
                .concatMap(part -> part.switchOnFirst((first, events) -> {
                    PartEvent head = first.get();
                    if (head instanceof FilePartEvent file && "file".equals(file.name())) {
                        if (filename.getAndSet(file.filename()) != null) {
                            return drain(events).then(Mono.error(ApiException.invalid("file",
                                    "Send one file per upload")));
                        }
                        return files.writeChunks(id, events.map(event -> RequestBodies.bytes(event.content())), maxFileBytes)
                                .doOnNext(written::set).then();
                    }
                    if (head instanceof FormPartEvent form && "purpose".equals(form.name())) {
                        purpose.set(form.value());
                    }
                    return drain(events);
                }))
                .then(Mono.defer(() -> commit(owner, purpose.get(), filename.get(), written.get())
                        // Once committing, the chunks are the file's: a client leaving now keeps them.
                        .doOnSubscribe(committing -> committed.set(true))))
                .onErrorMap(FileStore.TooLargeException.class, e -> tooLarge())
                // A part too large for Spring's reader (a huge form field, huge part headers).
                .onErrorMap(DataBufferLimitException.class, e -> tooLarge())
                .onErrorResume(e -> committed.get() ? Mono.error(e) : discard(written).then(Mono.error(e)))
                // A client that leaves mid-upload leaves no chunks behind either.
                .doOnCancel(() -> {
                    if (!committed.get()) {
                        discard(written).subscribe();
                    }
                });
    }

    private Mono<Void> discard(AtomicReference<FileStore.Chunks> written) {
        FileStore.Chunks orphan = written.get();
        return orphan == null ? Mono.empty() : files.discard(orphan);
    }

    private Mono<ServerResponse> commit(String owner, String purpose, String filename, FileStore.Chunks chunks) {
        if (chunks == null) {
            return Mono.error(ApiException.invalid("file", "The upload has no part named 'file'"));
        }
        if (purpose == null) {
            return Mono.error(ApiException.invalid("purpose", "The upload has no part named 'purpose'"));
        }
        if (!BATCH.equals(purpose)) {
            return Mono.error(ApiException.invalid("purpose", "purpose must be '" + BATCH
                    + "': this server keeps files for the Batch API only"));
        }
        String name = filename == null || filename.isBlank() ? "upload.jsonl" : filename;
        return files.commit(chunks, owner, purpose, name.length() > 255 ? name.substring(0, 255) : name)
                .flatMap(file -> json(BatchApiJson.file(file)));
    }

    public Mono<ServerResponse> list(ServerRequest request) {
        String owner = ApiAccessFilter.tenantOf(request);
        String purpose = request.queryParam("purpose").orElse(null);
        int limit = Paging.limit(request, MAX_LIST, MAX_LIST);
        boolean ascending = Paging.ascending(request);
        List<StoredFile> owned = files.list(owner).stream()
                .filter(file -> purpose == null || purpose.equals(file.purpose()))
                .sorted(ascending ? Comparator.comparingLong(StoredFile::createdAt).thenComparing(StoredFile::id)
                        : Comparator.comparingLong(StoredFile::createdAt).reversed()
                                .thenComparing(StoredFile::id, Comparator.reverseOrder()))
                .toList();
        Paging.Page<StoredFile> page = Paging.after(owned, request.queryParam("after").orElse(null), limit,
                StoredFile::id);
        return json(BatchApiJson.list(page.items(), page.hasMore(), BatchApiJson::file, StoredFile::id));
    }

    public Mono<ServerResponse> get(ServerRequest request) {
        return owned(request).flatMap(file -> json(BatchApiJson.file(file)));
    }

    public Mono<ServerResponse> content(ServerRequest request) {
        return owned(request).flatMap(this::download);
    }

    private Mono<ServerResponse> download(StoredFile file) {
        if (!files.readable()) {
            throw ApiException.unavailable("Too many files are being read at once; retry shortly");
        }
        // Pieces of 64 KB: the server's write queue holds a bounded number of them per download.
        Flux<DataBuffer> body = files.content(file)
                .concatMapIterable(FilesHandler::pieces, 1)
                .map(DefaultDataBufferFactory.sharedInstance::wrap);
        return ServerResponse.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                .contentLength(file.bytes())
                .body(BodyInserters.fromDataBuffers(body));
    }

    public Mono<ServerResponse> delete(ServerRequest request) {
        return owned(request).flatMap(file -> files.delete(file)
                .then(Mono.defer(() -> json(BatchApiJson.deleted(file.id(), "file")))));
    }

    private Mono<StoredFile> owned(ServerRequest request) {
        String id = request.pathVariable("id");
        String owner = ApiAccessFilter.tenantOf(request);
        return Lookup.eventually(() -> files.get(owner, id), () -> notFound("file", id));
    }

    static ApiException notFound(String what, String id) {
        return new ApiException(new ErrorInfo(404, "invalid_request_error", "not_found",
                "No " + what + " with id '" + id + "'"), "id");
    }

    private ApiException tooLarge() {
        return new ApiException(new ErrorInfo(413, "invalid_request_error", "file_too_large",
                "The file is larger than " + maxFileBytes + " bytes"), "file");
    }

    private static List<byte[]> pieces(byte[] chunk) {
        List<byte[]> pieces = new java.util.ArrayList<>();
        for (int from = 0; from < chunk.length; from += DOWNLOAD_PIECE) {
            pieces.add(java.util.Arrays.copyOfRange(chunk, from, Math.min(chunk.length, from + DOWNLOAD_PIECE)));
        }
        return pieces;
    }

    private static Mono<Void> drain(Flux<PartEvent> events) {
        return events.doOnNext(event -> DataBufferUtils.release(event.content())).then();
    }

    static Mono<ServerResponse> json(ObjectNode body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(Json.MAPPER.writeValueAsString(body));
    }
}
