package dev.keyway.kernel.keys;

import dev.keyway.kernel.store.StoredKey;
import dev.keyway.spi.ApiKey;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Finds keys that cannot work or will soon stop, before callers do: owner missing or disabled, team or app
 * missing or disabled, expired but not revoked, expiring soon, unused for long. Revoked keys are intentionally
 * dead and never reported.
 */
public final class KeyAudit {
    private final KeyDiagnosis diagnosis;
    private final KeyUsage usage;
    private final Clock clock;

    public KeyAudit(KeyDiagnosis diagnosis, KeyUsage usage, Clock clock) {
        this.diagnosis = diagnosis;
        this.usage = usage;
        this.clock = clock;
    }

    /** The findings over {@code keys}, at most one per key, worst first. */
    public List<KeyDiagnosis.Finding> run(Collection<StoredKey> keys, Duration expiringWithin, Duration unusedFor) {
        Instant now = clock.instant();
        List<KeyDiagnosis.Finding> findings = new ArrayList<>();
        for (StoredKey key : keys) {
            if (key.status() == ApiKey.Status.REVOKED) {
                continue;
            }
            Optional<KeyDiagnosis.Finding> broken = diagnosis.check(key, now);
            if (broken.isPresent()) {
                // A key past its rotation grace is revoked in effect: nothing to fix, the new key replaced it.
                if (!broken.get().reason().equals("key_revoked")) {
                    findings.add(broken.get());
                }
                continue;
            }
            if (key.expiresAt() != null && key.expiresAt().isBefore(now.plus(expiringWithin))) {
                findings.add(new KeyDiagnosis.Finding(key.id(), key.userId(), "key_expiring", "API key " + key.id()
                        + " expires at " + key.expiresAt(), "rotate it before then (POST /admin/keys/" + key.id()
                        + "/rotate)"));
                continue;
            }
            Instant active = usage.lastActivity(key.id());
            if (active != null && active.isBefore(now.minus(unusedFor))) {
                findings.add(new KeyDiagnosis.Finding(key.id(), key.userId(), "key_unused", "API key " + key.id()
                        + " has not been used since " + active, "revoke it if nobody needs it"));
            }
        }
        return findings;
    }
}
