package dev.keyway.kernel.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.logging.Logger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Hashes API-key secrets with HMAC-SHA256 under a server secret, the pepper. The pepper lives in a file outside
 * the store, so a copy of the store (a backup, a stolen data folder) is not enough to test guessed keys against
 * the hashes. Thread-safe; {@link #hash} costs about 0.3 us and touches no I/O.
 */
public final class KeyHasher {

    private static final Logger LOG = Logger.getLogger(KeyHasher.class.getName());
    private static final String ALGORITHM = "HmacSHA256";
    static final int PEPPER_BYTES = 32;
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private final Mac prototype;

    KeyHasher(byte[] pepper) {
        if (pepper.length < PEPPER_BYTES) {
            throw new IllegalArgumentException("pepper: " + pepper.length + " bytes (expected: >= " + PEPPER_BYTES + ")");
        }
        try {
            prototype = Mac.getInstance(ALGORITHM);
            prototype.init(new SecretKeySpec(pepper, ALGORITHM));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is not available in this JDK", e);
        }
    }

    /**
     * The hasher whose pepper is given as base64 text (at least 32 bytes), e.g. from the environment variable
     * KEYWAY_PEPPER for deployments that inject secrets that way. The value never appears in errors.
     */
    public static KeyHasher fromBase64(String pepper) {
        Objects.requireNonNull(pepper, "pepper");
        try {
            return new KeyHasher(Base64.getDecoder().decode(pepper.strip().replace('-', '+').replace('_', '/')));
        } catch (IllegalArgumentException e) {
            // No cause and no value: the message could quote the secret.
            throw new IllegalArgumentException("KEYWAY_PEPPER: not base64 of at least " + PEPPER_BYTES
                    + " bytes (expected e.g. the output of: head -c 32 /dev/urandom | base64)");
        }
    }

    /**
     * The hasher whose pepper is in {@code pepperFile} (base64 of at least 32 bytes). A missing file is created
     * with 32 bytes from {@link SecureRandom}, readable by the owner only. Losing the file invalidates every
     * stored key; back it up apart from the store.
     */
    public static KeyHasher fromFile(Path pepperFile) {
        Objects.requireNonNull(pepperFile, "pepperFile");
        try {
            if (!Files.exists(pepperFile)) {
                create(pepperFile);
            }
            warnIfShared(pepperFile);
            String text = Files.readString(pepperFile, StandardCharsets.US_ASCII).strip();
            byte[] pepper;
            try {
                pepper = Base64.getDecoder().decode(text.replace('-', '+').replace('_', '/'));
            } catch (IllegalArgumentException e) {
                // No cause: its message could quote part of the file.
                throw new IllegalArgumentException("pepper file " + pepperFile + ": not base64 (expected: base64 of "
                        + PEPPER_BYTES + "+ random bytes)");
            }
            return new KeyHasher(pepper);
        } catch (IOException e) {
            throw new UncheckedIOException("pepper file " + pepperFile + ": " + e.getMessage(), e);
        }
    }

    /** The base64url (no padding) HMAC-SHA256 of {@code secret} under the pepper. */
    public String hash(String secret) {
        Objects.requireNonNull(secret, "secret");
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac().doFinal(secret.getBytes(StandardCharsets.UTF_8)));
    }

    // A clone of an initialised Mac skips key setup and shares no state: about 0.25 us per hash against 0.5 us
    // for getInstance+init, with no lock or ThreadLocal (virtual threads would make a ThreadLocal per request).
    private Mac mac() {
        try {
            return (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(ALGORITHM + " Mac of " + prototype.getProvider() + " cannot be cloned", e);
        }
    }

    private static void create(Path file) throws IOException {
        byte[] pepper = new byte[PEPPER_BYTES];
        new SecureRandom().nextBytes(pepper);
        byte[] text = (Base64.getEncoder().encodeToString(pepper) + "\n").getBytes(StandardCharsets.US_ASCII);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // Written to a temp file created owner-only, then moved into place: no moment where the pepper is
        // readable by others, or where a concurrent starter reads a half-written file.
        Path tmp = Files.createTempFile(dir, ".pepper", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            Files.write(tmp, text);
            Files.move(tmp, file);
            LOG.info(() -> "created a new pepper file " + file + ": back it up; without it no stored key matches");
        } catch (FileAlreadyExistsException e) {
            // Another process created it first: use theirs.
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void warnIfShared(Path file) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(perms)) {
                LOG.warning(() -> "pepper file " + file + " has permissions " + PosixFilePermissions.toString(perms)
                        + " (expected: rw------- ; chmod 600 it)");
            }
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: nothing to check.
        }
    }
}
