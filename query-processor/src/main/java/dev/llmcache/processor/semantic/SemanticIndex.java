package dev.llmcache.processor.semantic;

import dev.llmcache.common.cache.ReplicaTarget;
import dev.llmcache.common.embedding.Vectors;
import dev.llmcache.common.event.CachedAnswer;
import dev.llmcache.common.semantic.SemanticMatch;
import dev.llmcache.common.semantic.SemanticVector;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

/**
 * The cached answers of eligible queries, by the meaning of their question: per scope and embedder,
 * every entry's unit-length question vector and its {@link SimHash} code. A search compares the
 * query's code with every code of the scope (kept in one array: 32 bytes an entry, read in one
 * pass) and compares exactly, by dot product, only the entries whose code is close enough to be
 * at the threshold, plus the closest one (for the best-similarity metric). A read replica of the
 * cache, fed from {@code cache-entries} by a {@code CacheEntriesReplica}: entries leave with their
 * tombstone, an operator's invalidation, their expiry (never returned after it) or, beyond the
 * bounds in entries and bytes, oldest first. A scope's own bounds are a share of them, so one
 * tenant's flood of new questions (or of long answers) makes room from its own oldest entries.
 *
 * <p>Searches run concurrently under a read lock; the one writer (the replica) takes the write lock.
 */
public final class SemanticIndex implements ReplicaTarget {

    /** Bytes an entry costs besides its vector and text: the objects, the maps' nodes. */
    private static final int ENTRY_OVERHEAD = 450;

    private final long maxEntries;
    private final long maxBytes;
    private final int maxEntriesPerScope;
    private final long maxBytesPerScope;
    private final Clock clock;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Every entry by cache key, oldest first (the eviction order); guarded by lock. */
    private final LinkedHashMap<String, Entry> byKey = new LinkedHashMap<>();
    private final Map<String, Scope> scopes = new HashMap<>();
    private long bytes; // guarded by lock

    /** A match: the cached answer and how similar its question is to the one asked. */
    public record Candidate(CachedAnswer answer, String question, double similarity) {
    }

    private static final class Entry {
        final CachedAnswer answer; // without its vector
        final String question;
        final float[] vector;
        final String scope;
        final long bytes;
        int position; // in its scope's list

        Entry(CachedAnswer answer, String question, float[] vector, String scope) {
            this.answer = answer;
            this.question = question;
            this.vector = vector;
            this.scope = scope;
            this.bytes = ENTRY_OVERHEAD + vector.length * (long) Float.BYTES + SimHash.WORDS * Long.BYTES
                    + 2L * (question.length() + length(answer.content()) + answer.cacheKey().length()
                    + (answer.extras() == null ? 0 : String.valueOf(answer.extras()).length()));
        }
    }

    /**
     * One scope's entries, in no order, and their codes in one array at the same positions;
     * removal moves the last into the hole.
     */
    private static final class Scope {
        final ArrayList<Entry> entries = new ArrayList<>();
        /** The same entries, oldest first (identity-hashed): a full scope finds its oldest at once. */
        final LinkedHashSet<Entry> byAge = new LinkedHashSet<>();
        long[] codes = new long[16 * SimHash.WORDS];
        long bytes;

        void add(Entry entry) {
            entry.position = entries.size();
            entries.add(entry);
            byAge.add(entry);
            bytes += entry.bytes;
            if (codes.length < entries.size() * SimHash.WORDS) {
                codes = java.util.Arrays.copyOf(codes, codes.length * 2);
            }
            System.arraycopy(SimHash.code(entry.vector), 0, codes, entry.position * SimHash.WORDS, SimHash.WORDS);
        }

        void remove(Entry entry) {
            byAge.remove(entry);
            bytes -= entry.bytes;
            int lastPosition = entries.size() - 1;
            Entry last = entries.remove(lastPosition);
            if (last != entry) {
                entries.set(entry.position, last);
                last.position = entry.position;
                System.arraycopy(codes, lastPosition * SimHash.WORDS, codes, entry.position * SimHash.WORDS,
                        SimHash.WORDS);
            }
            // A scope that shrank gives its room back: the bounds count entries, not past high-water marks.
            if (codes.length > 16 * SimHash.WORDS && entries.size() * 4 < codes.length / SimHash.WORDS) {
                codes = java.util.Arrays.copyOf(codes, codes.length / 2);
                entries.trimToSize();
            }
        }

        /** The entry indexed first. */
        Entry oldest() {
            return byAge.iterator().next();
        }
    }

    public SemanticIndex(long maxEntries, long maxBytes, Clock clock) {
        this(maxEntries, maxBytes, (int) Math.min(Integer.MAX_VALUE, maxEntries), clock);
    }

    /**
     * @param maxEntriesPerScope entries one scope keeps (its oldest leave first): one tenant's flood of
     *                           new questions cannot push every other scope out, nor make its searches
     *                           longer than this many comparisons. A scope's bytes are bounded in the
     *                           same proportion: {@code maxBytes * maxEntriesPerScope / maxEntries}.
     */
    public SemanticIndex(long maxEntries, long maxBytes, int maxEntriesPerScope, Clock clock) {
        if (maxEntries < 1 || maxEntriesPerScope < 1) {
            throw new IllegalArgumentException("The semantic index needs room for at least one entry (per scope)");
        }
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.maxEntriesPerScope = maxEntriesPerScope;
        this.maxBytesPerScope = maxEntriesPerScope >= maxEntries ? maxBytes
                : (long) (maxBytes * ((double) maxEntriesPerScope / maxEntries));
        this.clock = clock;
    }

    /** Indexes an entry that carries a vector; an entry without one only replaces (removes) the key's old one. */
    @Override
    public void put(CachedAnswer answer) {
        SemanticVector semantic = answer.semantic();
        boolean whole = semantic != null && semantic.vector() != null && semantic.scope() != null
                && semantic.embedder() != null && semantic.question() != null;
        float[] vector = whole ? unit(decode(semantic.vector())) : null;
        lock.writeLock().lock();
        try {
            removeLocked(answer.cacheKey());
            // Tool calls copy their arguments from the question (dates, names, titles): a question
            // that reads alike needs calls of its own.
            boolean toolCalls = answer.extras() != null && answer.extras().toolCalls() != null;
            if (vector == null || toolCalls || answer.isExpiredAt(clock.millis())) {
                return;
            }
            Entry entry = new Entry(answer.withoutVector(), semantic.question(), vector,
                    scopeId(semantic.scope(), semantic.embedder()));
            if (entry.bytes > maxBytesPerScope) {
                return; // an answer larger than a scope's whole share is not worth every other entry
            }
            Scope scope = scopes.computeIfAbsent(entry.scope, s -> new Scope());
            while (!scope.entries.isEmpty() && (scope.entries.size() >= maxEntriesPerScope
                    || scope.bytes + entry.bytes > maxBytesPerScope)) {
                Entry oldest = scope.oldest();
                byKey.remove(oldest.answer.cacheKey());
                detach(oldest);
            }
            scopes.putIfAbsent(entry.scope, scope); // detach dropped it if it emptied
            scope.add(entry);
            byKey.put(answer.cacheKey(), entry);
            bytes += entry.bytes;
            Iterator<Entry> oldest = byKey.values().iterator();
            while ((byKey.size() > maxEntries || bytes > maxBytes) && oldest.hasNext()) {
                Entry evicted = oldest.next();
                oldest.remove();
                detach(evicted);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void remove(String key) {
        lock.writeLock().lock();
        try {
            removeLocked(key);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void removeIf(Predicate<CachedAnswer> matches) {
        lock.writeLock().lock();
        try {
            Iterator<Entry> all = byKey.values().iterator();
            while (all.hasNext()) {
                Entry entry = all.next();
                if (matches.test(entry.answer)) {
                    all.remove();
                    detach(entry);
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * The entries of {@code scope} embedded by {@code embedder} whose question is at least
     * {@code threshold} similar to {@code vector} (unit length), alive and created at or after
     * {@code createdSince}, most similar first, at most {@code limit}; also the best similarity
     * seen, matched or not ({@link Search#best()}).
     */
    public Search search(String scope, String embedder, float[] vector, double threshold, long createdSince,
                         int limit) {
        long now = clock.millis();
        lock.readLock().lock();
        try {
            Scope entries = scopes.get(scopeId(scope, embedder));
            if (entries == null) {
                return new Search(List.of(), Double.NaN);
            }
            // The most similar {@code limit}, least similar on top: a scope of any size costs no more memory.
            PriorityQueue<Candidate> found = new PriorityQueue<>(Comparator.comparingDouble(Candidate::similarity));
            double best = Double.NaN;
            long[] code = SimHash.code(vector);
            int maxDistance = SimHash.maxDistance(threshold);
            long[] codes = entries.codes;
            int closest = -1;
            int closestDistance = Integer.MAX_VALUE;
            int size = entries.entries.size();
            for (int position = 0; position < size; position++) {
                int distance = SimHash.distance(codes, position * SimHash.WORDS, code);
                if (distance < closestDistance) {
                    closest = position;
                    closestDistance = distance;
                }
                if (distance > maxDistance && position != closest) {
                    continue; // certainly below the threshold (but for a chance of 3 in 100,000)
                }
                Entry entry = entries.entries.get(position);
                if (entry.vector.length != vector.length || entry.answer.isExpiredAt(now)
                        || entry.answer.createdAt() < createdSince) {
                    continue;
                }
                double similarity = dot(entry.vector, vector);
                if (!(similarity <= best)) {
                    best = similarity;
                }
                if (SemanticMatch.reaches(similarity, threshold)
                        && (found.size() < limit || similarity > found.peek().similarity())) {
                    found.add(new Candidate(entry.answer, entry.question, similarity));
                    if (found.size() > limit) {
                        found.poll();
                    }
                }
            }
            List<Candidate> ranked = new ArrayList<>(found);
            ranked.sort(Comparator.comparingDouble(Candidate::similarity).reversed());
            return new Search(ranked, best);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** @param best the highest similarity in the scope (NaN if it was empty) */
    public record Search(List<Candidate> candidates, double best) {
    }

    /** Whether the entry of {@code key} is indexed. */
    public boolean contains(String key) {
        lock.readLock().lock();
        try {
            return byKey.containsKey(key);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long entries() {
        lock.readLock().lock();
        try {
            return byKey.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long bytes() {
        lock.readLock().lock();
        try {
            return bytes;
        } finally {
            lock.readLock().unlock();
        }
    }

    private void removeLocked(String key) {
        Entry old = byKey.remove(key);
        if (old != null) {
            detach(old);
        }
    }

    /** Takes an entry out of its scope (already out of {@link #byKey}). */
    private void detach(Entry entry) {
        Scope scope = scopes.get(entry.scope);
        scope.remove(entry);
        if (scope.entries.isEmpty()) {
            scopes.remove(entry.scope);
        }
        bytes -= entry.bytes;
    }

    /** Four independent sums: the loop is bound by memory and by additions' latency, not by their number. */
    static double dot(float[] a, float[] b) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        int n = a.length & ~3;
        for (; i < n; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < a.length; i++) {
            s0 += a[i] * b[i];
        }
        return (double) s0 + s1 + s2 + s3;
    }

    /** {@code vector} scaled to length 1 (cosine similarity is then a dot product); null if it has none. */
    public static float[] unit(float[] vector) {
        if (vector == null) {
            return null;
        }
        double norm = 0;
        for (float value : vector) {
            norm += value * value;
        }
        if (!(norm > 0) || !Double.isFinite(norm)) {
            return null;
        }
        float scale = (float) (1 / Math.sqrt(norm));
        float[] unit = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            unit[i] = vector[i] * scale;
        }
        return unit;
    }

    private static float[] decode(String base64) {
        try {
            return Vectors.fromBase64(base64);
        } catch (IllegalArgumentException e) {
            return null; // not a vector: the entry is not indexed
        }
    }

    private static String scopeId(String scope, String embedder) {
        return scope + '\n' + embedder;
    }

    private static int length(String text) {
        return text == null ? 0 : text.length();
    }
}
