package dev.keyway.kernel.config;

/**
 * The call-record ring that runs after responses.
 *
 * @param ringSize  slots (power of two); when full, records are dropped and counted, never waited for
 * @param batchSize the most records written to the store in one batch
 */
public record CallsConfig(int ringSize, int batchSize) {
    public CallsConfig {
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("calls.ring-size: " + ringSize + " (expected: a power of two >= 2)");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("calls.batch-size: " + batchSize + " (expected: > 0)");
        }
    }
}
