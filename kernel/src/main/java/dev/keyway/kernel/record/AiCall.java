package dev.keyway.kernel.record;

import java.math.BigDecimal;

/**
 * What an AI call used, for the call record: enough to bill by.
 *
 * @param model         the model name the caller asked for (a model or an alias)
 * @param provider      the provider that answered
 * @param deploymentId  the deployment that answered
 * @param upstreamModel the model as the provider names it (prices are its)
 * @param inputTokens   prompt tokens the provider reported, or null when it reported none
 * @param outputTokens  completion tokens the provider reported, or null
 * @param costUsd       input × input price + output × output price, per million tokens; zero for unknown prices
 * @param stream        whether the answer was streamed
 */
public record AiCall(String model, String provider, String deploymentId, String upstreamModel, Long inputTokens,
                     Long outputTokens, BigDecimal costUsd, boolean stream) {

    /** The same call without a cost (not known yet: a stream's headers go out before its usage arrives). */
    public AiCall withoutCost() {
        return new AiCall(model, provider, deploymentId, upstreamModel, inputTokens, outputTokens, null, stream);
    }
}
