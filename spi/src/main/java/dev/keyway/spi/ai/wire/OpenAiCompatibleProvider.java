package dev.keyway.spi.ai.wire;

import dev.keyway.spi.Protocol;
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

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A provider speaking OpenAI's Chat Completions wire format ({@link OpenAiWire}): OpenAI itself, Mistral, and any
 * OpenAI-compatible server (vLLM, LM Studio, OpenRouter, Azure OpenAI). What differs between them is data, in the
 * deployment's settings:
 * <ul>
 *   <li>{@code auth-header}: the header carrying the credential, {@code Authorization} (as {@code Bearer …}, the
 *       default) or e.g. {@code api-key} (Azure, sent as is);</li>
 *   <li>{@code api-version}: added as the {@code api-version} query parameter (Azure);</li>
 *   <li>{@code chat-path} / {@code embeddings-path}: below the base URL, {@code /chat/completions} and
 *       {@code /embeddings} by default.</li>
 * </ul>
 * A plugin only names the provider: {@code public final class Mistral extends OpenAiCompatibleProvider}.
 */
public abstract class OpenAiCompatibleProvider implements AiProvider {
    private static final int MAX_ERROR_BYTES = 64 * 1024;
    private final String id;

    protected OpenAiCompatibleProvider(String id) {
        this.id = id;
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public Protocol wire() {
        return Protocol.OPENAI;
    }

    @Override
    public UpstreamRequest chat(ChatRequest request, Deployment deployment) {
        Map<String, Object> body = OpenAiWire.encodeRequest(request, id, true);
        return post(deployment, deployment.settings().getOrDefault("chat-path", "/chat/completions"), body,
                request.stream());
    }

    @Override
    public ChatResult chatResult(byte[] body) {
        return OpenAiWire.decodeResult(Json.parseObject(new String(body, StandardCharsets.UTF_8)));
    }

    @Override
    public StreamDecoder chatStream() {
        return OpenAiWire.streamDecoder();
    }

    @Override
    public UpstreamError error(int status, Map<String, List<String>> headers, byte[] body) {
        return OpenAiWire.decodeError(status, headers, body.length > MAX_ERROR_BYTES
                ? java.util.Arrays.copyOf(body, MAX_ERROR_BYTES) : body);
    }

    @Override
    public UpstreamRequest embeddings(EmbeddingRequest request, Deployment deployment) {
        return post(deployment, deployment.settings().getOrDefault("embeddings-path", "/embeddings"),
                OpenAiWire.encodeEmbeddingsRequest(request), false);
    }

    @Override
    public EmbeddingResult embeddingsResult(byte[] body) {
        return OpenAiWire.decodeEmbeddingsResult(Json.parseObject(new String(body, StandardCharsets.UTF_8)));
    }

    /** The POST to {@code path} below the deployment's base URL, with its credential in the configured header. */
    protected UpstreamRequest post(Deployment d, String path, Map<String, Object> body, boolean stream) {
        String version = d.settings().get("api-version");
        String url = d.base() + path + (version == null ? ""
                : (path.contains("?") ? "&" : "?") + "api-version=" + URLEncoder.encode(version, StandardCharsets.UTF_8));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", stream ? "text/event-stream" : "application/json");
        if (d.credential() != null) {
            String header = d.settings().getOrDefault("auth-header", "Authorization");
            headers.put(header, header.equalsIgnoreCase("Authorization") ? "Bearer " + d.credential() : d.credential());
        }
        return new UpstreamRequest("POST", URI.create(url), headers,
                Json.write(body).getBytes(StandardCharsets.UTF_8));
    }
}
