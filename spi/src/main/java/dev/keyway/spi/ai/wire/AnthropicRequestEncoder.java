package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.ChatMessage;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ContentPart;
import dev.keyway.spi.ai.Tool;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.UnsupportedParameterException;
import dev.keyway.spi.json.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

import static dev.keyway.spi.ai.wire.AnthropicWire.block;
import static dev.keyway.spi.ai.wire.AnthropicWire.invalid;

/**
 * Neutral requests as Anthropic Messages bodies ({@link AnthropicWire#encodeRequest}); the other direction is
 * {@link AnthropicRequests}.
 */
final class AnthropicRequestEncoder {
    private AnthropicRequestEncoder() {
    }

    /** The neutral request as Anthropic's body. */
    static Map<String, Object> encode(ChatRequest r, boolean passExtra, int defaultMaxTokens) {
        Objects.requireNonNull(r, "r");
        boolean drop = r.dropUnsupported();
        if (r.temperature() != null && (r.temperature() < 0 || r.temperature() > 1)) {
            throw invalid("temperature", "anthropic accepts 0 to 1", "0 ≤ temperature ≤ 1");
        }
        if (r.seed() != null && !drop) {
            throw new UnsupportedParameterException("seed", AnthropicWire.PROVIDER);
        }
        if (r.responseFormat() != null && !drop) {
            throw new UnsupportedParameterException("response_format", AnthropicWire.PROVIDER);
        }
        if (!passExtra && !drop && !r.extra().isEmpty()) {
            throw new UnsupportedParameterException(new TreeSet<>(r.extra().keySet()).first(), AnthropicWire.PROVIDER);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", r.model());
        body.put("max_tokens", r.maxTokens() != null ? r.maxTokens() : defaultMaxTokens);
        List<String> system = new ArrayList<>();
        Turns turns = new Turns();
        for (int i = 0; i < r.messages().size(); i++) {
            ChatMessage m = r.messages().get(i);
            String p = "messages[" + i + "]";
            switch (m.role()) {
                case SYSTEM, DEVELOPER -> {
                    for (ContentPart part : m.content()) {
                        if (!(part instanceof ContentPart.Text t)) {
                            throw invalid(p + ".content", "an image in a system message", "text only");
                        }
                        system.add(t.text());
                    }
                }
                case USER -> turns.user(m, p);
                case ASSISTANT -> turns.assistant(m, p);
                case TOOL -> turns.toolResult(m, p);
            }
        }
        if (!system.isEmpty()) {
            body.put("system", String.join("\n\n", system));
        }
        if (turns.isEmpty()) {
            throw invalid("messages", "no user or assistant message", "at least one user message");
        }
        body.put("messages", turns.wire());
        putIfSet(body, "temperature", r.temperature());
        putIfSet(body, "top_p", r.topP());
        putIfSet(body, "top_k", r.topK());
        if (!r.stop().isEmpty()) {
            body.put("stop_sequences", r.stop());
        }
        if (r.stream()) {
            body.put("stream", true);
        }
        if (!r.tools().isEmpty()) {
            List<Object> tools = new ArrayList<>();
            for (Tool t : r.tools()) {
                Map<String, Object> w = new LinkedHashMap<>();
                w.put("name", t.name());
                putIfSet(w, "description", t.description());
                w.put("input_schema", t.parameters() != null ? t.parameters()
                        : Map.of("type", "object", "properties", Map.of()));
                tools.add(w);
            }
            body.put("tools", tools);
        }
        if (r.toolChoice() != null) {
            body.put("tool_choice", switch (r.toolChoice().mode()) {
                case AUTO -> Map.of("type", "auto");
                case NONE -> Map.of("type", "none");
                case REQUIRED -> Map.of("type", "any");
                case TOOL -> Map.of("type", "tool", "name", r.toolChoice().name());
            });
        }
        if (r.user() != null) {
            body.put("metadata", Map.of("user_id", r.user()));
        }
        if (passExtra) {
            new TreeSet<>(r.extra().keySet()).forEach(k -> body.putIfAbsent(k, r.extra().get(k)));
        }
        return body;
    }

    /** An image as an Anthropic image block: base64 data (also from a data: URL) or an http(s) URL. */
    static Map<String, Object> imageBlock(ContentPart.Image image, String p) {
        ContentPart.Image inline = image.inline();
        Map<String, Object> source = new LinkedHashMap<>();
        if (inline != null) {
            if (inline.mediaType() == null || inline.mediaType().isEmpty()) {
                throw invalid(p, "an image without a media type", "a media type such as image/png");
            }
            source.put("type", "base64");
            source.put("media_type", inline.mediaType());
            source.put("data", inline.data());
        } else if (image.url().startsWith("https://") || image.url().startsWith("http://")) {
            source.put("type", "url");
            source.put("url", image.url());
        } else {
            throw invalid(p, "an image URL anthropic cannot fetch", "an http(s) URL or a base64 data: URL");
        }
        return block("image", "source", source);
    }

    private static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    /** Messages as Anthropic turns: roles alternate, and a user turn holds its tool results first. */
    private static final class Turns {
        private final List<Turn> turns = new ArrayList<>();

        private record Turn(String role, List<Object> results, List<Object> blocks) {
        }

        void user(ChatMessage m, String p) {
            turn("user").blocks().addAll(blocks(m, p, true));
        }

        void assistant(ChatMessage m, String p) {
            List<Object> blocks = blocks(m, p, false);
            for (int j = 0; j < m.toolCalls().size(); j++) {
                ToolCall c = m.toolCalls().get(j);
                String q = p + ".tool_calls[" + j + "]";
                if (c.id() == null) {
                    throw invalid(q + ".id", "missing", "the call's id, which its tool result names");
                }
                Object input;
                try {
                    input = Json.parse(c.arguments());
                } catch (Json.ParseException notJson) {
                    input = null;
                }
                if (!(input instanceof Map<?, ?> map)) {
                    throw invalid(q + ".function.arguments", "not a JSON object", "the arguments as JSON object text");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> object = (Map<String, Object>) map;
                blocks.add(AnthropicWire.toolUseBlock(c, object));
            }
            if (!blocks.isEmpty()) {
                // An assistant turn with neither text nor calls carries nothing, and Anthropic refuses it.
                turn("assistant").blocks().addAll(blocks);
            }
        }

        void toolResult(ChatMessage m, String p) {
            if (m.toolCallId() == null) {
                throw invalid(p + ".tool_call_id", "missing", "the id of the tool call it answers");
            }
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("type", "tool_result");
            b.put("tool_use_id", m.toolCallId());
            if (m.content().stream().anyMatch(c -> c instanceof ContentPart.Image)) {
                b.put("content", blocks(m, p, true));
            } else if (!m.text().isEmpty()) {
                b.put("content", m.text());
            }
            if (m.toolError()) {
                b.put("is_error", true);
            }
            turn("user").results().add(b);
        }

        boolean isEmpty() {
            return turns.isEmpty();
        }

        List<Object> wire() {
            List<Object> out = new ArrayList<>();
            for (Turn t : turns) {
                List<Object> content = new ArrayList<>(t.results());
                content.addAll(t.blocks());
                Map<String, Object> w = new LinkedHashMap<>();
                w.put("role", t.role());
                boolean oneText = content.size() == 1 && content.getFirst() instanceof Map<?, ?> b
                        && "text".equals(b.get("type"));
                w.put("content", oneText ? ((Map<?, ?>) content.getFirst()).get("text") : content);
                out.add(w);
            }
            return out;
        }

        private Turn turn(String role) {
            if (turns.isEmpty() || !turns.getLast().role().equals(role)) {
                turns.add(new Turn(role, new ArrayList<>(), new ArrayList<>()));
            }
            return turns.getLast();
        }

        private static List<Object> blocks(ChatMessage m, String p, boolean user) {
            List<Object> blocks = new ArrayList<>();
            for (int j = 0; j < m.content().size(); j++) {
                switch (m.content().get(j)) {
                    case ContentPart.Text t when !user && t.text().isEmpty() -> {
                        // OpenAI clients send "" beside tool calls; Anthropic refuses empty text blocks.
                    }
                    case ContentPart.Text t -> blocks.add(block("text", "text", t.text()));
                    case ContentPart.Image image when user ->
                            blocks.add(imageBlock(image, p + ".content[" + j + "].image_url"));
                    case ContentPart.Image image -> throw invalid(p + ".content[" + j + "]",
                            "an image in an assistant turn", "images in user and tool messages only");
                }
            }
            return blocks;
        }
    }
}
