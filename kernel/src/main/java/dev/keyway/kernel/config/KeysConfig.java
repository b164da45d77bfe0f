package dev.keyway.kernel.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The scheduled key audit.
 *
 * @param auditInterval how often every key is checked (0: never, only on demand at GET /admin/keys/audit)
 * @param expiringDays  a key expiring within this many days is reported
 * @param unusedDays    a key unused for this many days is reported
 */
public record KeysConfig(Duration auditInterval, int expiringDays, int unusedDays) {
    public KeysConfig {
        Objects.requireNonNull(auditInterval, "auditInterval");
        if (auditInterval.isNegative() || (!auditInterval.isZero() && auditInterval.toSeconds() < 10)) {
            throw new IllegalArgumentException("keys.audit-interval: " + auditInterval
                    + " (expected: 0 to disable, or at least 10 seconds)");
        }
        if (expiringDays < 0 || unusedDays < 1) {
            throw new IllegalArgumentException("keys.expiring-days/unused-days: " + expiringDays + "/" + unusedDays
                    + " (expected: >= 0 and >= 1)");
        }
    }
}
