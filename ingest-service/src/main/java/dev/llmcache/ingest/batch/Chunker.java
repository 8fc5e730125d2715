package dev.llmcache.ingest.batch;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Cuts a stream of byte arrays of any sizes into chunks of one size (the last one shorter). */
final class Chunker {

    private final int size;
    private ByteArrayOutputStream current;

    Chunker(int size) {
        this.size = size;
        this.current = new ByteArrayOutputStream(size);
    }

    /** The chunks {@code bytes} completes (often none). */
    List<byte[]> add(byte[] bytes) {
        List<byte[]> full = new ArrayList<>();
        int from = 0;
        while (from < bytes.length) {
            int take = Math.min(size - current.size(), bytes.length - from);
            current.write(bytes, from, take);
            from += take;
            if (current.size() == size) {
                full.add(current.toByteArray());
                current = new ByteArrayOutputStream(size);
            }
        }
        return full;
    }

    /** What is left after the last {@link #add}: the last chunk, or none. */
    List<byte[]> rest() {
        return current.size() == 0 ? List.of() : List.of(current.toByteArray());
    }
}
