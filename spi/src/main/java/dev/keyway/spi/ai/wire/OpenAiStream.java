package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.ChatEvent;
import dev.keyway.spi.ai.SseReader;
import dev.keyway.spi.ai.StreamDecoder;
import dev.keyway.spi.ai.StreamEncoder;
import dev.keyway.spi.ai.Usage;
import dev.keyway.spi.json.Json;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** OpenAI's streamed Chat Completions ({@code chat.completion.chunk} SSE), read and written; see {@link OpenAiWire}. */
final class OpenAiStream {
    /** The longest SSE line accepted from an upstream. */
    private static final int MAX_LINE = 4 << 20;
    private static final String DONE = "[DONE]";

    private OpenAiStream() {
    }

    /**
     * Reads an OpenAI-compatible upstream's stream: the first chunk with a choice or usage gives {@code Started}
     * (Azure's leading prompt-filter chunk, with neither, is skipped); {@code delta.content} (and
     * {@code delta.refusal}) gives text; a tool call's first appearance by {@code index} gives
     * {@code ToolCallStarted}, its argument fragments {@code ToolCallDelta}; {@code finish_reason} gives
     * {@code Finished}; a {@code usage} object gives {@code UsageReport}; an {@code error} object gives
     * {@code Failed}. {@code [DONE]} ends it; comments and blank lines are skipped. A body that ends before
     * {@code [DONE]}, a finish reason or an error, or a chunk that is not JSON, is an {@link IllegalStateException}
     * whose message never quotes the data.
     */
    static final class Decoder implements StreamDecoder {
        private final SseReader sse = new SseReader(MAX_LINE);
        private final Set<Integer> toolCalls = new HashSet<>();
        private boolean started;
        private boolean finished;
        private boolean done;

        @Override
        public List<ChatEvent> feed(byte[] bytes, int offset, int length) {
            List<ChatEvent> out = new ArrayList<>();
            for (SseReader.Event e : sse.feed(bytes, offset, length)) {
                event(e.data(), out);
            }
            return out;
        }

        @Override
        public List<ChatEvent> end() {
            List<ChatEvent> out = new ArrayList<>();
            for (SseReader.Event e : sse.end()) {
                event(e.data(), out);
            }
            if (!done && !finished) {
                throw new IllegalStateException("upstream stream ended before [DONE]");
            }
            return out;
        }

        private void event(String data, List<ChatEvent> out) {
            if (done || data.isBlank()) {
                return;
            }
            if (data.strip().equals(DONE)) {
                done = true;
                return;
            }
            Map<String, Object> chunk;
            try {
                chunk = Json.parseObject(data);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("upstream stream chunk is not a JSON object: " + e.getMessage());
            }
            try {
                chunk(chunk, out);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("upstream stream chunk is malformed: " + e.getMessage(), e);
            }
        }

        private void chunk(Map<String, Object> chunk, List<ChatEvent> out) {
            Map<String, Object> error = Json.object(chunk.get("error"), "error");
            if (error != null) {
                out.add(failed(error));
                finished = true;
                return;
            }
            List<Object> choices = Json.array(chunk.get("choices"), "choices");
            Map<String, Object> usage = Json.object(chunk.get("usage"), "usage");
            if (!started) {
                if ((choices == null || choices.isEmpty()) && usage == null) {
                    return;
                }
                started = true;
                out.add(new ChatEvent.Started(Json.string(chunk.get("id"), "id"),
                        Json.string(chunk.get("model"), "model")));
            }
            if (choices != null) {
                for (Object c : choices) {
                    Map<String, Object> choice = Json.object(c, "choices[]");
                    Number index = Json.number(choice.get("index"), "choices[].index");
                    if (index == null || index.intValue() == 0) {
                        choice(choice, out);
                    }
                }
            }
            if (usage != null) {
                out.add(new ChatEvent.UsageReport(OpenAiWire.usage(usage)));
            }
        }

        private void choice(Map<String, Object> choice, List<ChatEvent> out) {
            Map<String, Object> delta = Json.object(choice.get("delta"), "delta");
            if (delta != null) {
                text(Json.string(delta.get("content"), "delta.content"), out);
                text(Json.string(delta.get("refusal"), "delta.refusal"), out);
                List<Object> calls = Json.array(delta.get("tool_calls"), "delta.tool_calls");
                for (int i = 0; calls != null && i < calls.size(); i++) {
                    toolCall(Json.object(calls.get(i), "delta.tool_calls[]"), i, out);
                }
            }
            Object reason = choice.get("finish_reason");
            if (reason != null) {
                out.add(new ChatEvent.Finished(OpenAiWire.finishReason(Json.string(reason, "finish_reason"))));
                finished = true;
            }
        }

        private static void text(String text, List<ChatEvent> out) {
            if (text != null && !text.isEmpty()) {
                out.add(new ChatEvent.TextDelta(text));
            }
        }

        private void toolCall(Map<String, Object> call, int position, List<ChatEvent> out) {
            Number at = Json.number(call.get("index"), "delta.tool_calls[].index");
            int index = at == null ? position : at.intValue();
            Map<String, Object> fn = Json.object(call.get("function"), "delta.tool_calls[].function");
            if (toolCalls.add(index)) {
                out.add(new ChatEvent.ToolCallStarted(index, Json.string(call.get("id"), "delta.tool_calls[].id"),
                        fn == null ? null : Json.string(fn.get("name"), "delta.tool_calls[].function.name")));
            }
            String args = fn == null ? null : Json.string(fn.get("arguments"), "delta.tool_calls[].function.arguments");
            if (args != null && !args.isEmpty()) {
                out.add(new ChatEvent.ToolCallDelta(index, args));
            }
        }

        private static ChatEvent.Failed failed(Map<String, Object> error) {
            String type = error.get("code") instanceof String c && !c.isBlank() ? c
                    : error.get("type") instanceof String t ? t : null;
            String message = error.get("message") instanceof String m ? m : "upstream failed while streaming";
            int status = error.get("code") instanceof Long code && code >= 400 && code <= 599 ? code.intValue()
                    : switch (type == null ? "" : type) {
                        case "invalid_request_error" -> 400;
                        case "authentication_error", "invalid_api_key" -> 401;
                        case "permission_error" -> 403;
                        case "not_found_error", "model_not_found" -> 404;
                        case "rate_limit_error", "rate_limit_exceeded", "insufficient_quota" -> 429;
                        case "overloaded_error" -> 503;
                        default -> 500;
                    };
            return new ChatEvent.Failed(status, type, message);
        }
    }

    /**
     * Writes events as the chunks OpenAI's SDKs read: every chunk has {@code id}, {@code object}, {@code created},
     * {@code model} and one choice (index 0, {@code finish_reason} null until {@code Finished}); the first carries
     * {@code delta.role}. {@code Started} writes nothing; a tool call's start is {@code {index, id, type, function:
     * {name, arguments:""}}}, its fragments {@code {index, function:{arguments}}}; {@code Finished} is an empty delta
     * with the reason. Usage reports are merged and written by {@link #end()} as one {@code choices:[]} chunk when
     * {@code includeUsage}, before {@code [DONE]}. {@code Failed} is {@code data: {"error":{…}}}, and the usage
     * chunk is then left out.
     */
    static final class Encoder implements StreamEncoder {
        private final String id;
        private final String model;
        private final long created;
        private final boolean includeUsage;
        private Usage usage = Usage.NONE;
        private boolean roleSent;
        private boolean failed;

        Encoder(String id, String model, long created, boolean includeUsage) {
            this.id = id;
            this.model = model;
            this.created = created;
            this.includeUsage = includeUsage;
        }

        @Override
        public String event(ChatEvent event) {
            return switch (event) {
                case ChatEvent.Started s -> "";
                case ChatEvent.TextDelta t -> t.text().isEmpty() ? "" : choice(Map.of("content", t.text()), null);
                case ChatEvent.ToolCallStarted s -> {
                    String callId = s.id() != null ? s.id() : "call_" + UUID.randomUUID().toString().replace("-", "");
                    Map<String, Object> call = OpenAiRequests.ordered("index", s.index(), "id", callId,
                            "type", "function", "function",
                            OpenAiRequests.ordered("name", s.name() == null ? "" : s.name(), "arguments", ""));
                    yield choice(Map.of("tool_calls", List.of(call)), null);
                }
                case ChatEvent.ToolCallDelta d -> d.argumentsFragment().isEmpty() ? "" : choice(Map.of("tool_calls",
                        List.of(OpenAiRequests.ordered("index", d.index(), "function",
                                Map.of("arguments", d.argumentsFragment())))), null);
                case ChatEvent.Finished f -> choice(Map.of(), OpenAiWire.finishName(f.reason()));
                case ChatEvent.UsageReport u -> {
                    usage = usage.merge(u.usage());
                    yield "";
                }
                case ChatEvent.Failed f -> {
                    failed = true;
                    yield data(Map.of("error", OpenAiRequests.ordered("message", f.message(), "type", f.type(),
                            "param", null, "code", null)));
                }
            };
        }

        @Override
        public String end() {
            if (!includeUsage || failed) {
                return "data: " + DONE + "\n\n";
            }
            Map<String, Object> chunk = header();
            chunk.put("choices", List.of());
            chunk.put("usage", OpenAiWire.usageMap(usage));
            return data(chunk) + "data: " + DONE + "\n\n";
        }

        private String choice(Map<String, Object> delta, String finishReason) {
            Map<String, Object> d = new LinkedHashMap<>();
            if (!roleSent) {
                roleSent = true;
                d.put("role", "assistant");
            }
            d.putAll(delta);
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", 0);
            choice.put("delta", d);
            choice.put("finish_reason", finishReason);
            Map<String, Object> chunk = header();
            chunk.put("choices", List.of(choice));
            return data(chunk);
        }

        private Map<String, Object> header() {
            Map<String, Object> chunk = new LinkedHashMap<>();
            chunk.put("id", id);
            chunk.put("object", "chat.completion.chunk");
            chunk.put("created", created);
            chunk.put("model", model);
            return chunk;
        }

        private static String data(Map<String, Object> json) {
            return "data: " + Json.write(json) + "\n\n";
        }
    }
}
