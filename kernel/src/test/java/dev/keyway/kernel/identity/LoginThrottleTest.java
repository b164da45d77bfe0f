package dev.keyway.kernel.identity;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class LoginThrottleTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final LoginThrottle throttle = LoginThrottle.standard(clock);

    /** {@code n} admitted attempts that then fail. */
    private void fail(String user, String ip, int n) {
        for (int i = 0; i < n; i++) {
            assertThat(throttle.admit(user, ip)).as("attempt " + (i + 1)).isEmpty();
        }
    }

    @Test
    void locksAUsernameOutAfterFiveFailures() {
        fail("alice", "10.0.0.1", 5);
        assertThat(throttle.admit("alice", "10.0.0.1")).contains(Duration.ofMinutes(1));
        // From another address too: the limit is on the account.
        assertThat(throttle.admit("ALICE ", "10.0.0.2")).isPresent();
        assertThat(throttle.admit("bob", "10.0.0.1")).isEmpty();
    }

    @Test
    void unlocksWhenTheLockoutEndsAndThenLocksLonger() {
        fail("alice", "10.0.0.1", 5);
        assertThat(throttle.admit("alice", "10.0.0.1")).contains(Duration.ofMinutes(1));
        clock.advance(Duration.ofSeconds(45));
        assertThat(throttle.admit("alice", "10.0.0.1")).contains(Duration.ofSeconds(15));
        clock.advance(Duration.ofSeconds(15));
        fail("alice", "10.0.0.1", 5);
        assertThat(throttle.admit("alice", "10.0.0.1")).contains(Duration.ofMinutes(2));
    }

    @Test
    void forgetsFailuresOlderThanTheWindow() {
        fail("alice", "10.0.0.1", 4);
        clock.advance(Duration.ofMinutes(16));
        fail("alice", "10.0.0.1", 4);
        assertThat(throttle.admit("alice", "10.0.0.1")).isEmpty();
    }

    @Test
    void successClearsTheUsernamesFailures() {
        fail("alice", "10.0.0.1", 4);
        assertThat(throttle.admit("alice", "10.0.0.1")).isEmpty();
        throttle.succeeded("alice", "10.0.0.1");
        fail("alice", "10.0.0.1", 5);
        assertThat(throttle.admit("alice", "10.0.0.1")).isPresent();
    }

    @Test
    void locksAnAddressThatTriesManyUsernames() {
        for (int i = 0; i < 20; i++) {
            fail("user" + i, "10.0.0.9", 1);
        }
        assertThat(throttle.admit("someone-new", "10.0.0.9")).contains(Duration.ofMinutes(1));
        assertThat(throttle.admit("someone-new", "10.0.0.10")).isEmpty();
    }

    @Test
    void capsTheLockout() {
        for (int streak = 0; streak < 10; streak++) {
            fail("alice", "10.0.0." + streak, 5);
            Duration wait = throttle.admit("alice", "10.0.0." + streak).orElseThrow();
            assertThat(wait).isLessThanOrEqualTo(Duration.ofHours(1));
            clock.advance(wait);
        }
        fail("alice", "10.0.1.1", 5);
        assertThat(throttle.admit("alice", "10.0.1.1")).contains(Duration.ofHours(1));
    }
}
