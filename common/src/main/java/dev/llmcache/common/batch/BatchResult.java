package dev.llmcache.common.batch;

import tools.jackson.databind.JsonNode;

/**
 * The outcome of one line of a batch, on the compacted {@code batch-results} topic, keyed
 * {@code <batchId>/<index>} and written to the partition of its batch's runner. A line run twice
 * (its runner died before this record was written) writes the same key again; the output file
 * takes one record per index, so every line appears there exactly once.
 *
 * @param index  the line's position in the input file, from 0
 * @param ok     whether it goes to the output file (else to the error file)
 * @param output the line of the output (or error) file: OpenAI's batch output format (kept as
 *               JSON, not as a string of JSON, so that it is not escaped twice on the wire)
 */
public record BatchResult(int schemaVersion, String batchId, int index, boolean ok, JsonNode output) {

    public static final int SCHEMA_VERSION = 1;

    public static String key(String batchId, int index) {
        return batchId + "/" + index;
    }
}
