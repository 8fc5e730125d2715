package dev.llmcache.common.batch;

/**
 * An uploaded file (OpenAI Files API) as kept on the compacted {@code files} topic; its bytes are
 * chunks on {@code file-contents}, keyed {@code <id>/<n>}, all in one partition, so that reading
 * the file is one sequential read of the offsets {@code firstOffset..lastOffset} (compaction
 * keeps offsets). Written after its last chunk: a file on {@code files} is complete.
 *
 * @param owner     the tenant it belongs to; no other tenant sees it
 * @param createdAt epoch seconds, as the API shows it
 */
public record StoredFile(int schemaVersion, String id, String owner, String purpose, String filename, long bytes,
                         long createdAt, int partition, long firstOffset, long lastOffset, int chunks) {

    public static final int SCHEMA_VERSION = 1;

    /** The key of chunk {@code n} of file {@code id} on {@code file-contents}. */
    public static String chunkKey(String id, int n) {
        return id + "/" + n;
    }

    public boolean ownsChunk(String key) {
        return key != null && key.startsWith(id + "/");
    }
}
