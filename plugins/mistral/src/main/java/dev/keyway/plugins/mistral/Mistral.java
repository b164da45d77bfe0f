package dev.keyway.plugins.mistral;

import dev.keyway.spi.ai.wire.OpenAiCompatibleProvider;
import org.pf4j.Extension;

/**
 * Mistral's API ({@code https://api.mistral.ai/v1}): OpenAI-shaped, with Mistral's own names where they differ
 * ({@code random_seed} for {@code seed}; see {@link dev.keyway.spi.ai.wire.OpenAiWire#encodeRequest}).
 */
@Extension
public final class Mistral extends OpenAiCompatibleProvider {
    public Mistral() {
        super("mistral");
    }
}
