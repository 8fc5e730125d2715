package dev.llmcache.ingest.batch;

import dev.llmcache.common.batch.BatchResult;
import dev.llmcache.common.batch.BatchState;
import dev.llmcache.common.batch.BatchState.Counts;
import dev.llmcache.common.batch.BatchState.LineError;
import dev.llmcache.common.batch.BatchState.Status;
import dev.llmcache.common.batch.KeyPartition;
import dev.llmcache.common.batch.StoredFile;
import dev.llmcache.common.serde.Json;
import dev.llmcache.ingest.publish.KafkaPublisher;
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
import reactor.core.scheduler.Schedulers;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
    private static final long INPUT_GRACE_MS = 60_000;

    private final BatchWork work;
    private final Runnable onEnd;
    private volatile BatchState state;
    private volatile boolean cancelled;
    /** When a cancel was asked for; every state this run writes from then on carries it. */
    private volatile Long cancellingAt;
    private volatile Disposable running;
    /** When this run started: an input file it cannot see yet may still be on its way to this instance. */
    private final long startedAtMillis;
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicLong progressSavedAt = new AtomicLong();

    BatchRun(BatchState state, BatchWork work, Runnable onEnd) {
        this.state = state;
        this.work = work;
        this.onEnd = onEnd;
        this.cancelled = state.cancelRequested();
        this.cancellingAt = state.times().cancellingAt();
        this.startedAtMillis = work.clock().millis();
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

    /**
     * A newer record of this batch or a request to cancel it (read on the runners' consumer
     * thread): a cancel asked for through any instance is taken up; the run's own state is changed
     * only by the run.
     */
    @Override
    public void observe(BatchState update) {
        Long requested = update.times().cancellingAt();
        if (requested != null && !cancelled) {
            cancellingAt = requested;
            cancelled = true;
        }
    }

    private Mono<BatchState> steps() {
        return Mono.defer(() -> switch (state.status()) {
            case VALIDATING -> validate().flatMap(valid -> valid.status().terminal() ? Mono.just(valid)
                    : execute());
            // Cancelled before it ran a line: nothing to write.
            case CANCELLING -> state.times().inProgressAt() == null
                    ? save(state.entering(Status.CANCELLED, work.nowSeconds())) : execute();
            case IN_PROGRESS -> execute();
            case FINALIZING -> finish(Status.COMPLETED);
            default -> Mono.just(state);
        });
    }

    private Mono<BatchState> save(BatchState next) {
        Long cancel = cancellingAt;
        BatchState written = cancel == null ? next : next.withCancel(cancel);
        // The run's state is what Kafka has: a save that failed is done again by the retried step.
        return work.batches().save(written).doOnSuccess(saved -> state = saved);
    }

    /** Reads the whole input file once: every line must be runnable, or the batch fails. */
    private Mono<BatchState> validate() {
        if (cancelled) {
            return save(state.entering(Status.CANCELLED, work.nowSeconds()));
        }
        StoredFile input = inputFile();
        if (input == null) {
            return missingInput("does not exist (any more)");
        }
        List<LineError> errors = new ArrayList<>();
        Set<String> customIds = new HashSet<>();
        AtomicInteger lines = new AtomicInteger();
        // Reads no further than one line past the limit, and keeps at most MAX_ERRORS errors.
        return lines(input)
                .take(work.maxLines() + 1L)
                .doOnNext(line -> {
                    int count = lines.incrementAndGet();
                    if (count == work.maxLines() + 1) {
                        errors.add(0, new LineError("too_many_lines", "The input file has more than "
                                + work.maxLines() + " lines", null, line.index() + 1));
                        return;
                    }
                    BatchLine.Parsed parsed = BatchLine.parse(line, state.spec().endpoint());
                    LineError error = null;
                    if (parsed instanceof BatchLine.Invalid invalid) {
                        error = invalid.error();
                    } else if (parsed instanceof BatchLine.Valid valid && !customIds.add(valid.line().customId())) {
                        error = new LineError("duplicate_custom_id", "custom_id " + valid.line().customId()
                                + " appears more than once; each line needs its own", "custom_id", line.index() + 1);
                    }
                    if (error != null && errors.size() < MAX_ERRORS) {
                        errors.add(error);
                    }
                })
                .then(Mono.defer(() -> {
                    if (lines.get() == 0) {
                        errors.add(new LineError("empty_file", "The input file has no lines", null, null));
                    }
                    if (!errors.isEmpty()) {
                        return fail(errors.subList(0, Math.min(MAX_ERRORS, errors.size())));
                    }
                    int partition = KeyPartition.of(state.id(), work.resultsPartitions());
                    return work.reader().end(work.results(), partition)
                            .flatMap(end -> save(state.withCounts(new Counts(lines.get(), 0, 0))
                                    .withResults(partition, end).entering(Status.IN_PROGRESS, work.nowSeconds())));
                }));
    }

    /**
     * The input file is not in this instance's view: right after start-up the view may not have
     * read it yet (the step is tried again); a minute on, it is gone and the batch fails.
     */
    private Mono<BatchState> missingInput(String what) {
        if (work.clock().millis() - startedAtMillis < INPUT_GRACE_MS) {
            return Mono.error(new IllegalStateException("The input file " + state.spec().inputFileId()
                    + " is not in this instance's view yet"));
        }
        return fail(List.of(new LineError("invalid_file", "The input file " + state.spec().inputFileId() + " " + what,
                "input_file_id", null)));
    }

    private Mono<BatchState> fail(List<LineError> errors) {
        return save(state.withErrors(errors).entering(Status.FAILED, work.nowSeconds()));
    }

    /** Runs the lines that have no result yet, then ends the batch. */
    private Mono<BatchState> execute() {
        StoredFile input = inputFile();
        if (input == null) {
            return missingInput("was deleted while the batch ran");
        }
        return finishedLines().flatMap(done -> {
            completed.set(done.completed());
            failed.set(done.failed());
            return lines(input)
                    .filter(line -> !done.lines().get(line.index()))
                    .takeWhile(line -> !cancelled && !expired())
                    .map(line -> BatchLine.parse(line, state.spec().endpoint()))
                    .ofType(BatchLine.Valid.class)
                    .flatMap(valid -> work.lines().run(state.id(), state.owner(), valid.line())
                            .flatMap(this::record)
                            // The next line is taken (parsed, submitted) here, not on Kafka's producer thread.
                            .publishOn(Schedulers.parallel()), work.concurrency())
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
        return publishResult(result)
                // An answer too large for a Kafka record is an error line, not a batch that retries forever.
                .onErrorResume(KafkaPublisher.TooLargeException.class, e -> {
                    BatchResult instead = LineRunner.unrecordable(result, "The line's answer is too large to record: "
                            + e.getMessage());
                    return publishResult(instead).thenReturn(instead);
                })
                .map(recorded -> {
                    (recorded.ok() ? completed : failed).incrementAndGet();
                    return recorded;
                });
    }

    private Mono<BatchResult> publishResult(BatchResult result) {
        return work.publisher().publish(work.results(), resultsPartition(), BatchResult.key(state.id(), result.index()),
                        result, null)
                .thenReturn(result);
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
                    : writeFile(done, true, "output").map(StoredFile::id);
            Mono<String> errors = done.failed() == 0 ? Mono.just("")
                    : writeFile(done, false, "error").map(StoredFile::id);
            return output.zipWith(errors).flatMap(files -> save(state.withCounts(counts)
                    .withFiles(blankToNull(files.getT1()), blankToNull(files.getT2()))
                    .entering(end, work.nowSeconds())))
                    .flatMap(ended -> forgetResults(done).thenReturn(ended));
        });
    }

    private static String blankToNull(String id) {
        return id.isEmpty() ? null : id;
    }

    /** The lines' results, once in the output files, are removed from {@code batch-results} (best effort). */
    private Mono<Void> forgetResults(Finished done) {
        return Flux.fromStream(done.lines().stream().boxed())
                .concatMap(index -> work.publisher().publish(work.results(), resultsPartition(),
                        BatchResult.key(state.id(), index), null, null))
                .onErrorResume(e -> Mono.empty())
                .then();
    }

    /** The output ({@code ok}) or error file: each line's final result once, whichever file it belongs in. */
    private Mono<StoredFile> writeFile(Finished done, boolean ok, String kind) {
        BitSet written = new BitSet();
        // Exactly the results `done` decided on: a late one (from a runner stopped a moment ago) is not read.
        Flux<byte[]> content = (done.lastOffset() < state.resultsFrom() ? Flux.<BatchResult>empty()
                : results(done.lastOffset()).map(record -> record.value()))
                .filter(result -> done.lines().get(result.index()) && done.ok().get(result.index()) == ok
                        && result.ok() == ok && !written.get(result.index()))
                .doOnNext(result -> written.set(result.index()))
                .map(result -> (Json.MAPPER.writeValueAsString(result.output()) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
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

    /**
     * The lines with a result, and whether each one's final result (its last, should it have run
     * twice) succeeded.
     */
    private record Finished(BitSet lines, BitSet ok, long lastOffset) {
        int completed() {
            return ok.cardinality();
        }

        int failed() {
            return lines.cardinality() - ok.cardinality();
        }
    }

    private Mono<Finished> finishedLines() {
        BitSet lines = new BitSet();
        BitSet ok = new BitSet();
        long[] last = {state.resultsFrom() - 1};
        return results(-1)
                .doOnNext(record -> {
                    BatchResult result = record.value();
                    lines.set(result.index());
                    ok.set(result.index(), result.ok());
                    last[0] = record.offset();
                })
                .then(Mono.fromSupplier(() -> new Finished(lines, ok, last[0])));
    }

    /**
     * This batch's results up to offset {@code last} (-1: to the end now), in the order they were
     * written (a line run twice comes twice).
     */
    private Flux<ConsumerRecord<String, BatchResult>> results(long last) {
        return work.reader().read(work.results(), resultsPartition(), state.resultsFrom(), last)
                .filter(record -> record.value() != null && state.id().equals(record.value().batchId())
                        && record.value().index() >= 0);
    }

    /** Where this batch's results go: chosen (and recorded) when it went in progress. */
    private int resultsPartition() {
        return state.resultsPartition() >= 0 ? state.resultsPartition()
                : KeyPartition.of(state.id(), work.resultsPartitions());
    }

    private StoredFile inputFile() {
        return work.files().get(state.owner().tenant(), state.spec().inputFileId()).orElse(null);
    }

    private Flux<LineSplitter.Line> lines(StoredFile input) {
        LineSplitter splitter = new LineSplitter(work.maxLineBytes());
        // One chunk at a time (a chunk is up to half a megabyte).
        return work.files().content(input, work.reader())
                .concatMapIterable(splitter::add, 1)
                .concatWith(Flux.defer(() -> Flux.fromIterable(splitter.finish())));
    }
}
