package dev.keyway.kernel.admin;

import dev.keyway.kernel.identity.OwnedKeys;
import dev.keyway.kernel.identity.UserDirectory;
import dev.keyway.kernel.store.StoredKey;
import dev.keyway.kernel.store.StoredUser;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What happens to a member's active keys in a team when the member leaves it: nothing leaves silently. A key
 * whose owner is no longer a member would keep working while its owner can no longer see or revoke it, so the
 * removal is refused unless the request says {@code keys=revoke} or {@code keys=transfer&to=<userId>}.
 */
final class MemberKeys {
    private final AdminContext context;
    private final UserDirectory users;
    private final OwnedKeys keys;

    MemberKeys(AdminContext context) {
        this.context = context;
        this.users = new UserDirectory(context.store());
        this.keys = new OwnedKeys(context.store(), users);
    }

    /** Revokes or transfers {@code userId}'s active keys in {@code teamId}, or refuses with 409 when not told how. */
    void handOver(String teamId, String userId, String mode, String to, Principal who) {
        List<StoredKey> owned = keys.activeOf(userId).stream().filter(k -> teamId.equals(k.teamId())).toList();
        if (owned.isEmpty()) {
            return;
        }
        String ids = owned.stream().map(StoredKey::id).collect(Collectors.joining(", "));
        if (mode == null) {
            throw AdminErrors.of(409, "member_has_keys", "user " + userId + " owns active keys " + ids + " in team "
                    + teamId + "; repeat with ?keys=revoke to revoke them, or ?keys=transfer&to=<userId> to give "
                    + "them to another member");
        }
        if (mode.equals("revoke")) {
            owned.forEach(k -> context.audit(who, "key.revoke", "key", k.id(), teamId, k, keys.revoke(k)));
            return;
        }
        if (!mode.equals("transfer")) {
            throw AdminErrors.invalid(Map.of("keys", "expected revoke or transfer"));
        }
        StoredUser target = to == null || to.equals(userId) ? null : users.byId(to).orElse(null);
        if (target == null) {
            throw AdminErrors.invalid(Map.of("to", "expected the id of another member of team " + teamId));
        }
        for (StoredKey k : owned) {
            keys.whyNotTransferable(k, target).ifPresent(why -> {
                throw AdminErrors.invalid(Map.of("to", why));
            });
        }
        owned.forEach(k -> context.audit(who, "key.transfer", "key", k.id(), teamId, k, keys.transfer(k, to)));
    }
}
