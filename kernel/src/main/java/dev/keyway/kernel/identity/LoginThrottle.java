package dev.keyway.kernel.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Slows down password guessing: counts failed logins per username and per client IP and refuses attempts for a
 * growing lockout once either has too many within a window.
 *
 * <p>Standard numbers: per username 5 failures within 15 minutes, per client IP 20 (an office behind one NAT
 * shares an IP). The next attempt is then refused for 1 minute, and each further lockout in a streak doubles
 * that, up to 1 hour. A streak ends after 24 hours without a failure; a successful login ends its username's.
 * Unknown usernames are counted like known ones, so throttling reveals nothing about which users exist.
 *
 * <p>Each attempt counts as a failure from the moment it is admitted ({@link #admit}) until {@link #succeeded}
 * takes it back: otherwise a burst of parallel guesses would all pass before the first slow hash finished.
 *
 * <p>State is in memory on each node: behind a load balancer an attacker gets the allowance once per node, and
 * a restart forgets it. At most {@value #MAX_ENTRIES} usernames and IPs are tracked each; when full, idle
 * entries go first, then the oldest (an attacker who floods usernames to evict one is held by the IP limit).
 */
public final class LoginThrottle {
    static final int MAX_ENTRIES = 50_000;

    private final Limits perUser;
    private final Limits perIp;
    private final Clock clock;
    private final Map<String, Counter> users = new LinkedHashMap<>();
    private final Map<String, Counter> ips = new LinkedHashMap<>();

    public LoginThrottle(Limits perUser, Limits perIp, Clock clock) {
        this.perUser = Objects.requireNonNull(perUser, "perUser");
        this.perIp = Objects.requireNonNull(perIp, "perIp");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The standard numbers from the class comment. */
    public static LoginThrottle standard(Clock clock) {
        Duration window = Duration.ofMinutes(15);
        Duration first = Duration.ofMinutes(1);
        Duration max = Duration.ofHours(1);
        return new LoginThrottle(new Limits(5, window, first, max), new Limits(20, window, first, max), clock);
    }

    /**
     * Admits one attempt, counting it as a failure until {@link #succeeded}; or refuses it.
     *
     * @return empty when the attempt may go ahead, else how long until the caller may try again
     */
    public synchronized Optional<Duration> admit(String username, String clientIp) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(clientIp, "clientIp");
        Instant now = clock.instant();
        Counter user = counter(users, userKey(username), now);
        Counter ip = counter(ips, clientIp, now);
        Duration wait = max(user.refusal(perUser, now), ip.refusal(perIp, now));
        if (!wait.isZero()) {
            return Optional.of(wait);
        }
        user.failures.addLast(now);
        ip.failures.addLast(now);
        return Optional.empty();
    }

    /** A login admitted by {@link #admit} succeeded: the username starts afresh and the IP gets its attempt back. */
    public synchronized void succeeded(String username, String clientIp) {
        users.remove(userKey(username));
        Counter ip = ips.get(clientIp);
        if (ip != null && !ip.failures.isEmpty()) {
            ip.failures.removeLast();
        }
    }

    private static String userKey(String username) {
        return username.strip().toLowerCase(Locale.ROOT);
    }

    private static Counter counter(Map<String, Counter> map, String key, Instant now) {
        Counter counter = map.get(key);
        if (counter == null) {
            if (map.size() >= MAX_ENTRIES) {
                evict(map, now);
            }
            counter = new Counter();
            map.put(key, counter);
        }
        return counter;
    }

    private static void evict(Map<String, Counter> map, Instant now) {
        map.values().removeIf(c -> c.idle(now));
        Iterator<Counter> oldest = map.values().iterator();
        while (map.size() >= MAX_ENTRIES && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * When to lock out.
     *
     * @param maxFailures  failures within {@code window} after which the next attempt starts a lockout
     * @param window       how far back failures count
     * @param firstLockout the first lockout of a streak; each further one doubles
     * @param maxLockout   the longest lockout
     */
    public record Limits(int maxFailures, Duration window, Duration firstLockout, Duration maxLockout) {
        public Limits {
            if (maxFailures < 1) {
                throw new IllegalArgumentException("maxFailures: " + maxFailures + " (expected: >= 1)");
            }
            for (Duration d : new Duration[]{window, firstLockout, maxLockout}) {
                if (d == null || d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("window, firstLockout, maxLockout: " + d + " (expected: > 0)");
                }
            }
            if (maxLockout.compareTo(firstLockout) < 0) {
                throw new IllegalArgumentException("maxLockout: " + maxLockout + " (expected: >= firstLockout "
                        + firstLockout + ")");
            }
        }

        Duration lockout(int streak) {
            Duration d = firstLockout;
            for (int i = 1; i < streak && d.compareTo(maxLockout) < 0; i++) {
                d = d.multipliedBy(2);
            }
            return d.compareTo(maxLockout) > 0 ? maxLockout : d;
        }
    }

    /** Failures of one username or IP; guarded by the throttle's lock. */
    private static final class Counter {
        private static final Duration STREAK_MEMORY = Duration.ofHours(24);

        final ArrayDeque<Instant> failures = new ArrayDeque<>();
        int streak;
        Instant lockedUntil = Instant.MIN;
        Instant lastActivity = Instant.MIN;

        /** Zero when an attempt may go ahead now; else the remaining lockout, starting one if due. */
        Duration refusal(Limits limits, Instant now) {
            if (now.isAfter(lastActivity.plus(STREAK_MEMORY))) {
                streak = 0;
            }
            if (now.isBefore(lockedUntil)) {
                return Duration.between(now, lockedUntil);
            }
            while (!failures.isEmpty() && !failures.peekFirst().isAfter(now.minus(limits.window()))) {
                failures.removeFirst();
            }
            lastActivity = now;
            if (failures.size() < limits.maxFailures()) {
                return Duration.ZERO;
            }
            failures.clear();
            lockedUntil = now.plus(limits.lockout(++streak));
            return Duration.between(now, lockedUntil);
        }

        boolean idle(Instant now) {
            // Every failure is then older than any window, and the streak is over.
            return !now.isBefore(lockedUntil) && now.isAfter(lastActivity.plus(STREAK_MEMORY));
        }
    }
}
