package dev.keyway.kernel.ai;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredModel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Models and their prices: the catalog shipped in {@code ai/models.json}, with operators' additions and
 * overrides from the store on top ({@code provider/id} wins over the shipped entry).
 */
public final class ModelCatalog {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private final Map<String, StoredModel> shipped;
    private final EntityCache<StoredModel> overrides;

    public ModelCatalog(EntityCache<StoredModel> overrides) {
        this.shipped = load();
        this.overrides = overrides;
    }

    /** The model {@code id} of {@code provider}, override first. */
    public Optional<StoredModel> find(String provider, String id) {
        String key = provider + "/" + id;
        Optional<StoredModel> override = overrides.get(key);
        return override.isPresent() ? override : Optional.ofNullable(shipped.get(key));
    }

    /** Every model, overrides applied, by provider then id. */
    public List<StoredModel> all() {
        Map<String, StoredModel> all = new LinkedHashMap<>(shipped);
        overrides.all().forEach(m -> all.put(m.key(), m));
        List<StoredModel> out = new ArrayList<>(all.values());
        out.sort(Comparator.comparing(StoredModel::provider).thenComparing(StoredModel::id));
        return out;
    }

    /** Whether the shipped catalog has this model (an override of it can be removed to restore it). */
    public boolean shipped(String provider, String id) {
        return shipped.containsKey(provider + "/" + id);
    }

    /**
     * The cost in USD of {@code input} and {@code output} tokens at the model's prices (per million tokens), exact
     * to the cent's ten-millionth; zero for an unknown model.
     */
    public BigDecimal cost(String provider, String id, long input, long output) {
        return find(provider, id).map(m -> m.inputPrice().multiply(BigDecimal.valueOf(input))
                        .add(m.outputPrice().multiply(BigDecimal.valueOf(output)))
                        .divide(MILLION, MathContext.DECIMAL64).stripTrailingZeros())
                .orElse(BigDecimal.ZERO);
    }

    private static Map<String, StoredModel> load() {
        try (InputStream in = ModelCatalog.class.getResourceAsStream("/ai/models.json")) {
            if (in == null) {
                throw new IllegalStateException("ai/models.json is missing from the class path");
            }
            JsonNode root = MAPPER.readTree(in);
            Map<String, StoredModel> map = new LinkedHashMap<>();
            for (JsonNode m : root.path("models")) {
                StoredModel model = new StoredModel(m.path("provider").asText(), m.path("id").asText(),
                        m.path("contextWindow").asLong(), m.hasNonNull("maxOutputTokens")
                        ? m.path("maxOutputTokens").asLong() : null,
                        MAPPER.convertValue(m.path("capabilities"), MAPPER.getTypeFactory()
                                .constructCollectionType(List.class, String.class)),
                        m.path("inputPrice").decimalValue(), m.path("outputPrice").decimalValue());
                map.put(model.key(), model);
            }
            return Map.copyOf(map);
        } catch (IOException e) {
            throw new UncheckedIOException("ai/models.json: " + e.getMessage(), e);
        }
    }
}
