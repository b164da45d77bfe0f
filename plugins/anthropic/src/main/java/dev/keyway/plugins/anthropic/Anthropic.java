package dev.keyway.plugins.anthropic;

import dev.keyway.spi.Protocol;
import dev.keyway.spi.ai.AiProvider;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ChatResult;
import dev.keyway.spi.ai.Deployment;
import dev.keyway.spi.ai.StreamDecoder;
import dev.keyway.spi.ai.UpstreamError;
import dev.keyway.spi.ai.UpstreamRequest;
import dev.keyway.spi.ai.wire.AnthropicWire;
import dev.keyway.spi.json.Json;
import org.pf4j.Extension;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's Messages API ({@code https://api.anthropic.com/v1}): {@code x-api-key} and {@code anthropic-version}
 * headers, {@code max_tokens} always sent (the deployment setting {@code default-max-tokens}, else 4096, when the
 * caller gave none), named SSE events.
 */
@Extension
public final class Anthropic implements AiProvider {
    static final String VERSION = "2023-06-01";
    private static final int DEFAULT_MAX_TOKENS = 4096;

    @Override
    public String id() {
        return "anthropic";
    }

    @Override
    public Protocol wire() {
        return Protocol.ANTHROPIC;
    }

    @Override
    public UpstreamRequest chat(ChatRequest request, Deployment deployment) {
        int maxTokens = Integer.parseInt(deployment.settings().getOrDefault("default-max-tokens",
                Integer.toString(DEFAULT_MAX_TOKENS)));
        Map<String, Object> body = AnthropicWire.encodeRequest(request, true, maxTokens);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", request.stream() ? "text/event-stream" : "application/json");
        headers.put("anthropic-version", deployment.settings().getOrDefault("anthropic-version", VERSION));
        if (deployment.credential() != null) {
            headers.put("x-api-key", deployment.credential());
        }
        return new UpstreamRequest("POST", URI.create(deployment.base() + "/messages"), headers,
                Json.write(body).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public ChatResult chatResult(byte[] body) {
        return AnthropicWire.decodeResult(Json.parseObject(new String(body, StandardCharsets.UTF_8)));
    }

    @Override
    public StreamDecoder chatStream() {
        return AnthropicWire.streamDecoder();
    }

    @Override
    public UpstreamError error(int status, Map<String, List<String>> headers, byte[] body) {
        return AnthropicWire.decodeError(status, headers, body);
    }
}
