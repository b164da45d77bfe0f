package dev.keyway.kernel.testing;

import com.sun.net.httpserver.HttpExchange;
import dev.keyway.spi.json.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A local server speaking Anthropic's Messages API (WIRE.md) at {@code POST /v1/messages}: a text answer, or, when
 * the request defines tools and its last turn is not a tool result, a text block followed by a {@code tool_use}
 * block; streams as named SSE events ({@code message_start} with the input tokens, a {@code ping}, content blocks
 * with {@code text_delta} or {@code input_json_delta} fragments, {@code message_delta} with the stop reason and the
 * cumulative output tokens, {@code message_stop}; no {@code [DONE]}). Like Anthropic it refuses a request without
 * {@code x-api-key}, {@code anthropic-version} or {@code max_tokens}, with roles other than user and assistant, or
 * with a temperature outside 0–1, answering in Anthropic's error shape. Queued failures (status, headers, body)
 * answer the next requests instead. Records every request it receives.
 */
public final class FakeAnthropic extends FakeProvider<FakeAnthropic> {
    public static final long INPUT_TOKENS = 25;
    public static final long OUTPUT_TOKENS = 9;
    /** The text deltas of a streamed answer; joined, the text of a finished one. */
    public static final List<String> TEXT_DELTAS = List.of("Hello", " from", " Claude");
    public static final String TEXT = String.join("", TEXT_DELTAS);
    /** The text block before a tool call. */
    public static final String TOOL_PREAMBLE = "Let me check.";
    public static final String TOOL_USE_ID = "toolu_01FakeWeather";
    /** The tool call's input as streamed fragments (Anthropic's own spacing); joined, {@code {"city": "Paris"}}. */
    public static final List<String> TOOL_INPUT_FRAGMENTS = List.of("", "{\"city\": ", "\"Par", "is\"}");

    public FakeAnthropic() {
        super("/v1");
    }

    /** Anthropic's error body: {@code {"type":"error","error":{"type":…,"message":…}}}. */
    public static String error(String type, String message) {
        return Json.write(map("type", "error", "error", map("type", type, "message", message)));
    }

    @Override
    protected void handle(HttpExchange ex) throws IOException {
        Map<String, Object> body;
        try {
            body = Json.parseObject(readBody(ex));
        } catch (IllegalArgumentException notJson) {
            body = Map.of();
        }
        String path = ex.getRequestURI().getPath();
        record(path, ex, body);
        if (answerFailure(ex)) {
            return;
        }
        if (!ex.getRequestMethod().equals("POST") || !path.equals("/v1/messages")) {
            send(ex, 404, error("not_found_error", "Not found: " + ex.getRequestMethod() + " " + path));
            return;
        }
        String refusal = refusal(ex, body);
        if (refusal != null) {
            boolean auth = refusal.startsWith("x-api-key");
            send(ex, auth ? 401 : 400, error(auth ? "authentication_error" : "invalid_request_error", refusal));
            return;
        }
        boolean toolTurn = body.get("tools") instanceof List<?> tools && !tools.isEmpty() && !answersTool(body);
        String model = String.valueOf(body.get("model"));
        if (Boolean.TRUE.equals(body.get("stream"))) {
            stream(ex, model, toolTurn ? toolName(body) : null);
            return;
        }
        List<Object> content = toolTurn
                ? List.of(map("type", "text", "text", TOOL_PREAMBLE), map("type", "tool_use", "id", TOOL_USE_ID,
                "name", toolName(body), "input", map("city", "Paris")))
                : List.of(map("type", "text", "text", TEXT));
        send(ex, 200, Json.write(map("id", "msg_01FakeAnswer", "type", "message", "role", "assistant",
                "model", model, "content", content, "stop_reason", toolTurn ? "tool_use" : "end_turn",
                "stop_sequence", null, "usage", map("input_tokens", INPUT_TOKENS, "output_tokens", OUTPUT_TOKENS))));
    }

    /** What Anthropic would refuse in this request, or null. */
    private static String refusal(HttpExchange ex, Map<String, Object> body) {
        String key = ex.getRequestHeaders().getFirst("x-api-key");
        if (key == null || key.isBlank()) {
            return "x-api-key header is required";
        }
        if (ex.getRequestHeaders().getFirst("anthropic-version") == null) {
            return "anthropic-version: header is required";
        }
        if (!(body.get("max_tokens") instanceof Long)) {
            return "max_tokens: Field required";
        }
        if (!(body.get("messages") instanceof List<?> messages) || messages.isEmpty()) {
            return "messages: Field required";
        }
        for (Object m : messages) {
            Object role = m instanceof Map<?, ?> map ? map.get("role") : null;
            if (!"user".equals(role) && !"assistant".equals(role)) {
                return "messages: Unexpected role \"" + role + "\". Allowed roles are \"user\" or \"assistant\"";
            }
        }
        if (body.get("temperature") instanceof Number t && (t.doubleValue() < 0 || t.doubleValue() > 1)) {
            return "temperature: Input should be less than or equal to 1";
        }
        return null;
    }

    /** Whether the last turn is a user turn holding a tool_result block (the model then answers in text). */
    private static boolean answersTool(Map<String, Object> body) {
        List<?> messages = (List<?>) body.get("messages");
        return messages.getLast() instanceof Map<?, ?> last && last.get("content") instanceof List<?> blocks
                && blocks.stream().anyMatch(b -> b instanceof Map<?, ?> m && "tool_result".equals(m.get("type")));
    }

    private static String toolName(Map<String, Object> body) {
        return ((List<?>) body.get("tools")).getFirst() instanceof Map<?, ?> t ? String.valueOf(t.get("name"))
                : "tool";
    }

    private static void stream(HttpExchange ex, String model, String tool) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().add("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            event(out, "message_start", map("type", "message_start", "message", map("id", "msg_01FakeStream",
                    "type", "message", "role", "assistant", "model", model, "content", List.of(),
                    "stop_reason", null, "stop_sequence", null,
                    "usage", map("input_tokens", INPUT_TOKENS, "output_tokens", 1L))));
            event(out, "ping", map("type", "ping"));
            if (tool == null) {
                textBlock(out, 0, TEXT_DELTAS);
            } else {
                textBlock(out, 0, List.of(TOOL_PREAMBLE));
                event(out, "content_block_start", map("type", "content_block_start", "index", 1,
                        "content_block", map("type", "tool_use", "id", TOOL_USE_ID, "name", tool, "input", map())));
                for (String fragment : TOOL_INPUT_FRAGMENTS) {
                    event(out, "content_block_delta", map("type", "content_block_delta", "index", 1,
                            "delta", map("type", "input_json_delta", "partial_json", fragment)));
                }
                event(out, "content_block_stop", map("type", "content_block_stop", "index", 1));
            }
            event(out, "message_delta", map("type", "message_delta", "delta", map("stop_reason",
                    tool == null ? "end_turn" : "tool_use", "stop_sequence", null),
                    "usage", map("output_tokens", OUTPUT_TOKENS)));
            event(out, "message_stop", map("type", "message_stop"));
        }
    }

    private static void textBlock(OutputStream out, int index, List<String> deltas) throws IOException {
        event(out, "content_block_start", map("type", "content_block_start", "index", index,
                "content_block", map("type", "text", "text", "")));
        for (int i = 0; i < deltas.size(); i++) {
            event(out, "content_block_delta", map("type", "content_block_delta", "index", index,
                    "delta", map("type", "text_delta", "text", deltas.get(i))));
            if (i == 0) {
                event(out, "ping", map("type", "ping"));
            }
        }
        event(out, "content_block_stop", map("type", "content_block_stop", "index", index));
    }

    private static void event(OutputStream out, String name, Map<String, Object> data) throws IOException {
        out.write(("event: " + name + "\ndata: " + Json.write(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    protected void send(HttpExchange ex, int status, String body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.getResponseHeaders().add("request-id", "req_fake");
        write(ex, status, body);
    }
}
