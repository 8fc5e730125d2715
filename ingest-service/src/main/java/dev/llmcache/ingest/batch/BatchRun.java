package dev.llmcache.ingest.batch;

import dev.llmcache.common.batch.BatchResult;
import dev.llmcache.common.batch.BatchState;
import dev.llmcache.common.batch.BatchState.Counts;
import dev.llmcache.common.batch.BatchState.LineError;
import dev.llmcache.common.batch.BatchState.Status;
import dev.llmcache.common.batch.KeyPartition;
import dev.llmcache.common.batch.StoredFile;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import java.time.Duration;

/**
 * One batch, run by the instance that owns its partition: validate the input file, run the lines
 * not run yet, then write the output and error files. Every step is recorded on {@code batches}
 * and every finished line on {@code batch-results} before it counts, so another instance can take
 * the batch over at any point: it reads which lines are done and runs only the others (a line in
 * flight when its runner died runs once more), and the output has one line per input line.
 */
final class BatchRun implements BatchRunner.Run {

    private static final Logger log = LoggerFactory.getLogger(BatchRun.class);
    /** Progress (request counts) is written at most this often. */
    private static final long PROGRESS_INTERVAL_MS = 1_000;
    /** Validation errors kept on the batch (the first ones; OpenAI shows a list). */
    private static final int MAX_ERRORS = 100;

    private final BatchWork work;
    private final Runnable onEnd;
    private volatile BatchState state;
    private volatile boolean cancelled;
    private volatile Disposable running;
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicLong progressSavedAt = new AtomicLong();

    BatchRun(BatchState state, BatchWork work, Runnable onEnd) {
        this.state = state;
        this.work = work;
        this.onEnd = onEnd;
        this.cancelled = state.cancelRequested();
    }

    @Override
    public long revision() {
        return state.revision();
    }

    @Override
    public void start() {
        running = steps()
                // Kafka away, a read that stalled: the batch goes on from its last recorded step.
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(30))
                        .doBeforeRetry(retry -> log.warn("Batch {} failed a step; trying again: {}", state.id(),
                                retry.failure().toString())))
                .doFinally(signal -> onEnd.run())
                .subscribe(done -> log.info("Batch {} ended {}", done.id(), done.status().apiName()),
                        e -> log.warn("Batch {} stopped; it goes on when its partition is taken again: {}",
                                state.id(), e.toString()));
    }

    /** Stops running here (the partition went to another instance, or this one stops). */
    @Override
    public void stop() {
        Disposable current = running;
        if (current != null) {
            current.dispose();
        }
    }

    /** A newer record of this batch: a cancel asked for through any instance is taken up. */
    @Override
    public void observe(BatchState update) {
        if (update.cancelRequested() && !cancelled) {
            cancelled = true;
            BatchState current = state;
            state = new BatchState(current.schemaVersion(), current.id(), current.owner(), current.spec(),
                    current.status() == Status.IN_PROGRESS ? Status.CANCELLING : current.status(), current.errors(),
                    current.outputFileId(), current.errorFileId(), update.times(), current.counts(),
                    current.resultsFrom(), Math.max(current.revision(), update.revision()));
        }
    }

    private Mono<BatchState> steps() {
        return Mono.defer(() -> switch (state.status()) {
            case VALIDATING -> validate().flatMap(valid -> valid.status() == Status.FAILED ? Mono.just(valid)
                    : execute());
            case IN_PROGRESS, CANCELLING -> execute();
            case FINALIZING -> finish(Status.COMPLETED);
            default -> Mono.just(state);
        });
    }

    private Mono<BatchState> save(BatchState next) {
        state = next;
        return work.batches().save(next);
    }

    /** Reads the whole input file once: every line must be runnable, or the batch fails. */
    private Mono<BatchState> validate() {
        StoredFile input = inputFile();
        if (input == null) {
            return fail(List.of(new LineError("invalid_file", "The input file " + state.spec().inputFileId()
                    + " does not exist (any more)", "input_file_id", null)));
        }
        if (cancelled) {
            return save(state.entering(Status.CANCELLED, work.nowSeconds()));
        }
        List<LineError> errors = new ArrayList<>();
        Set<String> customIds = new HashSet<>();
        AtomicInteger lines = new AtomicInteger();
        return lines(input)
                .doOnNext(line -> {
                    int count = lines.incrementAndGet();
                    if (count == work.maxLines() + 1) {
                        errors.add(new LineError("too_many_lines", "The input file has more than " + work.maxLines()
                                + " lines", null, line.index() + 1));
                    }
                    BatchLine.Parsed parsed = BatchLine.parse(line, state.spec().endpoint());
                    if (parsed instanceof BatchLine.Invalid invalid) {
                        errors.add(invalid.error());
                    } else if (parsed instanceof BatchLine.Valid valid && !customIds.add(valid.line().customId())) {
                        errors.add(new LineError("duplicate_custom_id", "custom_id " + valid.line().customId()
                                + " appears more than once; each line needs its own", "custom_id", line.index() + 1));
                    }
                })
                .then(Mono.defer(() -> {
                    if (lines.get() == 0) {
                        errors.add(new LineError("empty_file", "The input file has no lines", null, null));
                    }
                    if (!errors.isEmpty()) {
                        return fail(errors.subList(0, Math.min(MAX_ERRORS, errors.size())));
                    }
                    return work.reader().end(work.results(), resultsPartition())
                            .flatMap(end -> save(state.withCounts(new Counts(lines.get(), 0, 0)).withResultsFrom(end)
                                    .entering(Status.IN_PROGRESS, work.nowSeconds())));
                }));
    }

    private Mono<BatchState> fail(List<LineError> errors) {
        return save(state.withErrors(errors).entering(Status.FAILED, work.nowSeconds()));
    }

    /** Runs the lines that have no result yet, then ends the batch. */
    private Mono<BatchState> execute() {
        StoredFile input = inputFile();
        if (input == null) {
            return fail(List.of(new LineError("invalid_file", "The input file " + state.spec().inputFileId()
                    + " was deleted while the batch ran", "input_file_id", null)));
        }
        return finishedLines().flatMap(done -> {
            completed.set(done.completed());
            failed.set(done.failed());
            return lines(input)
                    .filter(line -> !done.indexes().get(line.index()))
                    .takeWhile(line -> !cancelled && !expired())
                    .map(line -> BatchLine.parse(line, state.spec().endpoint()))
                    .ofType(BatchLine.Valid.class)
                    .flatMap(valid -> work.lines().run(state.id(), state.owner(), valid.line())
                            .flatMap(this::record), work.concurrency())
                    .concatMap(result -> saveProgress())
                    .then(Mono.defer(() -> finish(cancelled ? Status.CANCELLED
                            : expired() ? Status.EXPIRED : Status.COMPLETED)));
        });
    }

    private boolean expired() {
        return work.nowSeconds() >= state.times().expiresAt();
    }

    /** Writes a line's result; it counts once Kafka has it. */
    private Mono<BatchResult> record(BatchResult result) {
        return work.publisher().publish(work.results(), resultsPartition(), BatchResult.key(state.id(), result.index()),
                        result, null)
                .then(Mono.fromSupplier(() -> {
                    (result.ok() ? completed : failed).incrementAndGet();
                    return result;
                }));
    }

    private Mono<BatchState> saveProgress() {
        long now = work.clock().millis();
        long last = progressSavedAt.get();
        if (now - last < PROGRESS_INTERVAL_MS || !progressSavedAt.compareAndSet(last, now)) {
            return Mono.empty();
        }
        return save(state.withCounts(counts()));
    }

    private Counts counts() {
        return new Counts(state.counts().total(), completed.get(), failed.get());
    }

    /**
     * Ends the batch in {@code end}: writes the output file (lines that succeeded) and the error
     * file (lines that failed), each only if it has a line, under ids derived from the batch's, so
     * that a runner that takes over a half-finished end writes the same files again.
     */
    private Mono<BatchState> finish(Status end) {
        Mono<BatchState> finalizing = end == Status.COMPLETED && state.status() != Status.FINALIZING
                ? save(state.withCounts(counts()).entering(Status.FINALIZING, work.nowSeconds()))
                : Mono.just(state);
        return finalizing.then(finishedLines()).flatMap(done -> {
            Counts counts = new Counts(state.counts().total(), done.completed(), done.failed());
            Mono<String> output = done.completed() == 0 ? Mono.just("")
                    : writeFile(true, "output").map(StoredFile::id);
            Mono<String> errors = done.failed() == 0 ? Mono.just("")
                    : writeFile(false, "error").map(StoredFile::id);
            return output.zipWith(errors).flatMap(files -> save(state.withCounts(counts)
                    .withFiles(blankToNull(files.getT1()), blankToNull(files.getT2()))
                    .entering(end, work.nowSeconds())));
        });
    }

    private static String blankToNull(String id) {
        return id.isEmpty() ? null : id;
    }

    private Mono<StoredFile> writeFile(boolean ok, String kind) {
        BitSet written = new BitSet();
        Flux<byte[]> content = results()
                .filter(result -> result.ok() == ok && !written.get(result.index()))
                .doOnNext(result -> written.set(result.index()))
                .map(result -> (result.output() + "\n").getBytes(StandardCharsets.UTF_8));
        return work.files().store(derivedFileId(kind), state.owner().tenant(), "batch_output",
                state.id() + "_" + kind + ".jsonl", content, Long.MAX_VALUE);
    }

    private String derivedFileId(String kind) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((state.id() + "/" + kind).getBytes(StandardCharsets.UTF_8));
            return "file-" + HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The lines with a result, and how many of them succeeded and failed (each line once). */
    private record Finished(BitSet indexes, int completed, int failed) {
    }

    private Mono<Finished> finishedLines() {
        BitSet indexes = new BitSet();
        int[] counts = new int[2];
        return results()
                .filter(result -> !indexes.get(result.index()))
                .doOnNext(result -> {
                    indexes.set(result.index());
                    counts[result.ok() ? 0 : 1]++;
                })
                .then(Mono.fromSupplier(() -> new Finished(indexes, counts[0], counts[1])));
    }

    /** This batch's results so far, in the order they were written (a line run twice comes twice). */
    private Flux<BatchResult> results() {
        return work.reader().read(work.results(), resultsPartition(), state.resultsFrom(), -1)
                .filter(record -> record.value() != null && state.id().equals(record.value().batchId())
                        && record.value().index() >= 0)
                .map(record -> record.value());
    }

    private int resultsPartition() {
        return KeyPartition.of(state.id(), work.resultsPartitions());
    }

    private StoredFile inputFile() {
        return work.files().get(state.owner().tenant(), state.spec().inputFileId()).orElse(null);
    }

    private Flux<LineSplitter.Line> lines(StoredFile input) {
        LineSplitter splitter = new LineSplitter(work.maxLineBytes());
        return work.files().content(input)
                .concatMapIterable(splitter::add)
                .concatWith(Flux.defer(() -> Flux.fromIterable(splitter.finish())));
    }
}
