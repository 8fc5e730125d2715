package dev.llmcache.bench;

/**
 * One request as the load generator saw it.
 *
 * @param latencyStartNanos where latency is measured from: the send time, or in an open loop the
 *                          intended send time (coordinated-omission correction)
 * @param firstByteNanos    first response body bytes (the first token of a stream)
 * @param cache             the {@code X-Cache} header, with the {@code X-Cache-Tier} of a hit
 *                          ({@code HIT/memory}, {@code HIT/store}), or null
 * @param error             null on success, else the kind: {@code http_<status>}, {@code timeout},
 *                          {@code io}, {@code stream_error}, {@code truncated}
 * @param body              the response body, when the scenario asked to keep it
 */
record RequestResult(long latencyStartNanos, long firstByteNanos, long endNanos, int status, String cache,
                     String error, String body) {

    long timeToFirstByteNanos() {
        return Math.max(0, (firstByteNanos > 0 ? firstByteNanos : endNanos) - latencyStartNanos);
    }

    long totalNanos() {
        return Math.max(0, endNanos - latencyStartNanos);
    }

    boolean ok() {
        return error == null;
    }
}
