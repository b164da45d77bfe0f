package dev.keyway.kernel.testing;

import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.IgniteStore;
import dev.keyway.kernel.store.StoredSession;
import dev.keyway.kernel.store.StoredUser;
import dev.keyway.spi.User;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;

/** Seeds users and login sessions straight into a node's store, for tests of routes that need them. */
public final class Seeds {
    private final IgniteStore store;

    public Seeds(TestNode node) {
        this.store = node.node().store();
    }

    public EntityCache<StoredUser> users() {
        return store.entities(Caches.USERS, StoredUser.class, StoredUser::id);
    }

    /** An active user with the given system role. */
    public StoredUser user(String id, User.Role role) {
        StoredUser u = new StoredUser(id, id, id + "@example.test", id, User.Status.ACTIVE, role, null,
                Instant.now(), Instant.now());
        users().put(u);
        return u;
    }

    /** A user with a changed status. */
    public void status(String id, User.Status status) {
        StoredUser u = users().get(id).orElseThrow();
        users().put(new StoredUser(u.id(), u.username(), u.email(), u.displayName(), status, u.role(),
                u.passwordHash(), u.createdAt(), Instant.now()));
    }

    /** A session for {@code userId}; returns the Bearer token. */
    public String session(String userId) {
        String token = "kws-test-" + userId + "-" + System.nanoTime();
        store.entities(Caches.SESSIONS, StoredSession.class, StoredSession::id)
                .put(new StoredSession(sha256(token), userId, Instant.now(), Instant.now().plusSeconds(3600)));
        return token;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
