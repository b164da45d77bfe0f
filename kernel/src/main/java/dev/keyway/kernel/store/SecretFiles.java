package dev.keyway.kernel.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Server secrets kept in files outside the store (the key-hash pepper, the credential master key): base64 of
 * random bytes, created owner-only at first use, never quoted in an error.
 */
public final class SecretFiles {
    private static final Logger LOG = Logger.getLogger(SecretFiles.class.getName());
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private SecretFiles() {
    }

    /**
     * The secret in {@code file}; a missing file is created with {@code bytes} bytes from {@link SecureRandom}.
     *
     * @param what what the secret is, for messages ("pepper file", "master key file")
     * @param lost what losing the file costs, for the creation notice
     */
    public static byte[] readOrCreate(Path file, int bytes, String what, String lost) {
        try {
            if (!Files.exists(file)) {
                create(file, bytes, what, lost);
            }
            warnIfShared(file, what);
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            byte[] secret = decode(text, what + " " + file, bytes);
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException(what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** Base64 (or base64url) text of at least {@code bytes} bytes; the message never quotes the text. */
    public static byte[] decode(String text, String source, int bytes) {
        byte[] secret;
        try {
            secret = Base64.getDecoder().decode(text.strip().replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException e) {
            secret = null;
        }
        if (secret == null || secret.length < bytes) {
            // No cause and no value: the message could quote the secret.
            throw new IllegalArgumentException(source + ": not base64 of at least " + bytes + " bytes (expected e.g. "
                    + "the output of: head -c " + bytes + " /dev/urandom | base64)");
        }
        return secret;
    }

    private static void create(Path file, int bytes, String what, String lost) throws IOException {
        byte[] secret = new byte[bytes];
        new SecureRandom().nextBytes(secret);
        byte[] text = (Base64.getEncoder().encodeToString(secret) + "\n").getBytes(StandardCharsets.US_ASCII);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // Written to a temp file created owner-only, then moved into place: no moment where the secret is
        // readable by others, or where a concurrent starter reads a half-written file.
        Path tmp = Files.createTempFile(dir, ".secret", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            Files.write(tmp, text);
            Files.move(tmp, file);
            LOG.info(() -> "created a new " + what + " " + file + ": back it up; " + lost);
        } catch (FileAlreadyExistsException e) {
            // Another process created it first: use theirs.
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void warnIfShared(Path file, String what) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(perms)) {
                LOG.warning(() -> what + " " + file + " has permissions " + PosixFilePermissions.toString(perms)
                        + " (expected: rw------- ; chmod 600 it)");
            }
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: nothing to check.
        }
    }
}
