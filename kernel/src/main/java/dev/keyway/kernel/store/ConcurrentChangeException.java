package dev.keyway.kernel.store;

/**
 * Another writer changed an entity between this writer's read and its write; nothing was written. The admin
 * plane answers 409 {@code conflict}: read again and retry.
 */
public final class ConcurrentChangeException extends RuntimeException {
    public ConcurrentChangeException(String message) {
        super(message, null, false, false);
    }
}
