package dev.keyway.plugins.ollama;

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
import dev.keyway.spi.ai.Usage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OllamaStreamTest {
    /** Text, a thinking-only line, then a tool call and the done line, as Ollama streams /api/chat. */
    private static final String TRANSCRIPT = """
            {"model":"qwen3","created_at":"2025-05-27T22:54:57.641643Z","message":{"role":"assistant","content":"Grüße! "},"done":false}
            {"model":"qwen3","created_at":"2025-05-27T22:54:57.661643Z","message":{"role":"assistant","content":"","thinking":"weather?"},"done":false}
            {"model":"qwen3","created_at":"2025-05-27T22:54:57.681643Z","message":{"role":"assistant","content":"Checking 🌦…"},"done":false}
            {"model":"qwen3","created_at":"2025-05-27T22:54:58.100000Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_current_weather","arguments":{"format":"celsius","location":"Zürich"}}}]},"done":false}
            {"model":"qwen3","created_at":"2025-05-27T22:54:58.200000Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_time","arguments":{}}}]},"done":false}
            {"model":"qwen3","created_at":"2025-05-27T22:54:58.300000Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":2400000000,"load_duration":4000000,"prompt_eval_count":212,"prompt_eval_duration":90000000,"eval_count":57,"eval_duration":1900000000}
            """;

    @Test
    void decodesARealisticTranscriptWhereverItIsCut() {
        byte[] bytes = TRANSCRIPT.getBytes(StandardCharsets.UTF_8);
        int insideU = TRANSCRIPT.substring(0, TRANSCRIPT.indexOf("Grüße") + 2).getBytes(StandardCharsets.UTF_8).length
                + 1;
        assertThat(bytes[insideU - 1] & 0xC0).as("the cut lands inside ü").isEqualTo(0xC0);
        int insideEmoji = TRANSCRIPT.substring(0, TRANSCRIPT.indexOf("🌦")).getBytes(StandardCharsets.UTF_8).length + 2;
        int rightAfterANewline = TRANSCRIPT.indexOf('\n') + 1;
        List<ChatEvent> expected = events();

        for (int cut : new int[] {insideU, insideEmoji, rightAfterANewline, rightAfterANewline - 1}) {
            assertThat(decodeCutAt(bytes, cut)).as("cut at %d", cut).isEqualTo(expected);
        }
        for (int size : new int[] {1, 2, 3, 5, 7, 64, 1000, bytes.length}) {
            List<ChatEvent> events = decode(bytes, size);
            assertThat(events.subList(1, events.size())).as("chunks of %d bytes", size).isEqualTo(expected);
        }
    }

    @Test
    void readsALastLineWithoutNewlineAndCrLfLineEnds() {
        String body = "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}"
                + "\r\n\r\n{\"model\":\"llama3.2\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"done_reason\":\"length\",\"done\":true,\"prompt_eval_count\":26,\"eval_count\":1}";

        List<ChatEvent> events = decode(body.getBytes(StandardCharsets.UTF_8), 10);

        assertThat(events).hasSize(4);
        assertThat(events.getFirst()).isInstanceOfSatisfying(Started.class,
                s -> assertThat(s.model()).isEqualTo("llama3.2"));
        assertThat(events.subList(1, 4)).containsExactly(new TextDelta("Hi"), new Finished(FinishReason.LENGTH),
                new UsageReport(new Usage(26L, 1L)));
    }

    @Test
    void endsWithFailedOnAnErrorLine() {
        String body = """
                {"model":"llama3.2","message":{"role":"assistant","content":"Hi"},"done":false}
                {"error":"an error was encountered while running the model: unexpected EOF"}
                {"model":"llama3.2","message":{"role":"assistant","content":"ignored"},"done":false}
                """;

        List<ChatEvent> events = decode(body.getBytes(StandardCharsets.UTF_8), 13);

        assertThat(events.subList(1, events.size())).containsExactly(new TextDelta("Hi"),
                new Failed(500, null, "an error was encountered while running the model: unexpected EOF"));
    }

    @Test
    void failsWhenTheBodyEndsBeforeTheDoneLine() {
        String body = "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}\n";
        StreamDecoder d = new Ollama().chatStream();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);

        assertThat(d.feed(bytes, 0, bytes.length)).hasSize(2);
        assertThatThrownBy(d::end).isInstanceOf(IllegalStateException.class)
                .hasMessage("ollama stream ended before its done line");

        StreamDecoder cut = new Ollama().chatStream();
        byte[] half = "{\"model\":\"m\",\"message\":{\"role\":\"assi".getBytes(StandardCharsets.UTF_8);
        cut.feed(half, 0, half.length);
        assertThatThrownBy(cut::end).isInstanceOf(IllegalStateException.class).hasMessageNotContaining("assi");
    }

    /** The expected events; the id Ollama does not send is made up, so it is taken from the first decode. */
    private static List<ChatEvent> events() {
        byte[] bytes = TRANSCRIPT.getBytes(StandardCharsets.UTF_8);
        List<ChatEvent> once = decode(bytes, bytes.length);
        assertThat(once.getFirst()).isInstanceOfSatisfying(Started.class, s -> {
            assertThat(s.id()).startsWith("ollama-");
            assertThat(s.model()).isEqualTo("qwen3");
        });
        assertThat(once.subList(1, once.size())).containsExactly(
                new TextDelta("Grüße! "),
                new TextDelta("Checking 🌦…"),
                new ToolCallStarted(0, "call_0", "get_current_weather"),
                new ToolCallDelta(0, "{\"format\":\"celsius\",\"location\":\"Zürich\"}"),
                new ToolCallStarted(1, "call_1", "get_time"),
                new ToolCallDelta(1, "{}"),
                new Finished(FinishReason.TOOL_CALLS),
                new UsageReport(new Usage(212L, 57L)));
        return once.subList(1, once.size());
    }

    private static List<ChatEvent> decode(byte[] bytes, int size) {
        StreamDecoder d = new Ollama().chatStream();
        List<ChatEvent> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += size) {
            out.addAll(d.feed(bytes, i, Math.min(size, bytes.length - i)));
        }
        out.addAll(d.end());
        return out;
    }

    /** Decodes in two pieces, dropping the Started event (its id is made up per stream). */
    private static List<ChatEvent> decodeCutAt(byte[] bytes, int cut) {
        StreamDecoder d = new Ollama().chatStream();
        List<ChatEvent> out = new ArrayList<>(d.feed(bytes, 0, cut));
        out.addAll(d.feed(bytes, cut, bytes.length - cut));
        out.addAll(d.end());
        assertThat(out.getFirst()).isInstanceOf(Started.class);
        return out.subList(1, out.size());
    }
}
