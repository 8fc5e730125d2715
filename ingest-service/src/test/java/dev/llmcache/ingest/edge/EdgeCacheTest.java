package dev.llmcache.ingest.edge;

import dev.llmcache.common.cache.CacheEntriesReplica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmcache.common.event.Answer;
import dev.llmcache.common.event.CacheCommand;
import dev.llmcache.common.event.CacheDirectives;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.event.Usage;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class EdgeCacheTest {

    private static final long NOW = 1_000_000_000L;
    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
    private final MemoryTier memory = new MemoryTier(1 << 20, clock);
    private final EdgeCache edge = new EdgeCache(memory, clock);
    private final CacheEntriesReplica replica = new CacheEntriesReplica(null, null, null, memory, "edge");

    @Test
    void anEntryFromTheCacheEntriesTopicIsAHitInMemoryUntilItsTombstoneArrives() {
        replica.apply("k1", entry("k1", 60_000, 0), NOW);

        assertThat(edge.lookup("k1", CacheDirectives.DEFAULT).block())
                .isEqualTo(new EdgeHit(entry("k1", 60_000, 0), Answer.MEMORY));

        replica.apply("k1", null, NOW);
        assertThat(edge.lookup("k1", CacheDirectives.DEFAULT).blockOptional()).isEmpty();
    }

    @Test
    void anEntryAnInvalidationCoversIsNeverTakenEvenIfItArrivesAfterTheCommand() {
        replica.apply(CacheCommand.invalidate("cmd", "ns", null, null, NOW));

        replica.apply("k1", entry("k1", 60_000, 10), NOW);

        assertThat(edge.lookup("k1", CacheDirectives.DEFAULT).blockOptional()).isEmpty();
        replica.apply("k2", new CachedAnswer(CachedAnswer.SCHEMA_VERSION, "k2", "ns", "m", "newer", "stop",
                Usage.of(1, 1), NOW + 1, NOW + 60_000, 10, null), NOW);
        assertThat(edge.lookup("k2", CacheDirectives.DEFAULT).blockOptional()).as("created after it").isPresent();
    }

    @Test
    void anEntryAfterItsKeysTombstoneIsTakenEvenIfItsCallStartedBeforeTheTombstone() {
        // A hot key: its answer expired, a request started a new call, then the sweep's tombstone came.
        replica.apply("k1", entry("k1", -1, 5_000), NOW - 5_000);
        replica.apply("k1", null, NOW);
        CachedAnswer refreshed = new CachedAnswer(CachedAnswer.SCHEMA_VERSION, "k1", "ns", "m", "refreshed", "stop",
                Usage.of(1, 1), NOW - 500, NOW + 60_000, 10, null);

        replica.apply("k1", refreshed, NOW + 300);

        assertThat(edge.lookup("k1", CacheDirectives.DEFAULT).blockOptional()).isPresent();
        assertThat(replica.invalidated(refreshed)).as("the refreshed entry, read from Redis").isFalse();
        assertThat(replica.invalidated(entry("k1", 60_000, 5_000))).as("the old one, still in Redis").isTrue();
    }

    @Test
    void anEntryCreatedBeforeAnOperatorsDeleteOfItsKeyIsNeverTaken() {
        replica.apply(CacheCommand.delete("cmd", "k1", NOW));

        replica.apply("k1", entry("k1", 60_000, 10), NOW + 100);

        assertThat(edge.lookup("k1", CacheDirectives.DEFAULT).blockOptional()).isEmpty();
    }

    @Test
    void noCacheSkipsTheEdgeAndMaxAgeAndTheEntrysTtlHoldThere() {
        memory.put(entry("k1", 60_000, 30_000));

        assertThat(edge.lookup("k1", new CacheDirectives(true, false, null, null)).blockOptional()).isEmpty();
        assertThat(edge.lookup("k1", new CacheDirectives(false, false, 10L, null)).blockOptional())
                .as("older than max-age").isEmpty();
        assertThat(edge.lookup("k1", new CacheDirectives(false, false, 60L, null)).blockOptional()).isPresent();

        memory.put(entry("k2", -1, 0));
        assertThat(edge.lookup("k2", CacheDirectives.DEFAULT).blockOptional()).as("expired").isEmpty();
    }

    @Test
    void theMemoryTierStaysWithinItsBytes() {
        MemoryTier small = new MemoryTier(64 * 1024, clock);
        for (int i = 0; i < 200; i++) {
            small.put(new CachedAnswer(CachedAnswer.SCHEMA_VERSION, "k" + i, "ns", "m", "x".repeat(1_000), "stop",
                    Usage.of(1, 1), NOW, NOW + 60_000, 1, null));
        }
        // Caffeine evicts asynchronously; cleanUp runs the pending maintenance.
        small.cleanUp();
        assertThat(small.bytes()).isLessThanOrEqualTo(64 * 1024);
        assertThat(small.entries()).isBetween(1L, 64L);
    }

    /** An entry created {@code ageMillis} ago that expires {@code ttlMillis} from now. */
    private static CachedAnswer entry(String key, long ttlMillis, long ageMillis) {
        return new CachedAnswer(CachedAnswer.SCHEMA_VERSION, key, "ns", "m", "answer", "stop", Usage.of(1, 1),
                NOW - ageMillis, NOW + ttlMillis, 10, null);
    }
}
