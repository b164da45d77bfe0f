package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.ChatMessage;
import dev.keyway.spi.ai.ChatMessage.Role;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ContentPart;
import dev.keyway.spi.ai.Tool;
import dev.keyway.spi.ai.ToolCall;
import dev.keyway.spi.ai.ToolChoice;
import dev.keyway.spi.json.Json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static dev.keyway.spi.ai.wire.AnthropicWire.invalid;

/**
 * Anthropic Messages requests sent to Keyway, as neutral requests ({@link AnthropicWire#decodeRequest}); the other
 * direction is {@link AnthropicRequestEncoder}.
 */
final class AnthropicRequests {
    private static final Set<String> REQUEST_FIELDS = Set.of("model", "max_tokens", "system", "messages",
            "temperature", "top_p", "top_k", "stop_sequences", "stream", "tools", "tool_choice", "metadata");
    private static final String DROP_HINT = "leave it out, or send x-keyway-drop-params: true to drop it";

    private AnthropicRequests() {
    }

    /** The inbound request in neutral form. */
    static ChatRequest decode(Map<String, Object> body, boolean dropUnsupported) {
        Objects.requireNonNull(body, "body");
        String model = requiredString(body.get("model"), "model");
        Integer maxTokens = integer(body.get("max_tokens"), "max_tokens", 1);
        if (maxTokens == null) {
            throw invalid("max_tokens", "missing", "a positive integer");
        }
        List<ChatMessage> messages = new ArrayList<>();
        if (body.get("system") != null) {
            messages.add(new ChatMessage(Role.SYSTEM, textParts(body.get("system"), "system"), null, null, null,
                    false));
        }
        List<Object> wire = array(body.get("messages"), "messages");
        if (wire == null || wire.isEmpty()) {
            throw invalid("messages", "missing or empty", "an array of user and assistant messages");
        }
        for (int i = 0; i < wire.size(); i++) {
            decodeMessage(wire.get(i), "messages[" + i + "]", dropUnsupported, messages);
        }
        Map<String, Object> metadata = object(body.get("metadata"), "metadata");
        String user = metadata == null ? null : string(metadata.get("user_id"), "metadata.user_id");
        Map<String, Object> extra = new LinkedHashMap<>();
        body.forEach((key, value) -> {
            if (!REQUEST_FIELDS.contains(key) && value != null) {
                extra.put(key, value);
            }
        });
        return new ChatRequest(model, messages, tools(body.get("tools")),
                toolChoice(body.get("tool_choice"), dropUnsupported), fraction(body.get("temperature"), "temperature"),
                fraction(body.get("top_p"), "top_p"), integer(body.get("top_k"), "top_k", 0), maxTokens,
                strings(body.get("stop_sequences"), "stop_sequences"), null, user, null,
                Boolean.TRUE.equals(bool(body.get("stream"), "stream")), extra, dropUnsupported);
    }

    private static void decodeMessage(Object raw, String p, boolean drop, List<ChatMessage> out) {
        Map<String, Object> m = object(raw, p);
        if (m == null) {
            throw invalid(p, "missing", "a message object");
        }
        String role = requiredString(m.get("role"), p + ".role");
        boolean user = role.equals("user");
        if (!user && !role.equals("assistant")) {
            throw invalid(p + ".role", "not a Messages role", "user or assistant");
        }
        Object content = m.get("content");
        if (content instanceof String s) {
            out.add(ChatMessage.text(user ? Role.USER : Role.ASSISTANT, s));
            return;
        }
        List<Object> blocks = array(content, p + ".content");
        if (blocks == null) {
            throw invalid(p + ".content", "missing", "a string or an array of content blocks");
        }
        List<ContentPart> parts = new ArrayList<>();
        List<ToolCall> calls = new ArrayList<>();
        List<ChatMessage> results = new ArrayList<>();
        for (int j = 0; j < blocks.size(); j++) {
            String q = p + ".content[" + j + "]";
            Map<String, Object> b = object(blocks.get(j), q);
            if (b == null) {
                throw invalid(q, "missing", "a content block");
            }
            String type = requiredString(b.get("type"), q + ".type");
            switch (type) {
                case "text" -> parts.add(new ContentPart.Text(requiredString(b.get("text"), q + ".text")));
                case "image" -> {
                    if (!user) {
                        throw invalid(q + ".type", "an image in an assistant turn", "images in user turns only");
                    }
                    parts.add(imageSource(b.get("source"), q + ".source"));
                }
                case "tool_use" -> {
                    if (user) {
                        throw invalid(q + ".type", "tool_use in a user turn", "tool_use in assistant turns only");
                    }
                    Object input = b.get("input") == null ? Map.of() : b.get("input");
                    if (!(input instanceof Map)) {
                        throw invalid(q + ".input", "not an object", "the tool's input as a JSON object");
                    }
                    calls.add(new ToolCall(requiredString(b.get("id"), q + ".id"),
                            requiredString(b.get("name"), q + ".name"), Json.write(input)));
                }
                case "tool_result" -> {
                    if (!user) {
                        throw invalid(q + ".type", "tool_result in an assistant turn",
                                "tool_result in user turns only");
                    }
                    results.add(new ChatMessage(Role.TOOL, toolResultContent(b.get("content"), q + ".content"), null,
                            requiredString(b.get("tool_use_id"), q + ".tool_use_id"), null,
                            Boolean.TRUE.equals(bool(b.get("is_error"), q + ".is_error"))));
                }
                case "thinking", "redacted_thinking" -> {
                    if (!drop) {
                        throw invalid(q + ".type", "thinking blocks cannot be carried to other providers", DROP_HINT);
                    }
                }
                default -> throw invalid(q + ".type", "unsupported content block type",
                        "text, image, tool_use or tool_result");
            }
        }
        if (user) {
            out.addAll(results);
            if (!parts.isEmpty() || results.isEmpty()) {
                out.add(new ChatMessage(Role.USER, parts, null, null, null, false));
            }
        } else {
            out.add(new ChatMessage(Role.ASSISTANT, parts, calls, null, null, false));
        }
    }

    /** A string, or text blocks, as text parts (the system prompt). */
    private static List<ContentPart> textParts(Object value, String p) {
        if (value instanceof String s) {
            return List.of(new ContentPart.Text(s));
        }
        List<Object> blocks = array(value, p);
        List<ContentPart> parts = new ArrayList<>();
        for (int j = 0; j < blocks.size(); j++) {
            String q = p + "[" + j + "]";
            Map<String, Object> b = object(blocks.get(j), q);
            if (b == null || !"text".equals(b.get("type"))) {
                throw invalid(q + ".type", "not a text block", "text");
            }
            parts.add(new ContentPart.Text(requiredString(b.get("text"), q + ".text")));
        }
        return parts;
    }

    private static List<ContentPart> toolResultContent(Object value, String p) {
        if (value == null || value instanceof String) {
            return value == null ? List.of() : List.of(new ContentPart.Text((String) value));
        }
        List<Object> blocks = array(value, p);
        List<ContentPart> parts = new ArrayList<>();
        for (int j = 0; j < blocks.size(); j++) {
            String q = p + "[" + j + "]";
            Map<String, Object> b = object(blocks.get(j), q);
            String type = b == null ? null : string(b.get("type"), q + ".type");
            if ("text".equals(type)) {
                parts.add(new ContentPart.Text(requiredString(b.get("text"), q + ".text")));
            } else if ("image".equals(type)) {
                parts.add(imageSource(b.get("source"), q + ".source"));
            } else {
                throw invalid(q + ".type", "unsupported tool result block", "text or image");
            }
        }
        return parts;
    }

    private static ContentPart.Image imageSource(Object value, String p) {
        Map<String, Object> s = object(value, p);
        if (s == null) {
            throw invalid(p, "missing", "an image source");
        }
        return switch (requiredString(s.get("type"), p + ".type")) {
            case "base64" -> new ContentPart.Image(null, requiredString(s.get("media_type"), p + ".media_type"),
                    requiredString(s.get("data"), p + ".data"), null);
            case "url" -> new ContentPart.Image(requiredString(s.get("url"), p + ".url"), null, null, null);
            default -> throw invalid(p + ".type", "unsupported image source", "base64 or url");
        };
    }

    private static List<Tool> tools(Object value) {
        List<Object> wire = array(value, "tools");
        List<Tool> tools = new ArrayList<>();
        for (int i = 0; wire != null && i < wire.size(); i++) {
            String p = "tools[" + i + "]";
            Map<String, Object> t = object(wire.get(i), p);
            if (t == null) {
                throw invalid(p, "missing", "a tool object");
            }
            String type = string(t.get("type"), p + ".type");
            if (type != null && !type.equals("custom")) {
                throw invalid(p + ".type", "server tools cannot be carried to other providers",
                        "client tools with name, description and input_schema");
            }
            tools.add(new Tool(requiredString(t.get("name"), p + ".name"),
                    string(t.get("description"), p + ".description"),
                    object(t.get("input_schema"), p + ".input_schema")));
        }
        return tools;
    }

    private static ToolChoice toolChoice(Object value, boolean drop) {
        Map<String, Object> c = object(value, "tool_choice");
        if (c == null) {
            return null;
        }
        if (Boolean.TRUE.equals(bool(c.get("disable_parallel_tool_use"), "tool_choice.disable_parallel_tool_use"))
                && !drop) {
            throw invalid("tool_choice.disable_parallel_tool_use", "not carried by the gateway", DROP_HINT);
        }
        return switch (requiredString(c.get("type"), "tool_choice.type")) {
            case "auto" -> new ToolChoice(ToolChoice.Mode.AUTO, null);
            case "any" -> new ToolChoice(ToolChoice.Mode.REQUIRED, null);
            case "none" -> new ToolChoice(ToolChoice.Mode.NONE, null);
            case "tool" -> new ToolChoice(ToolChoice.Mode.TOOL, requiredString(c.get("name"), "tool_choice.name"));
            default -> throw invalid("tool_choice.type", "unknown tool choice", "auto, any, tool or none");
        };
    }

    private static Map<String, Object> object(Object v, String p) {
        if (v == null || v instanceof Map) {
            return Json.object(v, p);
        }
        throw invalid(p, "not an object", "a JSON object");
    }

    private static List<Object> array(Object v, String p) {
        if (v == null || v instanceof List) {
            return Json.array(v, p);
        }
        throw invalid(p, "not an array", "a JSON array");
    }

    private static String string(Object v, String p) {
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw invalid(p, "not a string", "a string");
    }

    private static String requiredString(Object v, String p) {
        String s = string(v, p);
        if (s == null) {
            throw invalid(p, "missing", "a string");
        }
        return s;
    }

    private static Boolean bool(Object v, String p) {
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        throw invalid(p, "not a boolean", "true or false");
    }

    private static Double fraction(Object v, String p) {
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n)) {
            throw invalid(p, "not a number", "a number from 0 to 1");
        }
        if (n.doubleValue() < 0 || n.doubleValue() > 1) {
            throw invalid(p, "out of range", "a number from 0 to 1");
        }
        return n.doubleValue();
    }

    private static Integer integer(Object v, String p, int min) {
        if (v == null) {
            return null;
        }
        String expected = min == 0 ? "an integer ≥ 0" : "a positive integer";
        try {
            BigDecimal d = switch (v) {
                case Long l -> BigDecimal.valueOf(l);
                case BigDecimal b -> b;
                default -> throw invalid(p, "not an integer", expected);
            };
            int i = d.intValueExact();
            if (i < min) {
                throw invalid(p, "out of range", expected);
            }
            return i;
        } catch (ArithmeticException notAnInt) {
            throw invalid(p, "not an integer", expected);
        }
    }

    private static List<String> strings(Object v, String p) {
        List<Object> list = array(v, p);
        List<String> out = new ArrayList<>();
        for (int i = 0; list != null && i < list.size(); i++) {
            out.add(requiredString(list.get(i), p + "[" + i + "]"));
        }
        return out;
    }
}
