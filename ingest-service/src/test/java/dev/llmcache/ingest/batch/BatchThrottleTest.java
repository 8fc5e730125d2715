package dev.llmcache.ingest.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

class BatchThrottleTest {

    private double load = 0.1;
    private long live;
    private final BatchThrottle throttle = new BatchThrottle(8, 0.75, () -> load, () -> live);
    private final List<BatchThrottle.Permit> granted = new ArrayList<>();

    @Test
    void upToTheConcurrencyRunAtOnceWhileTheMachineHasRoom() {
        List<Disposable> waits = acquire(10);

        assertThat(granted).hasSize(8);
        granted.get(0).release();
        assertThat(granted).as("a released place goes to the next line").hasSize(9);
        waits.forEach(Disposable::dispose);
    }

    @Test
    void aBusyMachineHalvesTheLinesAtOnceDownToOne() {
        load = 0.9;
        throttle.adjust();
        assertThat(throttle.limit()).isEqualTo(4);
        throttle.adjust();
        throttle.adjust();
        throttle.adjust();
        assertThat(throttle.limit()).as("never below one: a batch always moves").isEqualTo(1);

        acquire(3);
        assertThat(granted).hasSize(1);
    }

    @Test
    void whileLiveRequestsArriveHalfTheCpuTargetCountsAsBusy() {
        load = 0.5;
        live += 10;
        throttle.adjust();
        assertThat(throttle.limit()).isEqualTo(4);

        throttle.adjust(); // no live request since the last look
        assertThat(throttle.limit()).isEqualTo(5);
    }

    @Test
    void roomAgainAddsOneLineAtATimeAndLetsWaitingLinesIn() {
        load = 0.9;
        for (int i = 0; i < 4; i++) {
            throttle.adjust();
        }
        acquire(3);
        assertThat(granted).hasSize(1);

        load = 0.2;
        throttle.adjust();
        assertThat(throttle.limit()).isEqualTo(2);
        assertThat(granted).hasSize(2);
        throttle.adjust();
        assertThat(granted).hasSize(3);
    }

    @Test
    void aCancelledWaitTakesNoPlaceAndAPlaceGivenBackTwiceCountsOnce() {
        load = 0.9;
        for (int i = 0; i < 4; i++) {
            throttle.adjust();
        }
        acquire(1);
        List<Disposable> waits = acquire(1);
        waits.forEach(Disposable::dispose);

        granted.get(0).release();
        granted.get(0).release();

        assertThat(throttle.running()).isZero();
        acquire(1);
        assertThat(throttle.running()).isEqualTo(1);
    }

    private List<Disposable> acquire(int lines) {
        List<Disposable> waits = new ArrayList<>();
        for (int i = 0; i < lines; i++) {
            waits.add(throttle.acquire().subscribe(granted::add));
        }
        return waits;
    }
}
