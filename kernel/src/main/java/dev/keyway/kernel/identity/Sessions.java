package dev.keyway.kernel.identity;

import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.IgniteStore;
import dev.keyway.kernel.store.StoredSession;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Admin login sessions in {@code keyway-sessions}. A token is {@code kws-} and 256 random bits; only its hex
 * SHA-256 is stored, as the session id, which is exactly how {@code AdminAuth} looks tokens up. A plain hash is
 * enough here (unlike passwords): the token has full entropy, so there is nothing to guess.
 */
public final class Sessions {
    /** How long a session lasts: a working day, after which the user logs in again. */
    public static final Duration DEFAULT_TTL = Duration.ofHours(8);

    private static final String PREFIX = "kws-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final EntityCache<StoredSession> sessions;
    private final Clock clock;
    private final Duration ttl;

    public Sessions(IgniteStore store, Clock clock, Duration ttl) {
        this.sessions = store.entities(Caches.SESSIONS, StoredSession.class, StoredSession::id);
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
        }
        this.ttl = ttl;
    }

    /** Opens a session for {@code userId}; the token in the result is shown to the caller once. */
    public Opened open(String userId) {
        Objects.requireNonNull(userId, "userId");
        Instant now = clock.instant();
        dropExpired(now);
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        StoredSession session = new StoredSession(tokenHash(token), userId, now, now.plus(ttl));
        sessions.put(session);
        return new Opened(token, session);
    }

    /** Ends the session of {@code token}; true when there was one. */
    public boolean close(String token) {
        return sessions.remove(tokenHash(token));
    }

    /**
     * Ends every session of {@code userId} (the user was disabled, deleted or changed password).
     *
     * @param keepToken a session to leave open (the caller's own, when changing their own password), or null
     * @return how many sessions ended
     */
    public int closeAllOf(String userId, String keepToken) {
        String keep = keepToken == null ? null : tokenHash(keepToken);
        int closed = 0;
        for (StoredSession s : sessions.all()) {
            if (s.userId().equals(userId) && !s.id().equals(keep) && sessions.remove(s.id())) {
                closed++;
            }
        }
        return closed;
    }

    /** The session id of a token: hex SHA-256 of its UTF-8 bytes, as {@code AdminAuth} computes it. */
    public static String tokenHash(String token) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JDK", e);
        }
    }

    // Expired sessions are refused by AdminAuth anyway; removing them keeps the replicated cache small.
    private void dropExpired(Instant now) {
        for (StoredSession s : sessions.all()) {
            if (!now.isBefore(s.expiresAt())) {
                sessions.remove(s.id());
            }
        }
    }

    /**
     * A new session.
     *
     * @param token   the bearer token, for the login response only
     * @param session what the store keeps
     */
    public record Opened(String token, StoredSession session) {
        @Override
        public String toString() {
            return "Opened[" + session + "]";
        }
    }
}
