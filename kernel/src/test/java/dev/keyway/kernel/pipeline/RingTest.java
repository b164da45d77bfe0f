package dev.keyway.kernel.pipeline;

import dev.keyway.kernel.config.RingConfig;
import dev.keyway.kernel.observe.Metrics;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.Phase;
import dev.keyway.spi.Stage;
import dev.keyway.spi.fixture.TestExchange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

class RingTest {

    @Test
    void runsStagesInOrderUntilOneResponds() throws Exception {
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Ring ring = new Ring(new RingConfig(64, 1, "lite-blocking"), new Metrics())) {
            ring.swap(ChainBuilder.build(List.of(
                    new Chain.Entry("a", stage("first", 1, ex -> { seen.add("first"); return Decision.proceed(); })),
                    new Chain.Entry("b", stage("deny", 2, ex -> {
                        seen.add("deny");
                        return Decision.respond(403, "nope", "denied");
                    })),
                    new Chain.Entry("c", stage("never", 3, ex -> { seen.add("never"); return Decision.proceed(); })))));

            Decision d = ring.submit(new TestExchange()).get(5, TimeUnit.SECONDS);

            assertThat(d).isEqualTo(Decision.respond(403, "nope", "denied"));
            assertThat(seen).containsExactly("first", "deny");
        }
    }

    @Test
    void throwingStageGives500AndTheRingKeepsWorking() throws Exception {
        Metrics metrics = new Metrics();
        try (Ring ring = new Ring(new RingConfig(64, 2, "phased-backoff"), metrics)) {
            ring.swap(ChainBuilder.build(List.of(new Chain.Entry("boom", stage("boom", 1, ex -> {
                if (ex.path().equals("/boom")) {
                    throw new IllegalStateException("bug");
                }
                return Decision.proceed();
            })))));
            for (int i = 0; i < 10; i++) {
                Decision bad = ring.submit(new TestExchange().path("/boom")).get(5, TimeUnit.SECONDS);
                assertThat(bad).isInstanceOfSatisfying(Decision.Respond.class, r -> {
                    assertThat(r.status()).isEqualTo(500);
                    assertThat(r.code()).isEqualTo("internal_error");
                    assertThat(r.message()).contains("test-request").doesNotContain("bug");
                });
                assertThat(ring.submit(new TestExchange().path("/ok")).get(5, TimeUnit.SECONDS))
                        .isEqualTo(Decision.proceed());
            }
        }
    }

    @Test
    void inFlightRequestsFinishOnTheChainTheyStartedWith() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger oldCalls = new AtomicInteger();
        try (Ring ring = new Ring(new RingConfig(64, 1, "lite-blocking"), new Metrics())) {
            ring.swap(ChainBuilder.build(List.of(new Chain.Entry("old", stage("old", 1, ex -> {
                oldCalls.incrementAndGet();
                entered.countDown();
                await(release);
                return Decision.respond(418, "old_chain", "old");
            })))));
            CompletableFuture<Decision> inFlight = ring.submit(new TestExchange());
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

            Chain next = ChainBuilder.build(List.of(new Chain.Entry("new", stage("new", 1,
                    ex -> Decision.respond(419, "new_chain", "new")))));
            CompletableFuture<Chain> swapped = CompletableFuture.supplyAsync(() -> ring.swap(next));
            Thread.sleep(100);
            assertThat(swapped).as("swap waits for requests on the old chain").isNotDone();
            release.countDown();

            assertThat(((Decision.Respond) inFlight.get(5, TimeUnit.SECONDS)).code()).isEqualTo("old_chain");
            assertThat(swapped.get(5, TimeUnit.SECONDS).entries()).extracting(e -> e.stage().name())
                    .containsExactly("old");
            assertThat(((Decision.Respond) ring.submit(new TestExchange()).get(5, TimeUnit.SECONDS)).code())
                    .isEqualTo("new_chain");
            assertThat(oldCalls).hasValue(1);
        }
    }

    @Test
    void fullRingRefusesInsteadOfQueueing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Metrics metrics = new Metrics();
        try (Ring ring = new Ring(new RingConfig(4, 1, "lite-blocking"), metrics)) {
            ring.swap(ChainBuilder.build(List.of(new Chain.Entry("slow", stage("slow", 1, ex -> {
                await(release);
                return Decision.proceed();
            })))));
            int refused = 0;
            for (int i = 0; i < 10; i++) {
                if (ring.submit(new TestExchange()) == null) {
                    refused++;
                }
            }
            release.countDown();
            assertThat(refused).isGreaterThanOrEqualTo(5);
            assertThat(metrics.count("keyway_ring_full_total")).isEqualTo(refused);
        }
    }

    @Test
    void requiredAuthenticationIsCheckedOnTheChainEachRequestRunsOn() throws Exception {
        AtomicInteger openCalls = new AtomicInteger();
        Stage open = stage("open", 1, ex -> {
            openCalls.incrementAndGet();
            return Decision.proceed();
        });
        Stage gate = stage("gate", Phase.AUTHENTICATE, 1, ex -> Decision.proceed());
        try (Ring ring = new Ring(new RingConfig(64, 2, "lite-blocking"), new Metrics())) {
            ring.requireAuthentication(true);
            ring.swap(ChainBuilder.build(List.of(new Chain.Entry("open", open))));
            for (int i = 0; i < 4; i++) {
                assertThat(ring.submit(new TestExchange()).get(5, TimeUnit.SECONDS)).as("fails closed")
                        .isEqualTo(Decision.respond(503, "no_authentication", "no authentication stage is loaded"));
            }
            assertThat(openCalls).as("no stage runs on a chain that does not authenticate").hasValue(0);

            ring.swap(ChainBuilder.build(List.of(new Chain.Entry("gate", gate), new Chain.Entry("open", open))));
            assertThat(ring.submit(new TestExchange()).get(5, TimeUnit.SECONDS)).isEqualTo(Decision.proceed());

            ring.requireAuthentication(false);
            ring.swap(ChainBuilder.build(List.of(new Chain.Entry("open", open))));
            assertThat(ring.submit(new TestExchange()).get(5, TimeUnit.SECONDS)).isEqualTo(Decision.proceed());
            assertThat(openCalls).hasValue(2);
        }
    }

    @Test
    void swapThatCannotConfirmTheDrainWarnsAndDefersTheCleanupUntilTheRingHasDrained() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Logger ringLog = Logger.getLogger(Ring.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        ringLog.addHandler(capture);
        try (Ring ring = new Ring(new RingConfig(64, 1, "lite-blocking"), new Metrics())) {
            ring.drainTimeout(Duration.ofMillis(200));
            ring.swap(ChainBuilder.build(List.of(new Chain.Entry("stuck", stage("stuck", 1, ex -> {
                entered.countDown();
                await(release);
                return Decision.respond(418, "old_chain", "old");
            })))));
            CompletableFuture<Decision> inFlight = ring.submit(new TestExchange());
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

            AtomicBoolean cleanedUp = new AtomicBoolean();
            Chain old = ring.swap(Chain.EMPTY, () -> cleanedUp.set(true));

            assertThat(old.entries()).extracting(e -> e.stage().name()).containsExactly("stuck");
            assertThat(cleanedUp).as("the old chain is not cleaned up under a running request").isFalse();
            assertThat(warnings).as("a WARNING names the stuck sequence").anySatisfy(r ->
                    assertThat(r.getMessage()).contains("sequence 0"));

            release.countDown();
            assertThat(((Decision.Respond) inFlight.get(5, TimeUnit.SECONDS)).code()).isEqualTo("old_chain");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!cleanedUp.get() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(cleanedUp).as("cleaned up once the ring drained").isTrue();
        } finally {
            ringLog.removeHandler(capture);
            release.countDown();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Stage stage(String name, int order, java.util.function.Function<Exchange, Decision> body) {
        return stage(name, Phase.AUTHORIZE, order, body);
    }

    static Stage stage(String name, Phase phase, int order, java.util.function.Function<Exchange, Decision> body) {
        return new Stage() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Phase phase() {
                return phase;
            }

            @Override
            public int order() {
                return order;
            }

            @Override
            public Decision apply(Exchange exchange) {
                return body.apply(exchange);
            }
        };
    }
}
