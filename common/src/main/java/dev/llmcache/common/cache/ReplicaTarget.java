package dev.llmcache.common.cache;

import dev.llmcache.common.event.CachedAnswer;
import java.util.function.Predicate;

/** Where a {@link CacheEntriesReplica} keeps the entries: an ingest's memory tier, the semantic index. */
public interface ReplicaTarget {

    void put(CachedAnswer answer);

    void remove(String key);

    /** Removes every entry {@code matches} (an operator's invalidation: rare, may scan). */
    void removeIf(Predicate<CachedAnswer> matches);

    long entries();

    /** Heap the entries take, estimated. */
    long bytes();
}
