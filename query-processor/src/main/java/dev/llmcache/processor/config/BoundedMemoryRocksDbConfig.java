package dev.llmcache.processor.config;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the memory of all RocksDB stores of this JVM, whatever the traffic: one LRU block cache
 * shared by every store, with memtables charged against it (the pattern of the Kafka Streams
 * memory-management guide).
 */
public final class BoundedMemoryRocksDbConfig implements RocksDBConfigSetter {

    /** Custom Streams config key carrying the total bytes. */
    public static final String TOTAL_MEMORY_CONFIG = "llmcache.rocksdb.total.memory.bytes";

    private static Cache cache;
    private static WriteBufferManager writeBufferManager;

    private static synchronized void init(long totalBytes) {
        if (cache == null) {
            // Half the budget may be memtables; index and filter blocks get a high-priority share.
            cache = new LRUCache(totalBytes, -1, false, 0.1);
            writeBufferManager = new WriteBufferManager(totalBytes / 2, cache);
        }
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Object configured = configs.get(TOTAL_MEMORY_CONFIG);
        init(configured == null ? 64L << 20 : Long.parseLong(configured.toString()));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(writeBufferManager);
        options.setMaxWriteBufferNumber(3);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and write buffer manager are shared by every store: never closed per store.
    }
}
