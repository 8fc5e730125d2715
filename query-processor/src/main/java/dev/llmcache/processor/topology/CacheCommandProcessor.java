package dev.llmcache.processor.topology;

import dev.llmcache.common.event.CacheCommand;
import dev.llmcache.common.event.CachedAnswer;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out operators' commands on this task's cache: a deleted key is removed at once; an
 * invalidation is in force at once ({@link Invalidations}) and swept by a punctuator, a batch of
 * entries at a time. Every removed entry is tombstoned on {@code cache-entries}, which removes it
 * from every replica (ingest memory tiers, cache-service).
 */
final class CacheCommandProcessor extends KeyStateProcessor<CacheCommand> {

    private static final Logger log = LoggerFactory.getLogger(CacheCommandProcessor.class);
    static final Duration SWEEP_INTERVAL = Duration.ofMillis(100);
    static final int SWEEP_BATCH = 1_000;

    CacheCommandProcessor(TopologySettings settings) {
        super(settings);
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        super.init(context);
        context.schedule(SWEEP_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::sweep);
    }

    @Override
    public void process(Record<String, CacheCommand> record) {
        CacheCommand command = record.value();
        if (command == null || command.type() == null) {
            return;
        }
        switch (command.type()) {
            case DELETE -> {
                if (command.cacheKey() != null) {
                    cache.remove(command.cacheKey());
                    // Tombstoned even if this task had no entry: a replica may still have one.
                    tombstone(command.cacheKey());
                }
            }
            case INVALIDATE -> invalidations.start(command);
        }
    }

    /**
     * Advances the running invalidations, oldest first, by {@link #SWEEP_BATCH} cache entries in
     * all: however many are queued, a tick costs the stream thread the same.
     */
    private void sweep(long now) {
        invalidations.forgetSweptBefore(now, settings.inflightTimeout().toMillis());
        int budget = SWEEP_BATCH;
        for (Invalidations.Sweep sweep : invalidations.running()) {
            if (budget <= 0) {
                break;
            }
            List<CachedAnswer> batch = cache.scan(sweep.cursor(), budget);
            budget -= batch.size();
            long removed = 0;
            for (CachedAnswer entry : batch) {
                if (sweep.command().removes(entry) && cache.remove(entry.cacheKey())) {
                    tombstone(entry.cacheKey());
                    removed++;
                }
            }
            Invalidations.Sweep advanced = sweep.advancedTo(
                    batch.isEmpty() ? sweep.cursor() : batch.get(batch.size() - 1).cacheKey(), batch.size(), removed);
            if (budget > 0) {
                // The scan ended before the budget did: the store holds nothing further.
                invalidations.swept(advanced);
                log.info("Invalidation {} done on task {}: {} of {} entries removed", sweep.command().commandId(),
                        context.taskId(), advanced.removed(), advanced.scanned());
            } else {
                invalidations.update(advanced);
            }
        }
    }

    private void tombstone(String key) {
        context.forward(new Record<>(key, null, context.currentSystemTimeMs()), QueryTopology.CACHE_ENTRIES_SINK);
    }
}
