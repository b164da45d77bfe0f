package dev.keyway.kernel.http;

import dev.keyway.spi.Protocol;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ChatResult;
import dev.keyway.spi.ai.StreamEncoder;
import dev.keyway.spi.ai.wire.AnthropicWire;
import dev.keyway.spi.ai.wire.OpenAiWire;
import dev.keyway.spi.json.Json;

import java.util.Map;

/**
 * The caller's side of an AI call: OpenAI's Chat Completions or Anthropic's Messages. Decodes the request into the
 * neutral form and writes answers, streams and errors back in the caller's own format.
 */
sealed interface AiInbound {

    /** The inbound protocol (for error shapes and for which provider parameters pass as they are). */
    Protocol protocol();

    /** The neutral request; {@link dev.keyway.spi.ai.InvalidRequestException} for a bad one. */
    ChatRequest decode(Map<String, Object> body, boolean dropUnsupported);

    /** Whether the caller asked for usage in the stream (OpenAI's {@code stream_options.include_usage}). */
    boolean includeUsage();

    /** A finished answer as the caller's JSON body. */
    String result(ChatResult result, String model);

    /** A stream encoder for one answer. */
    StreamEncoder encoder(String id, String model, long created);

    /** OpenAI's {@code /v1/chat/completions}. */
    final class OpenAi implements AiInbound {
        private boolean includeUsage;

        @Override
        public Protocol protocol() {
            return Protocol.OPENAI;
        }

        @Override
        public ChatRequest decode(Map<String, Object> body, boolean dropUnsupported) {
            OpenAiWire.Decoded decoded = OpenAiWire.decodeRequest(body, dropUnsupported);
            includeUsage = decoded.includeUsage();
            return decoded.request();
        }

        @Override
        public boolean includeUsage() {
            return includeUsage;
        }

        @Override
        public String result(ChatResult result, String model) {
            return Json.write(OpenAiWire.encodeResult(result, model));
        }

        @Override
        public StreamEncoder encoder(String id, String model, long created) {
            return OpenAiWire.streamEncoder(id, model, created, includeUsage);
        }
    }

    /** Anthropic's {@code /v1/messages}. */
    final class Anthropic implements AiInbound {
        @Override
        public Protocol protocol() {
            return Protocol.ANTHROPIC;
        }

        @Override
        public ChatRequest decode(Map<String, Object> body, boolean dropUnsupported) {
            return AnthropicWire.decodeRequest(body, dropUnsupported);
        }

        @Override
        public boolean includeUsage() {
            return true;
        }

        @Override
        public String result(ChatResult result, String model) {
            return Json.write(AnthropicWire.encodeResult(result, model));
        }

        @Override
        public StreamEncoder encoder(String id, String model, long created) {
            return AnthropicWire.streamEncoder(id, model);
        }
    }
}
