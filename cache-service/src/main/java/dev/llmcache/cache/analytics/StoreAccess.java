package dev.llmcache.cache.analytics;

import org.apache.kafka.streams.state.QueryableStoreType;

/** Read access to a running topology's local stores; null while a store is not queryable. */
@FunctionalInterface
public interface StoreAccess {

    <T> T store(String name, QueryableStoreType<T> type);
}
