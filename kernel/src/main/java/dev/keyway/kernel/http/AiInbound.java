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

    /**
     * A prompt API's caller: answers as {@code {"output", "model", "finish_reason", "usage"}}, streams as
     * {@code data: {"delta":"…"}} events ending with {@code data: {"done":true, …}}.
     */
    final class Prompt implements AiInbound {
        @Override
        public Protocol protocol() {
            return Protocol.REST;
        }

        @Override
        public ChatRequest decode(Map<String, Object> body, boolean dropUnsupported) {
            throw new UnsupportedOperationException("a prompt API builds its request from its template");
        }

        @Override
        public boolean includeUsage() {
            return true;
        }

        @Override
        public String result(ChatResult result, String model) {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            out.put("output", result.text() == null ? "" : result.text());
            out.put("model", model);
            out.put("finish_reason", result.finishReason() == null ? null
                    : result.finishReason().name().toLowerCase(java.util.Locale.ROOT));
            out.put("usage", usage(result.usage()));
            return Json.write(out);
        }

        @Override
        public StreamEncoder encoder(String id, String model, long created) {
            return new StreamEncoder() {
                private dev.keyway.spi.ai.Usage usage = dev.keyway.spi.ai.Usage.NONE;
                private String finish;

                @Override
                public String event(dev.keyway.spi.ai.ChatEvent event) {
                    return switch (event) {
                        case dev.keyway.spi.ai.ChatEvent.TextDelta t -> "data: " + Json.write(Map.of("delta", t.text()))
                                + "\n\n";
                        case dev.keyway.spi.ai.ChatEvent.UsageReport u -> {
                            usage = usage.merge(u.usage());
                            yield "";
                        }
                        case dev.keyway.spi.ai.ChatEvent.Finished f -> {
                            finish = f.reason().name().toLowerCase(java.util.Locale.ROOT);
                            yield "";
                        }
                        case dev.keyway.spi.ai.ChatEvent.Failed f -> "data: " + Json.write(Map.of("error",
                                Map.of("code", "upstream_error", "message", f.message()))) + "\n\n";
                        default -> "";
                    };
                }

                @Override
                public String end() {
                    Map<String, Object> done = new java.util.LinkedHashMap<>();
                    done.put("done", true);
                    done.put("model", model);
                    done.put("finish_reason", finish);
                    done.put("usage", usage(usage));
                    return "data: " + Json.write(done) + "\n\n";
                }
            };
        }

        private static Map<String, Object> usage(dev.keyway.spi.ai.Usage u) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("input_tokens", u.inputTokens());
            m.put("output_tokens", u.outputTokens());
            return m;
        }
    }
}
