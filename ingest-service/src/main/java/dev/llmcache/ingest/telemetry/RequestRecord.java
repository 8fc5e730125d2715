package dev.llmcache.ingest.telemetry;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheOutcome;
import dev.llmcache.ingest.api.ParsedQuery;
import io.micrometer.tracing.Span;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What ingest learns about one request while its answers go by; read once when it ends.
 * Written by one reactive chain at a time, read after it terminated.
 */
public final class RequestRecord {

    private final ParsedQuery query;
    private final long startNanos;
    private volatile Answer first;
    private volatile Answer terminal;
    private volatile Long queueMillis;
    private volatile long firstContentNanos = -1;
    private final AtomicInteger coalescedWaiters;
    private final AtomicBoolean countedAsCoalesced = new AtomicBoolean();

    private final Span span;

    RequestRecord(ParsedQuery query, long startNanos, AtomicInteger coalescedWaiters, Span span) {
        this.query = query;
        this.startNanos = startNanos;
        this.span = span;
        this.coalescedWaiters = coalescedWaiters;
    }

    /** Called for every answer of the request, in order. */
    public void observe(Answer answer) {
        if (first == null && answer.outcome() != null) {
            first = answer;
            if (answer.outcome() == CacheOutcome.COALESCED && countedAsCoalesced.compareAndSet(false, true)) {
                coalescedWaiters.incrementAndGet();
            }
        }
        // The processor reports the queue time once, on the first answer it sends (STARTED, or a hit's DONE).
        if (queueMillis == null && answer.timings() != null) {
            queueMillis = answer.timings().queueMillis();
        }
        if (firstContentNanos < 0 && (answer.type() == Answer.Type.CHUNK || answer.type() == Answer.Type.DONE)) {
            firstContentNanos = System.nanoTime();
        }
        if (answer.isTerminal()) {
            terminal = answer;
        }
    }

    /** Whether the request was answered from a cache (any tier, or a semantic match). */
    public boolean hit() {
        CacheOutcome outcome = Answer.outcomeOf(first, terminal);
        return outcome == CacheOutcome.HIT || outcome == CacheOutcome.SEMANTIC_HIT;
    }

    /**
     * The LLM tokens its answer reports (prompt and completion); -1 when unknown: no complete answer
     * reached the client (it left, timed out or got an error), though the call may still have cost them.
     */
    public long usedTokens() {
        Answer done = terminal;
        return done != null && done.type() == Answer.Type.DONE && done.usage() != null ? done.usage().totalTokens() : -1;
    }

    void leaveCoalesced() {
        if (countedAsCoalesced.compareAndSet(true, false)) {
            coalescedWaiters.decrementAndGet();
        }
    }

    Span span() {
        return span;
    }

    ParsedQuery query() {
        return query;
    }

    long startNanos() {
        return startNanos;
    }

    /** The outcome the processor decided, or null if none arrived. */
    Answer first() {
        return first;
    }

    /** The DONE or ERROR answer, or null if the client left (or the request was released) before it. */
    Answer terminal() {
        return terminal;
    }

    Long queueMillis() {
        return queueMillis;
    }

    long firstContentNanos() {
        return firstContentNanos;
    }
}
