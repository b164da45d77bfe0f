package dev.keyway.kernel.admin;

import dev.keyway.kernel.store.MetaStore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Admin-plane authentication until users exist: a bootstrap token, accepted as {@code Authorization: Bearer}.
 * It comes from KEYWAY_BOOTSTRAP_TOKEN (automation) or is generated at the first start and printed once; only its
 * SHA-256 is stored. There is no default password, and the token stops working once the first admin exists.
 */
public final class AdminAuth {
    private static final Logger LOG = Logger.getLogger(AdminAuth.class.getName());
    static final String TOKEN_HASH = "bootstrap.token-sha256";
    static final String ADMIN_EXISTS = "bootstrap.admin-exists";

    private final MetaStore meta;
    private final byte[] tokenHash;

    private AdminAuth(MetaStore meta, byte[] tokenHash) {
        this.meta = meta;
        this.tokenHash = tokenHash;
    }

    /**
     * Sets up the bootstrap token.
     *
     * @param configured the token from the environment, if any (wins, never stored in clear)
     * @param announce   where the generated token is printed once, at the first start
     */
    public static AdminAuth start(MetaStore meta, Optional<String> configured, java.util.function.Consumer<String> announce) {
        if (configured.isPresent()) {
            return new AdminAuth(meta, sha256(configured.get()));
        }
        Optional<String> stored = meta.get(TOKEN_HASH);
        if (stored.isPresent()) {
            if (meta.get(ADMIN_EXISTS).isEmpty()) {
                LOG.info("admin plane: the bootstrap token printed at first start is still valid (or set "
                        + "KEYWAY_BOOTSTRAP_TOKEN)");
            }
            return new AdminAuth(meta, HexFormat.of().parseHex(stored.get()));
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = "kwb-" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        byte[] hash = sha256(token);
        if (!meta.putIfAbsent(TOKEN_HASH, HexFormat.of().formatHex(hash))) {
            // Another node of the cluster generated one first: use that one.
            return new AdminAuth(meta, HexFormat.of().parseHex(meta.get(TOKEN_HASH).orElseThrow()));
        }
        announce.accept(token);
        return new AdminAuth(meta, hash);
    }

    /** Whether the Authorization header carries the bootstrap token (and no admin user exists yet). */
    boolean allows(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        if (meta.get(ADMIN_EXISTS).isPresent()) {
            return false;
        }
        return MessageDigest.isEqual(tokenHash, sha256(authorization.substring(7).trim()));
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
