package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.ChatEvent;
import dev.keyway.spi.ai.ChatEvent.Failed;
import dev.keyway.spi.ai.ChatEvent.Finished;
import dev.keyway.spi.ai.ChatEvent.Started;
import dev.keyway.spi.ai.ChatEvent.TextDelta;
import dev.keyway.spi.ai.ChatEvent.ToolCallDelta;
import dev.keyway.spi.ai.ChatEvent.ToolCallStarted;
import dev.keyway.spi.ai.ChatEvent.UsageReport;
import dev.keyway.spi.ai.FinishReason;
import dev.keyway.spi.ai.StreamDecoder;
import dev.keyway.spi.ai.StreamEncoder;
import dev.keyway.spi.ai.Usage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenAiStreamTest {

    /** What OpenAI sends for a streamed answer with text, then a tool call, with include_usage. */
    private static final String TRANSCRIPT = """
            : OPENROUTER PROCESSING

            data: {"id":"chatcmpl-AX1","object":"chat.completion.chunk","created":1731000000,\
            "model":"gpt-4o-2024-08-06",\
            "system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},\
            "logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-AX1","object":"chat.completion.chunk","created":1731000000,\
            "model":"gpt-4o-2024-08-06",\
            "choices":[{"index":0,"delta":{"content":"Grüße aus "},"logprobs":null,\
            "finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-AX1","object":"chat.completion.chunk","created":1731000000,\
            "model":"gpt-4o-2024-08-06",\
            "choices":[{"index":0,"delta":{"content":"Zürich 🏔️\\n"},"logprobs":null,\
            "finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-AX1","object":"chat.completion.chunk","created":1731000000,\
            "model":"gpt-4o-2024-08-06",\
            "choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_Dn2","type":"function","function":\
            {"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-AX1","object":"chat.completion.chunk","created":1731000000,\
            "model":"gpt-4o-2024-08-06",\
            "choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":\\"Zü"}}]},\
            "logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-AX1","object":"chat.completion.chunk","created":1731000000,\
            "model":"gpt-4o-2024-08-06",\
            "choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"rich\\"}"}}]},\
            "logprobs":null,"finish_reason":null}],"usage":null}

            data: {"id":"chatcmpl-AX1","object":"chat.completion.chunk","created":1731000000,\
            "model":"gpt-4o-2024-08-06",\
            "choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}

            data: {"id":"chatcmpl-AX1","object":"chat.completion.chunk","created":1731000000,\
            "model":"gpt-4o-2024-08-06",\
            "choices":[],"usage":{"prompt_tokens":85,"completion_tokens":24,"total_tokens":109,\
            "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}

            data: [DONE]

            """;

    private static final List<ChatEvent> EVENTS = List.of(
            new Started("chatcmpl-AX1", "gpt-4o-2024-08-06"),
            new TextDelta("Grüße aus "),
            new TextDelta("Zürich 🏔️\n"),
            new ToolCallStarted(0, "call_Dn2", "get_weather"),
            new ToolCallDelta(0, "{\"city\":\"Zü"),
            new ToolCallDelta(0, "rich\"}"),
            new Finished(FinishReason.TOOL_CALLS),
            new UsageReport(new Usage(85L, 24L)));

    @Test
    void decodesARealisticTranscriptInOneFeed() {
        assertThat(decode(bytes(TRANSCRIPT), Integer.MAX_VALUE)).isEqualTo(EVENTS);
    }

    @Test
    void decodesTheSameEventsWhereverTheBytesAreCut() {
        byte[] all = bytes(TRANSCRIPT);
        for (int cut = 1; cut < all.length; cut++) {
            StreamDecoder d = OpenAiWire.streamDecoder();
            List<ChatEvent> out = new ArrayList<>(d.feed(all, 0, cut));
            out.addAll(d.feed(all, cut, all.length - cut));
            out.addAll(d.end());
            assertThat(out).as("cut at %d", cut).isEqualTo(EVENTS);
        }
        assertThat(decode(all, 1)).as("one byte at a time: inside every UTF-8 character").isEqualTo(EVENTS);
    }

    @Test
    void toleratesCrLfKeepAlivesAndBlankLines() {
        String crlf = ": ping\r\n\r\n\r\n" + TRANSCRIPT.replace("\n", "\r\n")
                .replace("data: [DONE]", ": ping\r\n\r\ndata: [DONE]");
        assertThat(decode(bytes(crlf), 7)).isEqualTo(EVENTS);
    }

    @Test
    void decodesParallelToolCallsByIndex() {
        String sse = chunk("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_a\","
                + "\"type\":\"function\",\"function\":{\"name\":\"a\",\"arguments\":\"\"}}]}", null)
                + chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}", null)
                + chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"b\",\"arguments\":\"{\\\"x\\\"\"}}]}", null)
                + chunk("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\":1}\"}}]}", null)
                + chunk("{}", "\"tool_calls\"") + "data: [DONE]\n\n";
        assertThat(decode(bytes(sse), 5)).containsExactly(new Started("id-1", "m"),
                new ToolCallStarted(0, "call_a", "a"), new ToolCallDelta(0, "{}"),
                new ToolCallStarted(1, "call_b", "b"), new ToolCallDelta(1, "{\"x\""), new ToolCallDelta(1, ":1}"),
                new Finished(FinishReason.TOOL_CALLS));
    }

    @Test
    void readsUsageSentWithTheFinishChunkAsMistralDoes() {
        String sse = chunk("{\"role\":\"assistant\",\"content\":\"Hi\"}", null)
                + "data: {\"id\":\"id-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":5,\"total_tokens\":7,\"completion_tokens\":2}}\n\n"
                + "data: [DONE]\n\n";
        assertThat(decode(bytes(sse), 64)).containsExactly(new Started("id-1", "m"), new TextDelta("Hi"),
                new Finished(FinishReason.STOP), new UsageReport(new Usage(5L, 2L)));
    }

    @Test
    void skipsAzuresPromptFilterChunkBeforeTheAnswer() {
        String sse = "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
                + "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{}}]}\n\n"
                + chunk("{\"role\":\"assistant\",\"content\":\"ok\"}", "\"stop\"") + "data: [DONE]\n\n";
        assertThat(decode(bytes(sse), 1000)).containsExactly(new Started("id-1", "m"), new TextDelta("ok"),
                new Finished(FinishReason.STOP));
    }

    @Test
    void turnsAnErrorInsideTheStreamIntoFailed() {
        String sse = chunk("{\"role\":\"assistant\",\"content\":\"Hel\"}", null)
                + "data: {\"error\":{\"message\":\"The server had an error while processing your request.\","
                + "\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
        assertThat(decode(bytes(sse), 1000)).containsExactly(new Started("id-1", "m"), new TextDelta("Hel"),
                new Failed(500, "server_error", "The server had an error while processing your request."));
        assertThat(decode(bytes("data: {\"error\":{\"message\":\"slow\",\"type\":\"requests\","
                + "\"code\":\"rate_limit_exceeded\"}}\n\n"), 1000))
                .containsExactly(new Failed(429, "rate_limit_exceeded", "slow"));
    }

    @Test
    void refusesDataThatIsNotJsonWithoutQuotingIt() {
        StreamDecoder d = OpenAiWire.streamDecoder();
        byte[] sse = bytes("data: sk-SECRET-1234 is not json\n\n");
        assertThatThrownBy(() -> d.feed(sse, 0, sse.length)).isInstanceOf(IllegalStateException.class)
                .hasMessageNotContaining("SECRET");
    }

    @Test
    void refusesABodyThatEndsBeforeTheAnswerFinished() {
        StreamDecoder d = OpenAiWire.streamDecoder();
        byte[] sse = bytes(chunk("{\"content\":\"Hel\"}", null) + "data: {\"id\":\"id-1\",\"choi");
        d.feed(sse, 0, sse.length);
        assertThatThrownBy(d::end).isInstanceOf(IllegalStateException.class).hasMessageNotContaining("choi");

        StreamDecoder truncated = OpenAiWire.streamDecoder();
        byte[] cut = bytes(chunk("{\"content\":\"Hel\"}", null));
        truncated.feed(cut, 0, cut.length);
        assertThatThrownBy(truncated::end).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void acceptsAFinishedBodyWithoutDoneAndIgnoresDataAfterDone() {
        byte[] noDone = bytes(chunk("{\"content\":\"x\"}", "\"length\""));
        assertThat(decode(noDone, 1000)).endsWith(new Finished(FinishReason.LENGTH));
        byte[] afterDone = bytes(chunk("{\"content\":\"x\"}", "\"stop\"") + "data: [DONE]\n\ndata: garbage\n\n");
        assertThat(decode(afterDone, 1000)).endsWith(new Finished(FinishReason.STOP));
    }

    // ---------------------------------------------------------------- encoding

    @Test
    void writesTheChunksOpenAiSdksExpect() {
        StreamEncoder e = OpenAiWire.streamEncoder("chatcmpl-kw1", "gpt-4o", 1_731_000_000L, true);
        String head = "{\"id\":\"chatcmpl-kw1\",\"object\":\"chat.completion.chunk\",\"created\":1731000000,"
                + "\"model\":\"gpt-4o\",";
        assertThat(e.event(new Started("upstream-id", "gpt-4o-2024-08-06"))).isEmpty();
        assertThat(e.event(new TextDelta("Hi"))).isEqualTo("data: " + head
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
                + "\"finish_reason\":null}]}\n\n");
        assertThat(e.event(new TextDelta(" there"))).isEqualTo("data: " + head
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" there\"},\"finish_reason\":null}]}\n\n");
        assertThat(e.event(new ToolCallStarted(0, "call_1", "f"))).isEqualTo("data: " + head
                + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":"
                + "\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n");
        assertThat(e.event(new ToolCallDelta(0, "{}"))).isEqualTo("data: " + head
                + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
                + "{\"arguments\":\"{}\"}}]},\"finish_reason\":null}]}\n\n");
        assertThat(e.event(new Finished(FinishReason.TOOL_CALLS))).isEqualTo("data: " + head
                + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n");
        assertThat(e.event(new UsageReport(new Usage(12L, null)))).as("collected, not written").isEmpty();
        assertThat(e.event(new UsageReport(new Usage(null, 8L)))).isEmpty();
        assertThat(e.end()).isEqualTo("data: " + head + "\"choices\":[],\"usage\":{\"prompt_tokens\":12,"
                + "\"completion_tokens\":8,\"total_tokens\":20}}\n\ndata: [DONE]\n\n");
    }

    @Test
    void givesTheRoleToWhicheverChunkComesFirst() {
        StreamEncoder e = OpenAiWire.streamEncoder("id", "m", 1, false);
        assertThat(e.event(new ToolCallStarted(0, "c", "f"))).contains("\"delta\":{\"role\":\"assistant\","
                + "\"tool_calls\":");
        assertThat(e.event(new TextDelta("x"))).doesNotContain("role");
    }

    @Test
    void writesTheUsageChunkOnlyWhenTheCallerAskedForIt() {
        StreamEncoder e = OpenAiWire.streamEncoder("id", "m", 1, false);
        e.event(new UsageReport(new Usage(1L, 2L)));
        assertThat(e.end()).isEqualTo("data: [DONE]\n\n");
    }

    @Test
    void readsBackWhatItWritesAsTheSameEvents() {
        List<ChatEvent> events = List.of(new Started("chatcmpl-kw2", "alias"), new TextDelta("Dé"),
                new TextDelta("jà vu \u2028 \"quoted\"\n"), new ToolCallStarted(0, "call_x", "lookup"),
                new ToolCallDelta(0, "{\"q\":"), new ToolCallDelta(0, "\"ß\"}"),
                new ToolCallStarted(1, "call_y", "noop"), new Finished(FinishReason.TOOL_CALLS),
                new UsageReport(new Usage(40L, 9L)));
        for (boolean includeUsage : new boolean[] {true, false}) {
            StreamEncoder e = OpenAiWire.streamEncoder("chatcmpl-kw2", "alias", 1_731_000_000L, includeUsage);
            StringBuilder sse = new StringBuilder();
            events.forEach(event -> sse.append(e.event(event)));
            sse.append(e.end());
            List<ChatEvent> expected = includeUsage ? events : events.subList(0, events.size() - 1);
            assertThat(decode(bytes(sse.toString()), 3)).as("includeUsage %s", includeUsage).isEqualTo(expected);
        }
    }

    @Test
    void writesAFailureAsAnErrorChunkThenDoneWithoutUsage() {
        StreamEncoder e = OpenAiWire.streamEncoder("id", "m", 1, true);
        String sse = e.event(new TextDelta("par")) + e.event(new Failed(500, "server_error", "upstream broke"));
        assertThat(sse).endsWith("data: {\"error\":{\"message\":\"upstream broke\",\"type\":\"server_error\","
                + "\"param\":null,\"code\":null}}\n\n");
        String end = e.end();
        assertThat(end).isEqualTo("data: [DONE]\n\n");
        assertThat(decode(bytes(sse + end), 10)).containsExactly(new Started("id", "m"), new TextDelta("par"),
                new Failed(500, "server_error", "upstream broke"));
    }

    private static String chunk(String delta, String finishReason) {
        return "data: {\"id\":\"id-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finishReason + "}]}\n\n";
    }

    private static List<ChatEvent> decode(byte[] sse, int pieceSize) {
        StreamDecoder d = OpenAiWire.streamDecoder();
        List<ChatEvent> out = new ArrayList<>();
        for (int at = 0; at < sse.length; at += pieceSize) {
            out.addAll(d.feed(sse, at, Math.min(pieceSize, sse.length - at)));
        }
        out.addAll(d.end());
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
