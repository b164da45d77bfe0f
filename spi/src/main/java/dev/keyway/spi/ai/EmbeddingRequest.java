package dev.keyway.spi.ai;

import java.util.List;
import java.util.Objects;

/**
 * An embeddings call.
 *
 * @param model      the model (the deployment's, once resolved)
 * @param input      the texts to embed
 * @param dimensions the wanted vector size, or null
 * @param user       the end user's id, or null
 */
public record EmbeddingRequest(String model, List<String> input, Integer dimensions, String user) {
    public EmbeddingRequest {
        Objects.requireNonNull(model, "model");
        input = List.copyOf(Objects.requireNonNull(input, "input"));
    }

    public EmbeddingRequest withModel(String upstreamModel) {
        return new EmbeddingRequest(upstreamModel, input, dimensions, user);
    }
}
