package dev.llmcache.processor.topology;

import dev.llmcache.common.event.LlmRequest;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The running LLM calls of one task: their progress and starter (one entry per call), the requests
 * that joined them (one record each, keyed {@code <cache key>|<request id>}, so joining is one small
 * write and the joiners of a key are one prefix scan, made only for calls that have joiners), and a
 * deadline index so overdue calls are found without a scan.
 */
final class InflightStore {

    /** A call that ended without an answer, with the requests that waited for it. */
    record Overdue(String key, InflightEntry entry, List<Waiter> waiters) {
    }

    private static final String SEPARATOR = "|";

    private final KeyValueStore<String, InflightEntry> entries;
    private final KeyValueStore<String, Waiter> waiters;
    private final ExpiryIndex deadlines;
    private final KeyValueStore<String, SemanticCall> semanticCalls;

    InflightStore(ProcessorContext<?, ?> context) {
        this.entries = context.getStateStore(StoreNames.INFLIGHT);
        this.waiters = context.getStateStore(StoreNames.INFLIGHT_WAITERS);
        this.deadlines = new ExpiryIndex(context.getStateStore(StoreNames.INFLIGHT_DEADLINES));
        this.semanticCalls = context.getStateStore(StoreNames.INFLIGHT_SEMANTIC);
    }

    InflightEntry get(String key) {
        return entries.get(key);
    }

    /** @param entry the new call, with the request that started it as its {@code starter} */
    void start(String key, InflightEntry entry) {
        entries.put(key, entry);
        deadlines.add(entry.deadline(), key);
    }

    /** Keeps the request of a call that looks for a semantic match first, until the call ends. */
    void startSemantic(String key, LlmRequest request) {
        semanticCalls.put(key, SemanticCall.of(request));
    }

    /** The semantic terms of {@code key}'s call; null if it makes no lookup (or no longer). */
    SemanticCall semanticCall(String key) {
        return semanticCalls.get(key);
    }

    void updateSemantic(String key, SemanticCall call) {
        semanticCalls.put(key, call);
    }

    /** Whether the request already waits for the call (its query is being processed again after a crash). */
    boolean isWaiting(String key, InflightEntry entry, String requestId) {
        return (entry.starter() != null && entry.starter().requestId().equals(requestId))
                || waiters.get(key + SEPARATOR + requestId) != null;
    }

    /** Adds a waiter to a running call; the answer may be cached once any waiter allows it. */
    void join(String key, InflightEntry running, Waiter joiner, boolean joinerAllowsStore) {
        waiters.put(key + SEPARATOR + joiner.requestId(), joiner);
        InflightEntry updated = running.withJoiner(joinerAllowsStore);
        if (updated != running) {
            entries.put(key, updated);
        }
    }

    void update(String key, InflightEntry entry) {
        entries.put(key, entry);
    }

    /** The requests waiting for {@code key}'s call: the starter, then the joiners in request-id order. */
    List<Waiter> waiters(String key, InflightEntry entry) {
        return withStarter(entry, joiners(key, entry));
    }

    /** Ends the call: removes it, its waiters and its deadline; returns the waiters. */
    List<Waiter> finish(String key, InflightEntry entry) {
        entries.delete(key);
        semanticCalls.delete(key);
        deadlines.remove(entry.deadline(), key);
        return removeWaiters(key, entry);
    }

    /** Removes up to {@code limit} calls whose deadline passed by {@code now} and returns them. */
    List<Overdue> removeOverdue(long now, int limit) {
        List<Overdue> overdue = new ArrayList<>();
        for (String key : deadlines.pollDue(now, limit)) {
            InflightEntry entry = entries.get(key);
            if (entry != null && entry.deadline() <= now) {
                entries.delete(key);
                semanticCalls.delete(key);
                overdue.add(new Overdue(key, entry, removeWaiters(key, entry)));
            }
        }
        return overdue;
    }

    private List<Waiter> removeWaiters(String key, InflightEntry entry) {
        List<Waiter> joiners = joiners(key, entry);
        joiners.forEach(joiner -> waiters.delete(key + SEPARATOR + joiner.requestId()));
        return withStarter(entry, joiners);
    }

    private static List<Waiter> withStarter(InflightEntry entry, List<Waiter> joiners) {
        if (entry.starter() == null) {
            return joiners;
        }
        List<Waiter> all = new ArrayList<>(joiners.size() + 1);
        all.add(entry.starter());
        all.addAll(joiners);
        return all;
    }

    /** Entries written before the starter was kept in them have it among these records. */
    private List<Waiter> joiners(String key, InflightEntry entry) {
        if (entry.starter() != null && !entry.joined()) {
            return List.of();
        }
        List<Waiter> found = new ArrayList<>();
        try (KeyValueIterator<String, Waiter> it = waiters.range(key + SEPARATOR, key + SEPARATOR + "\uffff")) {
            it.forEachRemaining(record -> found.add(record.value));
        }
        return found;
    }
}
