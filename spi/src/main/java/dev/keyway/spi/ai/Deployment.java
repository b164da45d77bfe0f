package dev.keyway.spi.ai;

import java.util.Map;
import java.util.Objects;

/**
 * Where and how one model is served: a provider, its base URL, the provider's name for the model, and the
 * credential to call it with. The credential is decrypted by the kernel for this call only; a provider puts it in
 * the upstream request's headers and nowhere else (never in an exception or log line).
 *
 * @param id         the deployment's id (for logs, call records, circuit breakers)
 * @param provider   the provider id, e.g. {@code openai}; see {@link AiProvider#id()}
 * @param baseUrl    the API base, e.g. {@code https://api.openai.com/v1} or an Azure-style resource URL
 * @param model      the model as the provider names it
 * @param credential the API key or token, or null for providers that need none (a local Ollama)
 * @param settings   provider quirks as data (e.g. {@code api-version}, {@code auth-header}), possibly empty
 */
public record Deployment(String id, String provider, String baseUrl, String model, String credential,
                         Map<String, String> settings) {

    public Deployment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(model, "model");
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }

    /** The base URL without a trailing slash. */
    public String base() {
        return baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /** The credential never appears in the text. */
    @Override
    public String toString() {
        return "Deployment[id=" + id + ", provider=" + provider + ", baseUrl=" + baseUrl + ", model=" + model
                + ", credential=" + (credential == null ? "<none>" : "<set>") + ", settings=" + settings + "]";
    }
}
