package dev.llmcache.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the machine's CPU went during a scenario: the product (and the share its JIT compiler took),
 * this JVM (load generator and simulated LLMs), the whole machine, and the product's GC pauses.
 * On a machine shared by all of them, this is what explains latency that the pipeline alone does not.
 * Reads {@code /proc} (Linux) and the product's own metrics; what cannot be read is reported as -1.
 */
final class CpuAccount {

    /** Cumulative counters at one moment. */
    record Reading(long wallNanos, long productCpuNanos, long benchCpuNanos, long productJitCpuNanos,
                   double productGcPauseSeconds, long machineBusyTicks, long machineTicks) {
    }

    private final StandaloneProcess product;

    CpuAccount(StandaloneProcess product) {
        this.product = product;
    }

    Reading read() {
        long[] machine = machineTicks();
        return new Reading(System.nanoTime(), product.cpuNanos(), benchCpuNanos(), product.compilerCpuNanos(),
                product.metric("llmcache.jvm.gc.pause", "TOTAL_TIME"), machine[0], machine[1]);
    }

    /**
     * Waits, at most {@code limit}, until the product's JIT compiler is nearly idle (under 5% of a
     * core for a second): on two cores its single C2 thread trails the load by many seconds, and a
     * scenario should measure compiled code, not the previous scenario's compilation backlog.
     *
     * @return how long it waited
     */
    Duration settleJit(Duration limit) throws InterruptedException {
        long start = System.nanoTime();
        long previous = product.compilerCpuNanos();
        while (previous >= 0 && System.nanoTime() - start < limit.toNanos()) {
            Thread.sleep(1_000);
            long now = product.compilerCpuNanos();
            if (now - previous < 50_000_000L) {
                break;
            }
            previous = now;
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * Adds what was used since {@code before} to the scenario's findings, under {@code cpu}.
     *
     * @param settled how long the scenario waited for the JIT before it started
     */
    void addSince(Reading before, Duration settled, ScenarioResult result) {
        Reading now = read();
        double seconds = (now.wallNanos() - before.wallNanos()) / 1e9;
        Map<String, Object> use = new LinkedHashMap<>();
        use.put("jitSettleSeconds", round(settled.toMillis() / 1000.0));
        use.put("seconds", round(seconds));
        use.put("machineBusyPercent", now.machineTicks() > before.machineTicks()
                ? round(100.0 * (now.machineBusyTicks() - before.machineBusyTicks())
                / (now.machineTicks() - before.machineTicks())) : -1);
        use.put("productCores", cores(before.productCpuNanos(), now.productCpuNanos(), seconds));
        use.put("productJitCores", cores(before.productJitCpuNanos(), now.productJitCpuNanos(), seconds));
        use.put("productGcPauseMillis", before.productGcPauseSeconds() < 0 ? -1
                : round((now.productGcPauseSeconds() - before.productGcPauseSeconds()) * 1000));
        use.put("loadGeneratorCores", cores(before.benchCpuNanos(), now.benchCpuNanos(), seconds));
        // What one request cost the load generator (for replay-hits: the replay client).
        use.put("loadGeneratorCpuMsPerRequest", before.benchCpuNanos() < 0 || result.requests() == 0 ? -1
                : round((now.benchCpuNanos() - before.benchCpuNanos()) / 1e6 / result.requests()));
        // What one request cost the product, all its threads (web, Kafka, broker, GC, JIT) included.
        use.put("productCpuMsPerRequest", before.productCpuNanos() < 0 || now.productCpuNanos() < 0
                || result.requests() == 0 ? -1
                : round((now.productCpuNanos() - before.productCpuNanos()) / 1e6 / result.requests()));
        result.with("cpu", use);
    }

    private static double cores(long beforeNanos, long nowNanos, double seconds) {
        return beforeNanos < 0 || nowNanos < 0 ? -1 : round((nowNanos - beforeNanos) / 1e9 / seconds);
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    /** This JVM's CPU time so far (all its threads); -1 if unknown. */
    static long benchCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    /** Busy and total ticks of all CPUs, from the first line of /proc/stat; idle and iowait are not busy. */
    private static long[] machineTicks() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < fields.length && i <= 8; i++) {
                total += Long.parseLong(fields[i]);
            }
            long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }
}
