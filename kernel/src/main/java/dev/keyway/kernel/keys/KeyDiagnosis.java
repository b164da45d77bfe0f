package dev.keyway.kernel.keys;

import dev.keyway.kernel.store.StoredApp;
import dev.keyway.kernel.store.StoredKey;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.kernel.store.StoredUser;
import dev.keyway.spi.ApiKey;
import dev.keyway.spi.App;
import dev.keyway.spi.Team;
import dev.keyway.spi.User;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * Why a key would be refused right now, with the same codes the key-auth and key-user stages answer, and what
 * fixes it. Works from the key's id, without its secret (for admins, audits and support).
 */
public final class KeyDiagnosis {
    private final Function<String, Optional<StoredUser>> users;
    private final Function<String, Optional<StoredTeam>> teams;
    private final Function<String, Optional<StoredApp>> apps;

    public KeyDiagnosis(Function<String, Optional<StoredUser>> users, Function<String, Optional<StoredTeam>> teams,
                        Function<String, Optional<StoredApp>> apps) {
        this.users = users;
        this.teams = teams;
        this.apps = apps;
    }

    /**
     * The first reason the key cannot work at {@code now}, or empty when it resolves.
     */
    public Optional<Finding> check(StoredKey key, Instant now) {
        ApiKey k = key.toApiKey();
        String id = key.id();
        if (k.revokedAt(now)) {
            return Optional.of(new Finding(id, key.userId(), "key_revoked", "API key " + id + " is revoked",
                    "issue a new key; a revoked key cannot be re-enabled"));
        }
        if (k.expiredAt(now)) {
            return Optional.of(new Finding(id, key.userId(), "key_expired", "API key " + id + " expired at "
                    + key.expiresAt(), "rotate it (POST /admin/keys/" + id + "/rotate) or revoke it"));
        }
        Optional<StoredUser> user = users.apply(key.userId());
        if (user.isEmpty()) {
            return Optional.of(new Finding(id, key.userId(), "key_owner_missing", "API key " + id
                    + " belongs to user " + key.userId() + ", which no longer exists",
                    "transfer it to an active member of team " + key.teamId() + " (POST /admin/keys/" + id
                            + "/transfer) or revoke it"));
        }
        if (user.get().status() != User.Status.ACTIVE) {
            return Optional.of(new Finding(id, key.userId(), "key_owner_disabled", "API key " + id
                    + " belongs to user " + key.userId() + ", which is disabled",
                    "re-enable the user (PATCH /admin/users/" + key.userId() + ") or transfer the key"));
        }
        Optional<StoredTeam> team = teams.apply(key.teamId());
        if (team.isEmpty() || team.get().status() != Team.Status.ACTIVE) {
            return Optional.of(new Finding(id, key.userId(), "team_disabled", "API key " + id + " is in team "
                    + key.teamId() + (team.isEmpty() ? ", which no longer exists" : ", which is disabled"),
                    team.isEmpty() ? "revoke it" : "re-enable the team (PATCH /admin/teams/" + key.teamId() + ")"));
        }
        if (team.get().roleOf(key.userId()).isEmpty()) {
            return Optional.of(new Finding(id, key.userId(), "key_owner_not_member", "API key " + id
                    + " belongs to user " + key.userId() + ", who is no longer a member of team " + key.teamId(),
                    "transfer it to a member (POST /admin/keys/" + id + "/transfer) or revoke it"));
        }
        Optional<StoredApp> app = apps.apply(key.appId());
        if (app.isEmpty() || app.get().status() != App.Status.ACTIVE) {
            return Optional.of(new Finding(id, key.userId(), "app_disabled", "API key " + id + " is for app "
                    + key.appId() + (app.isEmpty() ? ", which no longer exists" : ", which is disabled"),
                    app.isEmpty() ? "revoke it" : "re-enable the app (PATCH /admin/apps/" + key.appId() + ")"));
        }
        return Optional.empty();
    }

    /**
     * One problem with one key.
     *
     * @param keyId   the key
     * @param ownerId the key's owner user id
     * @param reason  a stable code (the data-plane error code where there is one)
     * @param message what is wrong
     * @param fix     what to do about it
     */
    public record Finding(String keyId, String ownerId, String reason, String message, String fix) {
    }
}
