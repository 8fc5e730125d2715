package dev.llmcache.ingest.limits;

import io.github.bucket4j.ConsumptionProbe;

/**
 * What one budget looked like when a request asked it for something.
 *
 * @param granted      whether the request got what it asked for
 * @param limit        the budget per minute
 * @param remaining    what is left of it
 * @param resetSeconds seconds until it is full again
 * @param retryAfter   seconds until what was asked for is there (when not granted)
 */
public record BudgetState(boolean granted, long limit, long remaining, long resetSeconds, long retryAfter) {

    /** @param unit budget units per reported unit (thousandths of a request for request budgets) */
    static BudgetState of(ConsumptionProbe probe, long limit, long unit) {
        return new BudgetState(probe.isConsumed(), limit, Math.max(0, probe.getRemainingTokens()) / unit,
                seconds(probe.getNanosToWaitForReset()), Math.max(1, seconds(probe.getNanosToWaitForRefill())));
    }

    private static long seconds(long nanos) {
        return nanos <= 0 ? 0 : (nanos + 999_999_999L) / 1_000_000_000L;
    }
}
