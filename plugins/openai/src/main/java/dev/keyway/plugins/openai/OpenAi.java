package dev.keyway.plugins.openai;

import dev.keyway.spi.ai.wire.OpenAiCompatibleProvider;
import org.pf4j.Extension;

/** OpenAI's API ({@code https://api.openai.com/v1}): Chat Completions, streaming, tools, images, embeddings. */
@Extension
public final class OpenAi extends OpenAiCompatibleProvider {
    public OpenAi() {
        super("openai");
    }
}
