package dev.keyway.kernel.store;

import java.util.Map;
import java.util.Objects;

/**
 * Where a model name is served: one provider, base URL, upstream model and credential. A model name (or alias,
 * e.g. {@code fast}) may have several deployments: the lowest {@code priority} is tried first, deployments of
 * equal priority share calls by {@code weight}, and the next priority takes over when they fail.
 *
 * @param id            deployment id
 * @param teamId        owning team (the AI service's), or null for a system-level deployment
 * @param model         the model name callers use (a model or an alias granted by an AI service version)
 * @param provider      provider id (a loaded AI provider plugin: openai, anthropic, gemini, mistral, ollama, …)
 * @param baseUrl       the provider API base URL
 * @param upstreamModel the model as the provider names it (prices are looked up by it)
 * @param credentialId  the credential to call with, or null
 * @param priority      0 first; higher numbers are fallbacks
 * @param weight        share among deployments of the same priority (≥ 1)
 * @param settings      provider quirks as data (e.g. {@code api-version}), possibly empty
 */
public record StoredDeployment(String id, String teamId, String model, String provider, String baseUrl,
                               String upstreamModel, String credentialId, int priority, int weight,
                               Map<String, String> settings) {

    public StoredDeployment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(provider, "provider");
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }
}
