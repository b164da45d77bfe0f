package dev.keyway.plugins.openaicompatible;

import dev.keyway.spi.ai.wire.OpenAiCompatibleProvider;
import org.pf4j.Extension;

/**
 * Any server speaking OpenAI's Chat Completions: vLLM, LM Studio, OpenRouter, Azure OpenAI (with the deployment
 * settings {@code auth-header: api-key} and {@code api-version}), Ollama's {@code /v1}.
 */
@Extension
public final class OpenAiCompatible extends OpenAiCompatibleProvider {
    public OpenAiCompatible() {
        super("openai-compatible");
    }
}
