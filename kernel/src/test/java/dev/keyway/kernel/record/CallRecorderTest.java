package dev.keyway.kernel.record;

import dev.keyway.kernel.config.CallsConfig;
import dev.keyway.kernel.observe.Metrics;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class CallRecorderTest {

    @Test
    void writesInBatches() throws Exception {
        List<List<CallRecord>> batches = new CopyOnWriteArrayList<>();
        Metrics metrics = new Metrics();
        try (CallRecorder recorder = new CallRecorder(new CallsConfig(64, 10), metrics, batches::add)) {
            for (int i = 0; i < 25; i++) {
                recorder.record(record(i));
            }
            waitFor(() -> metrics.count("keyway_call_records_written_total") == 25);
        }
        assertThat(batches).allSatisfy(b -> assertThat(b.size()).isBetween(1, 10));
        assertThat(batches.stream().mapToInt(List::size).sum()).isEqualTo(25);
    }

    @Test
    void aSlowStoreDropsAndCountsInsteadOfBlockingTheRequestPath() throws Exception {
        CountDownLatch storeStuck = new CountDownLatch(1);
        Metrics metrics = new Metrics();
        try (CallRecorder recorder = new CallRecorder(new CallsConfig(8, 4), metrics, batch -> {
            try {
                storeStuck.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })) {
            long started = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                recorder.record(record(i));
            }
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            storeStuck.countDown();

            assertThat(tookMs).as("publishing never waited for the store").isLessThan(2_000);
            assertThat(metrics.count("keyway_call_records_dropped_total")).isGreaterThanOrEqualTo(100 - 8 - 4);
            waitFor(() -> metrics.count("keyway_call_records_written_total")
                    + metrics.count("keyway_call_records_dropped_total") == 100);
        }
    }

    private static CallRecord record(int i) {
        return new CallRecord("r" + i, 0, "GET", "/x", "svc", "v1", 200, null, 10, "127.0.0.1", null, null, null, null,
                null, null);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 200 && !condition.getAsBoolean(); i++) {
            Thread.sleep(25);
        }
        assertThat(condition.getAsBoolean()).isTrue();
    }
}
