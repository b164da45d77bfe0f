package dev.keyway.kernel.store;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * A model's facts: the shipped catalog's entries and operators' additions and overrides (stored under
 * {@code provider/id}).
 *
 * @param provider        provider id
 * @param id              the model as the provider names it
 * @param contextWindow   tokens of context
 * @param maxOutputTokens the most output tokens, or null when unknown
 * @param capabilities    chat, tools, vision, embeddings
 * @param inputPrice      USD per million input tokens
 * @param outputPrice     USD per million output tokens
 */
public record StoredModel(String provider, String id, long contextWindow, Long maxOutputTokens,
                          List<String> capabilities, BigDecimal inputPrice, BigDecimal outputPrice) {

    public StoredModel {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(id, "id");
        capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
        inputPrice = inputPrice == null ? BigDecimal.ZERO : inputPrice;
        outputPrice = outputPrice == null ? BigDecimal.ZERO : outputPrice;
    }

    /** The store key: {@code provider/id}. */
    public String key() {
        return provider + "/" + id;
    }
}
