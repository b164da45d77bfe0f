package dev.keyway.plugins.ollama;

import dev.keyway.spi.ai.AiProvider;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ChatResult;
import dev.keyway.spi.ai.Deployment;
import dev.keyway.spi.ai.EmbeddingRequest;
import dev.keyway.spi.ai.EmbeddingResult;
import dev.keyway.spi.ai.StreamDecoder;
import dev.keyway.spi.ai.UpstreamError;
import dev.keyway.spi.ai.UpstreamRequest;
import dev.keyway.spi.json.Json;
import org.pf4j.Extension;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ollama's native API (base URL the server's root, e.g. {@code http://127.0.0.1:11434}): {@code /api/chat}, streamed
 * as NDJSON, and {@code /api/embed}. No authentication unless the deployment has a credential (a proxy in front of
 * Ollama), sent as {@code Authorization: Bearer}.
 *
 * <p>Deployment settings: {@code num-ctx}, the context window to load the model with ({@code options.num_ctx});
 * without it Ollama uses its own default and silently cuts longer prompts.
 */
@Extension
public final class Ollama implements AiProvider {
    private static final int MAX_ERROR_BYTES = 64 * 1024;

    @Override
    public String id() {
        return OllamaWire.PROVIDER;
    }

    @Override
    public UpstreamRequest chat(ChatRequest request, Deployment deployment) {
        return post(deployment, "/api/chat", OllamaWire.encodeRequest(request, numCtx(deployment)),
                request.stream());
    }

    /** The {@code num-ctx} setting, or null; a value that is no positive integer is a misconfigured deployment. */
    static Integer numCtx(Deployment d) {
        String value = d.settings().get("num-ctx");
        if (value == null) {
            return null;
        }
        try {
            int n = Integer.parseInt(value.strip());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException notAnInt) {
            // reported below
        }
        throw new IllegalArgumentException("deployment " + d.id() + ": setting num-ctx: '" + value
                + "' (expected: a positive integer)");
    }

    @Override
    public ChatResult chatResult(byte[] body) {
        return OllamaAnswers.decodeResult(parse(body));
    }

    @Override
    public StreamDecoder chatStream() {
        return new OllamaStream.Decoder();
    }

    @Override
    public UpstreamError error(int status, Map<String, List<String>> headers, byte[] body) {
        byte[] head = body != null && body.length > MAX_ERROR_BYTES ? java.util.Arrays.copyOf(body, MAX_ERROR_BYTES)
                : body;
        return OllamaAnswers.decodeError(status, headers, head, System.currentTimeMillis());
    }

    @Override
    public UpstreamRequest embeddings(EmbeddingRequest request, Deployment deployment) {
        return post(deployment, "/api/embed", OllamaWire.encodeEmbeddings(request), false);
    }

    @Override
    public EmbeddingResult embeddingsResult(byte[] body) {
        return OllamaAnswers.decodeEmbeddings(parse(body));
    }

    private static UpstreamRequest post(Deployment d, String path, Map<String, Object> body, boolean stream) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", stream ? "application/x-ndjson" : "application/json");
        if (d.credential() != null) {
            headers.put("Authorization", "Bearer " + d.credential());
        }
        return new UpstreamRequest("POST", URI.create(d.base() + path), headers,
                Json.write(body).getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, Object> parse(byte[] body) {
        try {
            return Json.parseObject(new String(body, StandardCharsets.UTF_8));
        } catch (Json.ParseException e) {
            throw new IllegalStateException("ollama answer is not a JSON object (" + e.getMessage() + ")");
        }
    }
}
