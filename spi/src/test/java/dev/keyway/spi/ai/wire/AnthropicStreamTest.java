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
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnthropicStreamTest {
    /** A tool-use answer as Anthropic streams it, with a ping, a thinking block and an empty first fragment. */
    private static final String TRANSCRIPT = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_01Ab","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"The user wants weather."}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: content_block_start
            data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

            event: ping
            data: {"type": "ping"}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Grüße! "}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Checking 🌦…"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":1}

            event: content_block_start
            data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01T1","name":"get_weather","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"Zür"}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"ich\\", \\"unit\\": \\"°C\\"}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":2}

            event: content_block_start
            data: {"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_01T2","name":"get_time","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":3}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":61}}

            event: ping
            data: {"type": "ping"}

            event: message_delta
            data: {"type":"message_delta","delta":{},"usage":{"output_tokens":89}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    private static final List<ChatEvent> TRANSCRIPT_EVENTS = List.of(
            new Started("msg_01Ab", "claude-sonnet-4-5"),
            new UsageReport(new Usage(25L, null)),
            new TextDelta("Grüße! "),
            new TextDelta("Checking 🌦…"),
            new ToolCallStarted(0, "toolu_01T1", "get_weather"),
            new ToolCallDelta(0, "{\"city\": \"Zür"),
            new ToolCallDelta(0, "ich\", \"unit\": \"°C\"}"),
            new ToolCallStarted(1, "toolu_01T2", "get_time"),
            new ToolCallDelta(1, "{}"),
            new Finished(FinishReason.TOOL_CALLS),
            new UsageReport(new Usage(null, 61L)),
            new UsageReport(new Usage(null, 89L)));

    @Test
    void decodesARealisticTranscriptWhereverItIsCut() {
        byte[] bytes = TRANSCRIPT.getBytes(StandardCharsets.UTF_8);
        int insideZu = TRANSCRIPT.substring(0, TRANSCRIPT.indexOf("Zür") + 1).getBytes(StandardCharsets.UTF_8).length + 1;
        assertThat(bytes[insideZu - 1] & 0xC0).as("the cut lands inside ü").isEqualTo(0xC0);
        assertThat(decodeCutAt(bytes, insideZu)).isEqualTo(TRANSCRIPT_EVENTS);
        for (int size : new int[] {1, 2, 3, 5, 64, 1000, bytes.length}) {
            assertThat(decode(bytes, size)).as("chunks of %d bytes", size).isEqualTo(TRANSCRIPT_EVENTS);
        }
    }

    @Test
    void addsUpInputFromMessageStartAndOutputFromTheLastMessageDelta() {
        Usage usage = Usage.NONE;
        StringBuilder arguments = new StringBuilder();
        for (ChatEvent e : decode(TRANSCRIPT.getBytes(StandardCharsets.UTF_8), 7)) {
            if (e instanceof UsageReport u) {
                usage = usage.merge(u.usage());
            } else if (e instanceof ToolCallDelta d && d.index() == 0) {
                arguments.append(d.argumentsFragment());
            }
        }
        assertThat(usage).isEqualTo(new Usage(25L, 89L));
        assertThat(usage.total()).isEqualTo(114);
        assertThat(Json.parse(arguments.toString())).isEqualTo(Json.parse("{\"city\":\"Zürich\",\"unit\":\"°C\"}"));
    }

    @Test
    void readsInputTokensAMessageDeltaRepeats() {
        List<ChatEvent> events = decode(sse("message_delta", """
                {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":849,"output_tokens":47}}""")
                + sse("message_stop", "{\"type\":\"message_stop\"}"));
        assertThat(events).containsExactly(new Finished(FinishReason.STOP), new UsageReport(new Usage(849L, 47L)));
    }

    @Test
    void reportsAnErrorEventThatArrivesAfterTheStreamBegan() {
        List<ChatEvent> events = decode(TRANSCRIPT.substring(0, TRANSCRIPT.indexOf("event: content_block_stop\ndata: "
                + "{\"type\":\"content_block_stop\",\"index\":1}")) + sse("error", """
                {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"""));
        assertThat(events).startsWith(new Started("msg_01Ab", "claude-sonnet-4-5"))
                .endsWith(new TextDelta("Checking 🌦…"), new Failed(529, "overloaded_error", "Overloaded"));
    }

    @ParameterizedTest
    @CsvSource({"overloaded_error, 529", "rate_limit_error, 429", "api_error, 500", "invalid_request_error, 500",
            "something_new, 500"})
    void mapsStreamedErrorTypesToStatuses(String type, int status) {
        List<ChatEvent> events = decode(sse("error", "{\"type\":\"error\",\"error\":{\"type\":\"" + type
                + "\",\"message\":\"m\"}}"));
        assertThat(events).containsExactly(new Failed(status, type, "m"));
    }

    @Test
    void refusesDataThatIsNotJsonWithoutQuotingIt() {
        StreamDecoder decoder = AnthropicWire.streamDecoder();
        byte[] bytes = "event: content_block_delta\ndata: {\"text\": SECRET\n\n".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> decoder.feed(bytes, 0, bytes.length))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not a JSON object")
                .hasMessageNotContaining("SECRET");
    }

    @Test
    void failsWhenTheBodyEndsBeforeMessageStop() {
        StreamDecoder decoder = AnthropicWire.streamDecoder();
        byte[] bytes = TRANSCRIPT.substring(0, TRANSCRIPT.indexOf("event: message_delta"))
                .getBytes(StandardCharsets.UTF_8);
        decoder.feed(bytes, 0, bytes.length);
        assertThatThrownBy(decoder::end).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("message_stop");
    }

    @Test
    void readsUnnamedEventsByTheirTypeAndIgnoresWhatFollowsMessageStop() {
        String body = "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"m\"}}\n\n"
                + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"Hi\"}}\n\n"
                + "event: some_future_event\ndata: {\"type\":\"some_future_event\"}\n\n"
                + "data: {\"type\":\"message_stop\"}\n\n"
                + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"late\"}}";
        assertThat(decode(body)).containsExactly(new Started("msg_1", "m"), new TextDelta("Hi"));
    }

    @Test
    void encodesWhatTheDecoderReadsBack() {
        List<ChatEvent> events = new ArrayList<>(TRANSCRIPT_EVENTS);
        StreamEncoder encoder = AnthropicWire.streamEncoder("msg_01Ab", "claude-sonnet-4-5");
        StringBuilder sse = new StringBuilder();
        events.forEach(e -> sse.append(encoder.event(e)));
        sse.append(encoder.end());

        assertThat(decode(sse.toString().getBytes(StandardCharsets.UTF_8), 1)).containsExactly(
                new Started("msg_01Ab", "claude-sonnet-4-5"),
                new UsageReport(new Usage(25L, null)),
                new TextDelta("Grüße! "),
                new TextDelta("Checking 🌦…"),
                new ToolCallStarted(0, "toolu_01T1", "get_weather"),
                new ToolCallDelta(0, "{\"city\": \"Zür"),
                new ToolCallDelta(0, "ich\", \"unit\": \"°C\"}"),
                new ToolCallStarted(1, "toolu_01T2", "get_time"),
                new ToolCallDelta(1, "{}"),
                new Finished(FinishReason.TOOL_CALLS),
                new UsageReport(new Usage(25L, 89L)));
    }

    @Test
    void writesTheExactFramingSdksParse() {
        StreamEncoder encoder = AnthropicWire.streamEncoder("chatcmpl-7", "claude-haiku");
        StringBuilder out = new StringBuilder();
        out.append(encoder.event(new Started("chatcmpl-upstream", "gpt-4o-mini")));
        out.append(encoder.event(new UsageReport(new Usage(12L, null))));
        out.append(encoder.event(new TextDelta("Hello")));
        out.append(encoder.event(new TextDelta("")));
        out.append(encoder.event(new TextDelta(", world")));
        out.append(encoder.event(new Finished(FinishReason.LENGTH)));
        out.append(encoder.event(new UsageReport(new Usage(12L, 2L))));
        out.append(encoder.end());
        assertThat(out.toString()).isEqualTo("""
                event: message_start
                data: {"type":"message_start","message":{"id":"msg_chatcmpl-7","type":"message","role":"assistant",\
                "model":"claude-haiku","content":[],"stop_reason":null,"stop_sequence":null,\
                "usage":{"input_tokens":12,"output_tokens":0}}}

                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", world"}}

                event: content_block_stop
                data: {"type":"content_block_stop","index":0}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},\
                "usage":{"output_tokens":2,"input_tokens":12}}

                event: message_stop
                data: {"type":"message_stop"}

                """);
    }

    @Test
    void opensAToolBlockAfterClosingTheTextBlock() {
        StreamEncoder encoder = AnthropicWire.streamEncoder("msg_1", "m");
        String out = encoder.event(new TextDelta("Let me check."))
                + encoder.event(new ToolCallStarted(0, "toolu_9", "lookup"))
                + encoder.event(new ToolCallDelta(0, "{\"q\":"))
                + encoder.event(new ToolCallDelta(0, ""))
                + encoder.event(new ToolCallDelta(0, "1}"))
                + encoder.end();
        assertThat(out).contains("""
                event: content_block_stop
                data: {"type":"content_block_stop","index":0}

                event: content_block_start
                data: {"type":"content_block_start","index":1,\
                "content_block":{"type":"tool_use","id":"toolu_9","name":"lookup","input":{}}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"q\\":"}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"1}"}}

                event: content_block_stop
                data: {"type":"content_block_stop","index":1}

                event: message_delta
                """);
    }

    @Test
    void startsTheMessageBeforeTheFirstContentWhenStartedNeverCame() {
        StreamEncoder encoder = AnthropicWire.streamEncoder("msg_gw", "claude");
        assertThat(encoder.event(new UsageReport(new Usage(5L, null)))).isEmpty();
        assertThat(encoder.event(new Finished(FinishReason.STOP))).isEmpty();
        String out = encoder.event(new TextDelta("x"));
        assertThat(out).startsWith("event: message_start\ndata: ")
                .contains("\"id\":\"msg_gw\"", "\"model\":\"claude\"", "\"input_tokens\":5");
        assertThat(decode(out + encoder.end())).containsExactly(new Started("msg_gw", "claude"),
                new UsageReport(new Usage(5L, null)), new TextDelta("x"), new Finished(FinishReason.STOP),
                new UsageReport(new Usage(5L, 0L)));
    }

    @Test
    void announcesTheUpstreamsIdAndModelWhenGivenNone() {
        StreamEncoder encoder = AnthropicWire.streamEncoder(null, null);
        String out = encoder.event(new Started("msg_up", "claude-opus")) + encoder.end();
        assertThat(decode(out)).containsExactly(new Started("msg_up", "claude-opus"),
                new UsageReport(new Usage(0L, null)), new UsageReport(new Usage(null, 0L)));
    }

    @Test
    void writesAFailureAsAnErrorEventAndNothingAfterIt() {
        StreamEncoder encoder = AnthropicWire.streamEncoder("msg_1", "m");
        String text = encoder.event(new TextDelta("partial"));
        String error = encoder.event(new Failed(529, "overloaded_error", "Overloaded"));
        assertThat(error).isEqualTo("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                + "\"message\":\"Overloaded\"}}\n\n");
        assertThat(encoder.event(new TextDelta("more"))).isEmpty();
        assertThat(encoder.end()).isEmpty();
        assertThat(decode(text + error)).endsWith(new TextDelta("partial"), new Failed(529, "overloaded_error",
                "Overloaded"));
    }

    @Test
    void refusesArgumentsForAToolCallThatNeverStarted() {
        StreamEncoder encoder = AnthropicWire.streamEncoder("msg_1", "m");
        assertThatThrownBy(() -> encoder.event(new ToolCallDelta(3, "{}"))).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @CsvSource({"STOP, end_turn", "LENGTH, max_tokens", "TOOL_CALLS, tool_use", "CONTENT_FILTER, refusal"})
    void writesStopReasonsBack(FinishReason reason, String stopReason) {
        StreamEncoder encoder = AnthropicWire.streamEncoder("msg_1", "m");
        String out = encoder.event(new Finished(reason)) + encoder.end();
        assertThat(out).contains("\"stop_reason\":\"" + stopReason + "\"");
        assertThat(decode(out)).contains(new Finished(reason));
    }

    private static String sse(String event, String data) {
        return "event: " + event + "\ndata: " + data + "\n\n";
    }

    private static List<ChatEvent> decode(String body) {
        return decode(body.getBytes(StandardCharsets.UTF_8), Integer.MAX_VALUE);
    }

    private static List<ChatEvent> decode(byte[] bytes, int chunk) {
        StreamDecoder decoder = AnthropicWire.streamDecoder();
        List<ChatEvent> events = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += chunk) {
            events.addAll(decoder.feed(bytes, i, Math.min(chunk, bytes.length - i)));
        }
        events.addAll(decoder.end());
        return events;
    }

    private static List<ChatEvent> decodeCutAt(byte[] bytes, int cut) {
        StreamDecoder decoder = AnthropicWire.streamDecoder();
        List<ChatEvent> events = new ArrayList<>(decoder.feed(bytes, 0, cut));
        events.addAll(decoder.feed(bytes, cut, bytes.length - cut));
        events.addAll(decoder.end());
        return events;
    }
}
