package dev.keyway.spi.ai;

/**
 * A provider's error answer, read by its converter.
 *
 * @param status     the HTTP status the provider answered
 * @param type       the provider's error type or code (e.g. {@code rate_limit_error}), or null
 * @param message    the provider's message (providers do not echo credentials; converters never add them)
 * @param retryable  whether another attempt may succeed: 429, 5xx, 529 and overload types; never 400/401/403
 * @param retryAfterMillis what {@code Retry-After} (or a provider's own hint) asks to wait, or -1
 */
public record UpstreamError(int status, String type, String message, boolean retryable, long retryAfterMillis) {
}
