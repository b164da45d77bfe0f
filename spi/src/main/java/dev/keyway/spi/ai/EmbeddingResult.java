package dev.keyway.spi.ai;

import java.util.List;

/**
 * Embeddings, one vector per input, in input order.
 *
 * @param model   the model that answered
 * @param vectors the vectors
 * @param usage   tokens used (input only)
 */
public record EmbeddingResult(String model, List<double[]> vectors, Usage usage) {
    public EmbeddingResult {
        vectors = List.copyOf(vectors);
    }
}
