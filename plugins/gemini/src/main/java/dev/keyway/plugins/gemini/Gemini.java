package dev.keyway.plugins.gemini;

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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Google's Gemini API ({@code https://generativelanguage.googleapis.com/v1beta}): {@code models/{model}:generateContent},
 * {@code :streamGenerateContent?alt=sse} (each SSE event a whole response chunk, no {@code [DONE]}) and
 * {@code :batchEmbedContents}, with the credential in {@code x-goog-api-key}.
 *
 * <p>Deployment settings: {@code thought-signature}, the signature sent on replayed function calls, which Gemini 3
 * requires and the neutral model cannot carry (default {@value GeminiWire#SKIP_SIGNATURE}, Google's documented
 * value for calls it did not just produce; {@code none} sends none).
 */
@Extension
public final class Gemini implements AiProvider {
    private static final int MAX_ERROR_BYTES = 64 * 1024;

    @Override
    public String id() {
        return GeminiWire.PROVIDER;
    }

    @Override
    public UpstreamRequest chat(ChatRequest request, Deployment deployment) {
        String signature = deployment.settings().getOrDefault("thought-signature", GeminiWire.SKIP_SIGNATURE);
        Map<String, Object> body = GeminiWire.encodeRequest(request, signature.equals("none") ? null : signature);
        String method = request.stream() ? ":streamGenerateContent?alt=sse" : ":generateContent";
        return post(deployment, urlPath(request.model()) + method, body, request.stream());
    }

    @Override
    public ChatResult chatResult(byte[] body) {
        return GeminiAnswers.decodeResult(parse(body));
    }

    @Override
    public StreamDecoder chatStream() {
        return new GeminiStream.Decoder();
    }

    @Override
    public UpstreamError error(int status, Map<String, List<String>> headers, byte[] body) {
        byte[] head = body != null && body.length > MAX_ERROR_BYTES ? java.util.Arrays.copyOf(body, MAX_ERROR_BYTES)
                : body;
        return GeminiAnswers.decodeError(status, headers, head, System.currentTimeMillis());
    }

    @Override
    public UpstreamRequest embeddings(EmbeddingRequest request, Deployment deployment) {
        return post(deployment, urlPath(request.model()) + ":batchEmbedContents",
                GeminiWire.encodeEmbeddings(request, modelName(request.model())), false);
    }

    @Override
    public EmbeddingResult embeddingsResult(byte[] body) {
        return GeminiAnswers.decodeEmbeddings(parse(body));
    }

    /** The model's resource name: {@code models/…} unless it already names one ({@code tunedModels/…} too). */
    static String modelName(String model) {
        return model.startsWith("models/") || model.startsWith("tunedModels/") ? model : "models/" + model;
    }

    /** The model's resource name as a URL path, each segment percent-encoded. */
    static String urlPath(String model) {
        String[] segments = modelName(model).split("/", -1);
        StringBuilder path = new StringBuilder();
        for (String segment : segments) {
            path.append('/').append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return path.toString();
    }

    private static UpstreamRequest post(Deployment d, String path, Map<String, Object> body, boolean stream) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", stream ? "text/event-stream" : "application/json");
        if (d.credential() != null) {
            headers.put("x-goog-api-key", d.credential());
        }
        return new UpstreamRequest("POST", URI.create(d.base() + path), headers,
                Json.write(body).getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, Object> parse(byte[] body) {
        try {
            return Json.parseObject(new String(body, StandardCharsets.UTF_8));
        } catch (Json.ParseException e) {
            throw new IllegalStateException("gemini answer is not a JSON object (" + e.getMessage() + ")");
        }
    }
}
