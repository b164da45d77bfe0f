package dev.keyway.spi.ai;

/**
 * Tokens a call used, as the provider reported them; a field is null when the provider has not said (yet).
 *
 * @param inputTokens  prompt tokens
 * @param outputTokens completion tokens
 */
public record Usage(Long inputTokens, Long outputTokens) {

    /** Nothing reported yet. */
    public static final Usage NONE = new Usage(null, null);

    /** This usage with {@code later}'s fields where it has them (a stream reports input first, output last). */
    public Usage merge(Usage later) {
        return new Usage(later.inputTokens != null ? later.inputTokens : inputTokens,
                later.outputTokens != null ? later.outputTokens : outputTokens);
    }

    /** Input plus output, counting unknown as zero. */
    public long total() {
        return (inputTokens == null ? 0 : inputTokens) + (outputTokens == null ? 0 : outputTokens);
    }
}
