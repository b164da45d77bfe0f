package dev.keyway.kernel.admin;

import dev.keyway.kernel.identity.Sessions;
import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.IgniteStore;
import dev.keyway.kernel.store.MetaStore;
import dev.keyway.kernel.store.StoredSession;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.kernel.store.StoredUser;
import dev.keyway.spi.User;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Authenticates admin-plane callers from {@code Authorization: Bearer <token>}: a login session token, or the
 * bootstrap token while no admin user exists. The bootstrap token comes from KEYWAY_BOOTSTRAP_TOKEN or is
 * generated at the first start and printed once; only SHA-256 hashes of tokens are stored. There is no default
 * password.
 */
public final class AdminAuth {
    static final String TOKEN_HASH = "bootstrap.token-sha256";

    private final byte[] bootstrapHash;
    private final EntityCache<StoredSession> sessions;
    private final EntityCache<StoredUser> users;
    private final EntityCache<StoredTeam> teams;
    private final Clock clock;

    private AdminAuth(byte[] bootstrapHash, IgniteStore store, Clock clock) {
        this.bootstrapHash = bootstrapHash;
        this.sessions = store.entities(Caches.SESSIONS, StoredSession.class, StoredSession::id);
        this.users = store.entities(Caches.USERS, StoredUser.class, StoredUser::id);
        this.teams = store.entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id);
        this.clock = clock;
    }

    /**
     * Sets up admin authentication.
     *
     * @param configured the bootstrap token from the environment, if any (wins, never stored in clear)
     * @param announce   where a generated bootstrap token is printed, once, at the first start
     */
    public static AdminAuth start(IgniteStore store, Optional<String> configured, Consumer<String> announce,
                                  Clock clock) {
        MetaStore meta = store.meta();
        if (configured.isPresent()) {
            return new AdminAuth(sha256(configured.get()), store, clock);
        }
        Optional<String> stored = meta.get(TOKEN_HASH);
        if (stored.isPresent()) {
            return new AdminAuth(HexFormat.of().parseHex(stored.get()), store, clock);
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = "kwb-" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        byte[] hash = sha256(token);
        if (!meta.putIfAbsent(TOKEN_HASH, HexFormat.of().formatHex(hash))) {
            // Another node of the cluster generated one first: use that one.
            return new AdminAuth(HexFormat.of().parseHex(meta.get(TOKEN_HASH).orElseThrow()), store, clock);
        }
        AdminAuth auth = new AdminAuth(hash, store, clock);
        if (!auth.adminExists()) {
            announce.accept(token);
        }
        return auth;
    }

    /** The caller behind an Authorization header, or empty when it carries no valid token. */
    Optional<Principal> authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = authorization.substring(7).trim();
        if (token.isEmpty()) {
            return Optional.empty();
        }
        byte[] hash = sha256(token);
        if (MessageDigest.isEqual(bootstrapHash, hash)) {
            return adminExists() ? Optional.empty() : Optional.of(Principal.bootstrap());
        }
        return sessions.get(Sessions.tokenHash(token))
                .filter(s -> clock.instant().isBefore(s.expiresAt()))
                .flatMap(s -> users.get(s.userId()))
                .filter(u -> u.status() == User.Status.ACTIVE)
                .map(this::principalOf);
    }

    /** The principal of an active user, with the user's current team roles. */
    Principal principalOf(StoredUser user) {
        Map<String, StoredTeam.Role> roles = new HashMap<>();
        for (StoredTeam team : teams.all()) {
            team.roleOf(user.id()).ifPresent(role -> roles.put(team.id(), role));
        }
        return new Principal(user.id(), user.username(), user.role() == User.Role.ADMIN, roles);
    }

    /** Whether an active system admin exists: from then on the bootstrap token is refused. */
    boolean adminExists() {
        return users.all().stream().anyMatch(u -> u.role() == User.Role.ADMIN && u.status() == User.Status.ACTIVE);
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
