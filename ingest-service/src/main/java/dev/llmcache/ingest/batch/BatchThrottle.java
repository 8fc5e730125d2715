package dev.llmcache.ingest.batch;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.function.DoubleSupplier;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * How many batch lines this instance runs at once, across all its batches: up to the configured
 * concurrency while the machine has room, backing off when it is busy, so that live traffic keeps
 * its latency. Additive increase, multiplicative decrease: every {@link #adjust()} (a timer calls
 * it) halves the limit while the machine is busy and raises it by one while it is not; never
 * below one line, so a batch always makes progress. Busy means a CPU load above the target, or,
 * while live requests are arriving, above half the target: batches take the room live traffic
 * leaves, not their share of it.
 */
final class BatchThrottle {

    private final int max;
    private final double cpuTarget;
    private final DoubleSupplier cpuLoad;
    private final java.util.function.LongSupplier liveRequests;
    private long liveSeen;
    private final Queue<Waiter> waiting = new ArrayDeque<>();
    private int limit;
    private int running;

    /**
     * @param max       lines at once when the machine has room
     * @param cpuTarget the CPU load (0..1) above which batch lines give way
     * @param cpuLoad      the machine's recent CPU load (0..1; negative when unknown: then only {@code max} applies)
     * @param liveRequests how many live (not batch) requests the instance has taken so far
     */
    BatchThrottle(int max, double cpuTarget, DoubleSupplier cpuLoad, java.util.function.LongSupplier liveRequests) {
        this.max = Math.max(1, max);
        this.cpuTarget = cpuTarget;
        this.cpuLoad = cpuLoad;
        this.liveRequests = liveRequests;
        this.liveSeen = liveRequests.getAsLong();
        this.limit = this.max;
    }

    /** A line's place; giving it back twice gives it back once. */
    final class Permit {
        private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

        void release() {
            if (released.compareAndSet(false, true)) {
                BatchThrottle.this.release();
            }
        }
    }

    /** A place for one line, when there is one. A wait cancelled before it got a place takes none. */
    Mono<Permit> acquire() {
        return Mono.<Permit>create(sink -> {
            Permit permit = new Permit();
            Waiter waiter = new Waiter(sink, permit);
            synchronized (this) {
                if (running < limit) {
                    running++;
                    sink.success(permit);
                    return;
                }
                waiting.add(waiter);
            }
            sink.onCancel(() -> {
                boolean stillWaiting;
                synchronized (this) {
                    stillWaiting = waiting.remove(waiter);
                }
                if (!stillWaiting) {
                    permit.release(); // given a place as it was cancelled: give it back
                }
            });
        })
                // A place given to a subscriber that had just left: back at once.
                .doOnDiscard(Permit.class, Permit::release);
    }

    private record Waiter(MonoSink<Permit> sink, Permit permit) {
        void admit() {
            sink.success(permit);
        }
    }

    private void release() {
        Waiter next;
        synchronized (this) {
            running--;
            next = admitOne();
        }
        if (next != null) {
            next.admit();
        }
    }

    /** One step of the control loop. */
    void adjust() {
        double load = cpuLoad.getAsDouble();
        long live = liveRequests.getAsLong();
        java.util.List<Waiter> admitted = new java.util.ArrayList<>();
        synchronized (this) {
            boolean liveArriving = live != liveSeen;
            liveSeen = live;
            if (load > (liveArriving ? cpuTarget / 2 : cpuTarget)) {
                limit = Math.max(1, limit / 2);
            } else {
                limit = Math.min(max, limit + 1);
                for (Waiter next = admitOne(); next != null; next = admitOne()) {
                    admitted.add(next);
                }
            }
        }
        admitted.forEach(Waiter::admit);
    }

    /** Under the lock: the next waiting line, if there is room for it. */
    private Waiter admitOne() {
        if (running >= limit || waiting.isEmpty()) {
            return null;
        }
        running++;
        return waiting.poll();
    }

    synchronized int limit() {
        return limit;
    }

    synchronized int running() {
        return running;
    }
}
