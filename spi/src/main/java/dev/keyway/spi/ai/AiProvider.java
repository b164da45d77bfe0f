package dev.keyway.spi.ai;

import org.pf4j.ExtensionPoint;

import java.util.List;
import java.util.Map;

/**
 * A provider's wire format: how a neutral {@link ChatRequest} becomes its HTTP request, and how its answers,
 * streams and errors read back. Contributed by plugins (one per wire format); the kernel picks one by
 * {@link #id()} from a {@link Deployment}'s provider and does the I/O itself.
 *
 * <p>Implementations are stateless and thread-safe, except the {@link StreamDecoder}s they create.
 */
public interface AiProvider extends ExtensionPoint {

    /** The provider id deployments name, e.g. {@code openai}, {@code anthropic}, {@code gemini}. */
    String id();

    /**
     * The inbound protocol whose own parameters this provider takes as they are ({@link ChatRequest#extra()} holds
     * them by that protocol's names): {@link dev.keyway.spi.Protocol#OPENAI} for OpenAI-wire providers,
     * {@link dev.keyway.spi.Protocol#ANTHROPIC} for Anthropic; null for none. For a request from another protocol
     * the kernel refuses (or, when the caller opted in, drops) such parameters before the provider sees them.
     */
    default dev.keyway.spi.Protocol wire() {
        return null;
    }

    /**
     * The upstream request for a chat call. {@code request.model()} is already the deployment's model.
     *
     * @throws UnsupportedParameterException for a parameter this provider cannot take (unless dropping)
     * @throws InvalidRequestException       for a request this provider cannot express
     */
    UpstreamRequest chat(ChatRequest request, Deployment deployment);

    /** Reads a successful non-streamed chat answer. */
    ChatResult chatResult(byte[] body);

    /** A decoder for one successful streamed chat answer. */
    StreamDecoder chatStream();

    /** Reads an error answer (any status ≥ 400). */
    UpstreamError error(int status, Map<String, List<String>> headers, byte[] body);

    /** The upstream request for embeddings; providers without them refuse. */
    default UpstreamRequest embeddings(EmbeddingRequest request, Deployment deployment) {
        throw new InvalidRequestException("model", "provider '" + id() + "' serves no embeddings");
    }

    /** Reads a successful embeddings answer. */
    default EmbeddingResult embeddingsResult(byte[] body) {
        throw new UnsupportedOperationException(id() + ": no embeddings");
    }
}
