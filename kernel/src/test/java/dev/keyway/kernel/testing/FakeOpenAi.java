package dev.keyway.kernel.testing;

import com.sun.net.httpserver.HttpExchange;
import dev.keyway.spi.json.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A local server speaking OpenAI's Chat Completions and Embeddings wire format (WIRE.md): non-streamed answers,
 * SSE streams ending in {@code [DONE]} with a usage chunk only when {@code stream_options.include_usage} is set,
 * tool calls (when the request defines tools) streamed as argument fragments, and queued failures (status,
 * headers, body) for retry and fallback tests. Records every request it receives.
 */
public final class FakeOpenAi extends FakeProvider<FakeOpenAi> {
    public static final long PROMPT_TOKENS = 12;
    public static final long COMPLETION_TOKENS = 5;

    private final Queue<Duration> stalls = new ConcurrentLinkedQueue<>();

    public FakeOpenAi() {
        super("/v1");
    }

    /** The next stream sends its first chunk, then nothing for {@code pause} (a provider stalling mid-answer). */
    public FakeOpenAi stallNext(Duration pause) {
        stalls.add(pause);
        return this;
    }

    @Override
    protected void handle(HttpExchange ex) throws IOException {
        Map<String, Object> body = Json.parseObject(readBody(ex));
        record(ex.getRequestURI().getPath(), ex, body);
        if (answerFailure(ex)) {
            return;
        }
        if (ex.getRequestURI().getPath().endsWith("/embeddings")) {
            send(ex, 200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                    + "\"embedding\":[0.25,-0.5,0.125]}],\"model\":\"" + body.get("model") + "\",\"usage\":"
                    + "{\"prompt_tokens\":3,\"total_tokens\":3}}");
            return;
        }
        boolean tools = body.containsKey("tools");
        if (Boolean.TRUE.equals(body.get("stream"))) {
            stream(ex, body, tools, stalls.poll());
        } else {
            String message = tools
                    ? "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}"
                    : "{\"role\":\"assistant\",\"content\":\"Hello world\"}";
            send(ex, 200, "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion\","
                    + "\"created\":1700000000,\"model\":\"" + body.get("model") + "\",\"choices\":[{\"index\":0,"
                    + "\"message\":" + message + ",\"finish_reason\":\"" + (tools ? "tool_calls" : "stop") + "\"}],"
                    + "\"usage\":{\"prompt_tokens\":" + PROMPT_TOKENS + ",\"completion_tokens\":" + COMPLETION_TOKENS
                    + ",\"total_tokens\":" + (PROMPT_TOKENS + COMPLETION_TOKENS) + "}}");
        }
    }

    private static void stream(HttpExchange ex, Map<String, Object> body, boolean tools, Duration stall)
            throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        String head = "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"" + body.get("model") + "\",\"choices\":[{\"index\":0,\"delta\":";
        try (OutputStream out = ex.getResponseBody()) {
            event(out, head + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}");
            if (stall != null) {
                pause(stall);
            }
            if (tools) {
                event(out, head + "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                        + "{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}");
                for (String part : List.of("{\\\"ci", "ty\\\":\\\"Par", "is\\\"}")) {
                    event(out, head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"" + part
                            + "\"}}]},\"finish_reason\":null}]}");
                }
                event(out, head + "{},\"finish_reason\":\"tool_calls\"}]}");
            } else {
                for (String part : List.of("Hello", " wor", "ld")) {
                    event(out, head + "{\"content\":\"" + part + "\"},\"finish_reason\":null}]}");
                }
                event(out, head + "{},\"finish_reason\":\"stop\"}]}");
            }
            Object options = body.get("stream_options");
            if (options instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("include_usage"))) {
                event(out, "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                        + "\"model\":\"" + body.get("model") + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":"
                        + PROMPT_TOKENS + ",\"completion_tokens\":" + COMPLETION_TOKENS + ",\"total_tokens\":"
                        + (PROMPT_TOKENS + COMPLETION_TOKENS) + "}}");
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void event(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    protected void send(HttpExchange ex, int status, String body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "application/json");
        write(ex, status, body);
    }
}
