package dev.llmcache.common.event;

/**
 * An operator's command to the cache, on the {@code cache-commands} topic (published by the
 * cache-service admin API). The processor task that owns a key carries it out on its state store
 * and tombstones the removed entries on {@code cache-entries}, which removes them from every
 * replica; ingest instances apply it to their memory tier at once, without waiting for the tombstones.
 *
 * <ul>
 *   <li>{@link Type#DELETE}: one entry, keyed by its cache key (so it reaches the key's task).</li>
 *   <li>{@link Type#INVALIDATE}: every entry matching all the given filters and created before
 *       the command was issued; one record per partition, so every task sees it.</li>
 * </ul>
 *
 * @param commandId     names the command (all partitions' records of one invalidation share it)
 * @param cacheKey      on {@code DELETE}: the entry's key
 * @param namespace     on {@code INVALIDATE}: only entries of this namespace; null for any
 * @param model         on {@code INVALIDATE}: only entries of this model; null for any
 * @param createdBefore on {@code INVALIDATE}: only entries created before this (epoch millis);
 *                      null means before {@code issuedAt}
 * @param issuedAt      when the admin API accepted the command (epoch millis)
 */
public record CacheCommand(
        int schemaVersion,
        String commandId,
        Type type,
        String cacheKey,
        String namespace,
        String model,
        Long createdBefore,
        long issuedAt) {

    public static final int SCHEMA_VERSION = 1;

    public enum Type { DELETE, INVALIDATE }

    public static CacheCommand delete(String commandId, String cacheKey, long issuedAt) {
        return new CacheCommand(SCHEMA_VERSION, commandId, Type.DELETE, cacheKey, null, null, null, issuedAt);
    }

    public static CacheCommand invalidate(String commandId, String namespace, String model, Long createdBefore,
                                          long issuedAt) {
        return new CacheCommand(SCHEMA_VERSION, commandId, Type.INVALIDATE, null, namespace, model, createdBefore,
                issuedAt);
    }

    /** Whether an {@code INVALIDATE} removes {@code entry}: it matches every filter and is old enough. */
    public boolean removes(CachedAnswer entry) {
        if (type == Type.DELETE) {
            return entry.cacheKey().equals(cacheKey);
        }
        long before = createdBefore == null ? issuedAt : Math.min(createdBefore, issuedAt);
        return entry.createdAt() < before
                && (namespace == null || namespace.equals(entry.namespace()))
                && (model == null || model.equals(entry.model()));
    }
}
