package dev.llmcache.ingest.batch;

import dev.llmcache.common.batch.KeyPartition;
import dev.llmcache.common.batch.StoredFile;
import dev.llmcache.common.kafka.KafkaClients;
import dev.llmcache.common.kafka.TopicTail;
import dev.llmcache.common.topic.Topic;
import dev.llmcache.ingest.publish.KafkaPublisher;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Uploaded files, kept in Kafka: the bytes as chunks on {@code file-contents} (one partition per
 * file, acknowledged one by one, so an upload holds one chunk in memory), then the file's record
 * on {@code files}. Every instance keeps the records of all files (small) in memory, read from the
 * compacted topic at start, so any instance serves any file.
 */
public final class FileStore extends TopicView {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, StoredFile> files = new ConcurrentHashMap<>();
    private final Topic<String, StoredFile> filesTopic;
    private final Topic<String, byte[]> contents;
    private final KafkaPublisher publisher;
    private final PartitionReader reader;
    private final TopicTail<StoredFile> tail;
    private final int chunkSize;

    /** Thrown into an upload that went past its size limit. */
    public static final class TooLargeException extends RuntimeException {
        TooLargeException(long limit) {
            super("The file is larger than " + limit + " bytes");
        }
    }

    public FileStore(KafkaClients clients, Topic<String, StoredFile> filesTopic, Topic<String, byte[]> contents,
                     KafkaPublisher publisher, int chunkSize) {
        super("files");
        this.filesTopic = filesTopic;
        this.contents = contents;
        this.publisher = publisher;
        this.reader = new PartitionReader(clients);
        this.chunkSize = chunkSize;
        this.tail = new TopicTail<>(clients, filesTopic, List.of(), "files-view", Map.of(),
                TopicTail.StartAt.BEGINNING, (key, file, timestamp) -> apply(key, file));
    }

    /** A new file id, in OpenAI's shape. */
    public static String newId() {
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        return "file-" + HexFormat.of().formatHex(random);
    }

    private void apply(String key, StoredFile file) {
        if (key == null) {
            return;
        }
        if (file == null) {
            files.remove(key);
        } else {
            files.put(key, file);
        }
    }

    /** The file {@code id} if it exists and belongs to {@code owner} (other tenants' files do not exist for them). */
    public Optional<StoredFile> get(String owner, String id) {
        StoredFile file = id == null ? null : files.get(id);
        return file != null && file.owner().equals(owner) ? Optional.of(file) : Optional.empty();
    }

    /** The owner's files, newest first. */
    public List<StoredFile> list(String owner) {
        return files.values().stream().filter(file -> file.owner().equals(owner))
                .sorted(Comparator.comparingLong(StoredFile::createdAt).reversed().thenComparing(StoredFile::id))
                .toList();
    }

    /** Chunks of a file written to {@code file-contents}, not yet a file. */
    public record Chunks(String id, int partition, long firstOffset, long lastOffset, int count, long bytes) {
    }

    /**
     * Writes {@code content} as the chunks of file {@code id}, each acknowledged before the next is
     * read. Fails with {@link TooLargeException} past {@code maxBytes}; what was written before a
     * failure is removed.
     */
    public Mono<Chunks> writeChunks(String id, Flux<byte[]> content, long maxBytes) {
        return publisher.partitionCount(contents).flatMap(partitions -> {
            int partition = KeyPartition.of(id, partitions);
            Chunker chunker = new Chunker(chunkSize);
            AtomicLong bytes = new AtomicLong();
            AtomicInteger count = new AtomicInteger();
            AtomicLong first = new AtomicLong(-1);
            AtomicLong last = new AtomicLong(-1);
            return content
                    .doOnNext(piece -> {
                        if (bytes.addAndGet(piece.length) > maxBytes) {
                            throw new TooLargeException(maxBytes);
                        }
                    })
                    .concatMapIterable(chunker::add, 1)
                    .concatWith(Flux.defer(() -> Flux.fromIterable(chunker.rest())))
                    .concatMap(chunk -> publisher.publishAt(contents, partition,
                            StoredFile.chunkKey(id, count.getAndIncrement()), chunk))
                    .doOnNext(offset -> {
                        first.compareAndSet(-1, offset);
                        last.set(offset);
                    })
                    .then(Mono.fromSupplier(() -> new Chunks(id, partition, first.get(), last.get(), count.get(),
                            bytes.get())))
                    .onErrorResume(e -> discard(new Chunks(id, partition, -1, -1, count.get(), bytes.get()))
                            .then(Mono.error(e)))
                    .doOnCancel(() -> discard(new Chunks(id, partition, -1, -1, count.get(), bytes.get())).subscribe());
        });
    }

    /** Makes written chunks a file: from now on every instance serves it. */
    public Mono<StoredFile> commit(Chunks chunks, String owner, String purpose, String filename) {
        StoredFile file = new StoredFile(StoredFile.SCHEMA_VERSION, chunks.id(), owner, purpose, filename,
                chunks.bytes(), System.currentTimeMillis() / 1000, chunks.partition(), chunks.firstOffset(),
                chunks.lastOffset(), chunks.count());
        return publisher.publish(filesTopic, file.id(), file, null).then(Mono.fromSupplier(() -> {
            files.put(file.id(), file);
            return file;
        }));
    }

    /** Stores {@code content} as file {@code id} in one go. */
    public Mono<StoredFile> store(String id, String owner, String purpose, String filename, Flux<byte[]> content,
                                  long maxBytes) {
        return writeChunks(id, content, maxBytes).flatMap(chunks -> commit(chunks, owner, purpose, filename));
    }

    /** Removes chunks that will never be a file (best effort: nothing refers to them). */
    public Mono<Void> discard(Chunks chunks) {
        return removeChunks(chunks.id(), chunks.partition(), chunks.count());
    }

    /** Whether a file could be read now (reads at once are bounded per instance). */
    public boolean readable() {
        return reader.available();
    }

    /** The file's bytes, chunk by chunk, read as the subscriber takes them (a download of the API). */
    public Flux<byte[]> content(StoredFile file) {
        return content(file, reader);
    }

    /** The same, with readers of its own (batch runs: they never take the API's readers). */
    Flux<byte[]> content(StoredFile file, PartitionReader reader) {
        if (file.chunks() == 0) {
            return Flux.empty();
        }
        return reader.read(contents, file.partition(), file.firstOffset(), file.lastOffset())
                .filter(record -> file.ownsChunk(record.key()) && record.value() != null)
                .map(record -> record.value());
    }

    /** Deletes the file: its record first (it is gone for every reader), then its chunks. */
    public Mono<Void> delete(StoredFile file) {
        return publisher.publish(filesTopic, file.id(), null, null)
                .doOnSuccess(done -> files.remove(file.id()))
                .then(removeChunks(file.id(), file.partition(), file.chunks()));
    }

    private Mono<Void> removeChunks(String id, int partition, int chunks) {
        return Flux.range(0, chunks)
                .concatMap(n -> publisher.publish(contents, partition, StoredFile.chunkKey(id, n), null, null))
                .onErrorResume(e -> Mono.empty()) // left to compaction's neighbours: unreachable without a record
                .then();
    }

    @Override
    TopicTail<?> tail() {
        return tail;
    }

    @Override
    int size() {
        return files.size();
    }
}
