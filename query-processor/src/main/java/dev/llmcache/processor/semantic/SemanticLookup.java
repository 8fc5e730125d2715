package dev.llmcache.processor.semantic;

import dev.llmcache.common.embedding.Vectors;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.semantic.SemanticMatch;
import dev.llmcache.common.semantic.SemanticQuery;
import dev.llmcache.common.semantic.SemanticVector;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The semantic cache's lookup, run by the LLM worker before it calls the LLM for an eligible miss:
 * embed the question, search the {@link SemanticIndex} in the query's scope, and take the most
 * similar entry at or above the threshold that the {@link LexicalGuard} lets answer it. Whatever
 * goes wrong (the embedder fails or is slow, nothing matches) is a miss within {@code deadline}: the
 * LLM is then called as if there were no semantic cache, and the question's vector goes with the
 * answer into the index if it is ready by then (an embedder still loading its model misses the
 * deadline, yet its vector usually comes before the LLM's answer).
 */
public final class SemanticLookup {

    /** Candidates the guard is asked about, most similar first. */
    private static final int CANDIDATES = 5;
    /**
     * Embeddings under way at once. An embedding runs to its end even after its lookup gave up,
     * so beyond this many (the embedder is far behind: they would miss the deadline anyway) a
     * lookup is skipped rather than queued, and the embedder's backlog stays bounded.
     */
    static final int MAX_PENDING = 16;

    private final Function<String, Mono<float[]>> embedder;
    private final String embedderId;
    private final SemanticIndex index;
    private final LexicalGuard guard;
    private final Duration deadline;
    private final Scheduler searches;
    private final SemanticMetrics metrics;
    private final Clock clock;
    private final BooleanSupplier indexFed;
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * What the lookup found: a match, or a miss with the question's vector as far as it is known
     * when asked ({@code vector} gives null while it is not ready, or if it failed).
     */
    public record Result(CachedAnswer answer, SemanticMatch match, Supplier<SemanticVector> vector, String outcome) {

        static Result miss(Supplier<SemanticVector> vector, String outcome) {
            return new Result(null, null, vector, outcome);
        }

        public boolean hit() {
            return match != null;
        }
    }

    /**
     * @param embedder   the question's vector (the model named by {@code embedderId})
     * @param searches   where searches run: CPU work, kept off the embedder's and Netty's threads
     * @param indexFed   whether the index's feed ({@code cache-entries}, {@code cache-commands}) is
     *                   up: without it, entries deleted or invalidated since would still match
     */
    public SemanticLookup(Function<String, Mono<float[]>> embedder, String embedderId, SemanticIndex index,
                          LexicalGuard guard, Duration deadline, Scheduler searches, SemanticMetrics metrics,
                          Clock clock, BooleanSupplier indexFed) {
        this.embedder = embedder;
        this.embedderId = embedderId;
        this.index = index;
        this.guard = guard;
        this.deadline = deadline;
        this.searches = searches;
        this.metrics = metrics;
        this.clock = clock;
        this.indexFed = indexFed;
    }

    /** Never fails: every failure is a miss. */
    public Mono<Result> find(SemanticQuery query) {
        return Mono.defer(() -> {
            if (!indexFed.getAsBoolean()) {
                return Mono.just(Result.miss(() -> null, SemanticMetrics.STALE));
            }
            Embedding embedding = embed(query);
            if (embedding == null) {
                return Mono.just(Result.miss(() -> null, SemanticMetrics.BUSY));
            }
            return Mono.fromFuture(embedding.unit(), true)
                    .publishOn(searches)
                    .map(unit -> search(query, unit))
                    .timeout(deadline)
                    .onErrorResume(error -> Mono.just(Result.miss(embedding.late(), error instanceof TimeoutException
                            ? SemanticMetrics.TIMEOUT : SemanticMetrics.ERROR)));
        })
                // Counted once, as it ended: a search that finishes after the deadline was a timeout.
                .doOnNext(result -> metrics.lookedUp(result.outcome()));
    }

    /**
     * Embeds the question without looking it up, for the index (the call asks the LLM itself):
     * the vector when it is ready (null until then, if it failed, or if the embedder is busy).
     */
    public Supplier<SemanticVector> embedOnly(SemanticQuery query) {
        Embedding embedding = embed(query);
        return embedding == null ? () -> null : embedding.late();
    }

    /** An embedding under way: the unit vector, and the question's vector once it is there. */
    private record Embedding(CompletableFuture<float[]> unit, Supplier<SemanticVector> late) {
    }

    /** Starts embedding the question; null if too many embeddings are under way. */
    private Embedding embed(SemanticQuery query) {
        if (pending.incrementAndGet() > MAX_PENDING) {
            pending.decrementAndGet();
            return null;
        }
        long start = System.nanoTime();
        // Runs to its end even when the lookup gives up on it: the vector may still reach the index.
        CompletableFuture<float[]> unit = Mono.defer(() -> embedder.apply(query.question()))
                // An upstream that answers with no body: a failure, not a lookup that never ends.
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("The embedder returned no vector")))
                .map(vector -> {
                    metrics.embedded(System.nanoTime() - start);
                    float[] normalized = SemanticIndex.unit(vector);
                    if (normalized == null) {
                        throw new IllegalStateException("The embedder returned a zero vector");
                    }
                    return normalized;
                })
                // Bounded, so that hung embedder calls cannot hold the pending count up for ever.
                .timeout(deadline.multipliedBy(20))
                .toFuture();
        unit.whenComplete((vector, error) -> pending.decrementAndGet());
        return new Embedding(unit, () -> unit.isDone() && !unit.isCompletedExceptionally()
                ? vectorOf(query, unit.join()) : null);
    }

    private SemanticVector vectorOf(SemanticQuery query, float[] unit) {
        return new SemanticVector(query.scope(), embedderId, query.question(), Vectors.toBase64(unit));
    }

    private Result search(SemanticQuery query, float[] unit) {
        long start = System.nanoTime();
        long createdSince = query.maxAgeSeconds() == null ? Long.MIN_VALUE
                : clock.millis() - query.maxAgeSeconds() * 1000;
        SemanticIndex.Search search = index.search(query.scope(), embedderId, unit, query.threshold(), createdSince,
                CANDIDATES);
        metrics.searched(System.nanoTime() - start, search.best());
        SemanticVector vector = vectorOf(query, unit);
        for (SemanticIndex.Candidate candidate : search.candidates()) {
            if (guard.check(candidate.question(), query.question()).allowed()) {
                return new Result(candidate.answer(),
                        new SemanticMatch(candidate.answer().cacheKey(), Math.min(1.0, candidate.similarity()),
                                candidate.answer().createdAt()), () -> vector, SemanticMetrics.HIT);
            }
        }
        return Result.miss(() -> vector, search.candidates().isEmpty() ? SemanticMetrics.MISS : SemanticMetrics.REFUSED);
    }
}
