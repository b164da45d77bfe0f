package dev.keyway.kernel.ai;

import dev.keyway.kernel.store.StoredDeployment;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Deployment order (priority, weights, team) and circuit breakers, on their own. */
class DeploymentsTest {

    static StoredDeployment d(String id, String team, int priority, int weight) {
        return new StoredDeployment(id, team, "m", "openai", "https://api.example.test/v1", "m", null, priority, weight,
                Map.of());
    }

    @Test
    void lowerPriorityFirstAndWeightsShareTheLoad() {
        CircuitBreakers breakers = new CircuitBreakers(3, Duration.ofSeconds(30), System::nanoTime);
        List<StoredDeployment> all = List.of(d("heavy", "t", 0, 3), d("light", "t", 0, 1), d("fallback", "t", 1, 100),
                d("other-team", "x", 0, 100));
        DeploymentPicker picker = new DeploymentPicker(() -> all, breakers);
        Map<String, Integer> first = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            List<StoredDeployment> order = picker.order("m", "t");
            assertThat(order).extracting(StoredDeployment::id).doesNotContain("other-team").hasSize(3);
            assertThat(order.getLast().id()).isEqualTo("fallback");
            first.merge(order.getFirst().id(), 1, Integer::sum);
        }
        // 3:1 by weight: about 3000 and 1000 (a 5-sigma band, so the test does not flake).
        assertThat(first.get("heavy")).isBetween(2860, 3140);
        assertThat(first.get("light")).isBetween(860, 1140);
    }

    @Test
    void aBreakerOpensAfterConsecutiveFailuresAndLetsOneProbeThroughAfterItsTime() {
        AtomicLong now = new AtomicLong();
        CircuitBreakers breakers = new CircuitBreakers(2, Duration.ofSeconds(30), now::get);
        breakers.failure("d");
        breakers.success("d");
        breakers.failure("d");
        assertThat(breakers.open("d")).as("a success in between resets the count").isFalse();
        breakers.failure("d");
        assertThat(breakers.open("d")).isTrue();
        assertThat(breakers.allow("d")).isFalse();

        now.addAndGet(Duration.ofSeconds(31).toNanos());
        assertThat(breakers.allow("d")).as("half-open: one probe").isTrue();
        assertThat(breakers.allow("d")).as("only one at a time").isFalse();
        breakers.failure("d");
        assertThat(breakers.allow("d")).as("a failed probe opens it again").isFalse();
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        assertThat(breakers.allow("d")).isTrue();
        breakers.success("d");
        assertThat(breakers.open("d")).isFalse();
        assertThat(breakers.allow("d")).isTrue();
    }

    @Test
    void aProbeThatEndsWithoutAVerdictIsReleased() {
        AtomicLong now = new AtomicLong();
        CircuitBreakers breakers = new CircuitBreakers(1, Duration.ofSeconds(30), now::get);
        breakers.failure("d");
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        assertThat(breakers.allow("d")).isTrue();
        assertThat(breakers.allow("d")).isFalse();
        breakers.release("d");
        assertThat(breakers.allow("d")).as("another probe may go").isTrue();
    }

    @Test
    void openDeploymentsGoLast() {
        CircuitBreakers breakers = new CircuitBreakers(1, Duration.ofSeconds(30), System::nanoTime);
        breakers.failure("a");
        DeploymentPicker picker = new DeploymentPicker(() -> List.of(d("a", "t", 0, 1), d("b", "t", 1, 1)), breakers);
        assertThat(picker.order("m", "t")).extracting(StoredDeployment::id).containsExactly("b", "a");
    }
}
