package dev.llmcache.common.batch;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A batch (OpenAI Batch API) as kept on the compacted {@code batches} topic: the latest record
 * under the batch's id is its state. The API writes it once (create); from then on only the
 * runner that owns the batch's partition writes it (progress, outcome). A cancel is a request
 * beside it, under {@link #cancelKey}, in the same partition: so no writer ever overwrites
 * another's record. {@code revision} orders the records of one batch.
 *
 * @param resultsPartition the partition of {@code batch-results} its results go to (-1: not yet chosen)
 * @param resultsFrom      the offset of that partition before which none of its results lie; the
 *                         runner reads its finished lines from there
 */
public record BatchState(int schemaVersion, String id, Owner owner, Spec spec, Status status,
                         List<LineError> errors, String outputFileId, String errorFileId, Times times,
                         Counts counts, int resultsPartition, long resultsFrom, long revision) {

    public static final int SCHEMA_VERSION = 1;

    public BatchState {
        errors = errors == null ? List.of() : List.copyOf(errors);
        counts = counts == null ? new Counts(0, 0, 0) : counts;
    }

    /** OpenAI's batch statuses, in the order a batch goes through them. */
    public enum Status {
        VALIDATING, FAILED, IN_PROGRESS, FINALIZING, COMPLETED, EXPIRED, CANCELLING, CANCELLED;

        public boolean terminal() {
            return this == FAILED || this == COMPLETED || this == EXPIRED || this == CANCELLED;
        }

        /** The name in the API: lower case. */
        public String apiName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Whom the batch's lines are run as: the creating request's tenant and key, the namespaces its
     * key may use, and the cache namespace it named (if any). Never the key itself.
     */
    public record Owner(String tenant, String keyId, List<String> namespaces, String namespace) {
        public Owner {
            namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
        }
    }

    /** What was asked for. */
    public record Spec(String endpoint, String inputFileId, String completionWindow, Map<String, String> metadata) {
        public Spec {
            metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        }
    }

    /** When the batch entered each status, in epoch seconds ({@code null}: not yet). */
    public record Times(long createdAt, long expiresAt, Long inProgressAt, Long finalizingAt, Long completedAt,
                        Long failedAt, Long expiredAt, Long cancellingAt, Long cancelledAt) {

        Times entering(Status status, long now) {
            return switch (status) {
                case VALIDATING -> this;
                case IN_PROGRESS -> new Times(createdAt, expiresAt, now, finalizingAt, completedAt, failedAt,
                        expiredAt, cancellingAt, cancelledAt);
                case FINALIZING -> new Times(createdAt, expiresAt, inProgressAt, now, completedAt, failedAt,
                        expiredAt, cancellingAt, cancelledAt);
                case COMPLETED -> new Times(createdAt, expiresAt, inProgressAt, finalizingAt, now, failedAt,
                        expiredAt, cancellingAt, cancelledAt);
                case FAILED -> new Times(createdAt, expiresAt, inProgressAt, finalizingAt, completedAt, now,
                        expiredAt, cancellingAt, cancelledAt);
                case EXPIRED -> new Times(createdAt, expiresAt, inProgressAt, finalizingAt, completedAt, failedAt,
                        now, cancellingAt, cancelledAt);
                case CANCELLING -> new Times(createdAt, expiresAt, inProgressAt, finalizingAt, completedAt, failedAt,
                        expiredAt, now, cancelledAt);
                case CANCELLED -> new Times(createdAt, expiresAt, inProgressAt, finalizingAt, completedAt, failedAt,
                        expiredAt, cancellingAt, now);
            };
        }
    }

    /** OpenAI's {@code request_counts}. */
    public record Counts(int total, int completed, int failed) {
    }

    /** One reason the input file was refused, in OpenAI's {@code errors.data} shape. */
    public record LineError(String code, String message, String param, Integer line) {
    }

    private static final String CANCEL_SUFFIX = "/cancel";

    /** The key of a request to cancel batch {@code id} (its value: the batch as the requester saw it, cancelling). */
    public static String cancelKey(String id) {
        return id + CANCEL_SUFFIX;
    }

    public static boolean isCancelKey(String key) {
        return key != null && key.endsWith(CANCEL_SUFFIX);
    }

    /** A batch just created: validating. */
    public static BatchState created(String id, Owner owner, Spec spec, long now, long expiresAt) {
        return new BatchState(SCHEMA_VERSION, id, owner, spec, Status.VALIDATING, List.of(), null, null,
                new Times(now, expiresAt, null, null, null, null, null, null, null), null, -1, 0, 0);
    }

    /**
     * This batch with a cancel asked for at {@code cancellingAt}: {@code cancelling} unless it has
     * ended already (an ended batch stays as it ended).
     */
    public BatchState withCancel(long cancellingAt) {
        if (status.terminal() || cancelRequested()) {
            return this;
        }
        Times cancelling = times.entering(Status.CANCELLING, cancellingAt);
        return new BatchState(schemaVersion, id, owner, spec, Status.CANCELLING, errors, outputFileId, errorFileId, cancelling,
                counts, resultsPartition, resultsFrom, revision);
    }

    /** This batch in {@code next} from {@code now} on. */
    public BatchState entering(Status next, long now) {
        return new BatchState(schemaVersion, id, owner, spec, next, errors, outputFileId, errorFileId,
                times.entering(next, now), counts, resultsPartition, resultsFrom, revision + 1);
    }

    public BatchState withCounts(Counts newCounts) {
        return new BatchState(schemaVersion, id, owner, spec, status, errors, outputFileId, errorFileId, times,
                newCounts, resultsPartition, resultsFrom, revision + 1);
    }

    public BatchState withErrors(List<LineError> newErrors) {
        return new BatchState(schemaVersion, id, owner, spec, status, newErrors, outputFileId, errorFileId, times,
                counts, resultsPartition, resultsFrom, revision + 1);
    }

    public BatchState withFiles(String output, String error) {
        return new BatchState(schemaVersion, id, owner, spec, status, errors, output, error, times, counts,
                resultsPartition, resultsFrom, revision + 1);
    }

    /** Where its results go: partition {@code partition} of {@code batch-results}, from {@code offset} on. */
    public BatchState withResults(int partition, long offset) {
        return new BatchState(schemaVersion, id, owner, spec, status, errors, outputFileId, errorFileId, times,
                counts, partition, offset, revision + 1);
    }

    /** Whether a cancel was asked for (it stays asked for, whoever writes the batch next). */
    public boolean cancelRequested() {
        return times.cancellingAt() != null;
    }
}
