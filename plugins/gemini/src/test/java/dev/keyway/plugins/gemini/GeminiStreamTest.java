package dev.keyway.plugins.gemini;

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

class GeminiStreamTest {
    /** Text then two function calls as Gemini streams them with alt=sse: CRLF line ends, usage in every chunk. */
    private static final String TRANSCRIPT = String.join("\r\n",
            "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Grüße! \"}],\"role\": \"model\"},"
                    + "\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 25,\"totalTokenCount\": 25,"
                    + "\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": 25}]},"
                    + "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mT4aaZ\"}",
            "",
            "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Checking 🌦…\"}],\"role\": \"model\"},"
                    + "\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 25,\"totalTokenCount\": 25},"
                    + "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mT4aaZ\"}",
            "",
            "data: {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"name\": \"get_weather\","
                    + "\"args\": {\"city\": \"Zürich\",\"unit\": \"°C\"}},\"thoughtSignature\": \"CiQBVKhc7\"},"
                    + "{\"functionCall\": {\"name\": \"get_time\",\"args\": {}}}],\"role\": \"model\"},"
                    + "\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 25,"
                    + "\"candidatesTokenCount\": 41,\"totalTokenCount\": 130,\"thoughtsTokenCount\": 64},"
                    + "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"mT4aaZ\"}",
            "",
            "");

    private static final List<ChatEvent> TRANSCRIPT_EVENTS = List.of(
            new Started("mT4aaZ", "gemini-2.5-flash"),
            new TextDelta("Grüße! "),
            new UsageReport(new Usage(25L, null)),
            new TextDelta("Checking 🌦…"),
            new ToolCallStarted(0, "call_0", "get_weather"),
            new ToolCallDelta(0, "{\"city\":\"Zürich\",\"unit\":\"°C\"}"),
            new ToolCallStarted(1, "call_1", "get_time"),
            new ToolCallDelta(1, "{}"),
            new Finished(FinishReason.TOOL_CALLS),
            new UsageReport(new Usage(25L, 105L)));

    @Test
    void decodesARealisticTranscriptWhereverItIsCut() {
        byte[] bytes = TRANSCRIPT.getBytes(StandardCharsets.UTF_8);
        int insideU = TRANSCRIPT.substring(0, TRANSCRIPT.indexOf("Grüße") + 2).getBytes(StandardCharsets.UTF_8).length
                + 1;
        assertThat(bytes[insideU - 1] & 0xC0).as("the cut lands inside ü").isEqualTo(0xC0);
        int insideEmoji = TRANSCRIPT.substring(0, TRANSCRIPT.indexOf("🌦")).getBytes(StandardCharsets.UTF_8).length + 2;
        int betweenCrAndLf = TRANSCRIPT.indexOf("\r\n") + 1;

        for (int cut : new int[] {insideU, insideEmoji, betweenCrAndLf}) {
            assertThat(decodeCutAt(bytes, cut)).as("cut at %d", cut).isEqualTo(TRANSCRIPT_EVENTS);
        }
        for (int size : new int[] {1, 2, 3, 5, 7, 64, 1000, bytes.length}) {
            assertThat(decode(bytes, size)).as("chunks of %d bytes", size).isEqualTo(TRANSCRIPT_EVENTS);
        }
    }

    @Test
    void reportsTextAndTheUsageTotalsOfAPlainAnswer() {
        String body = """
                data: {"candidates": [{"content": {"parts": [{"text": "Hello"}],"role": "model"},"index": 0}],\
                "usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.0-flash",\
                "responseId": "r1"}

                data: {"candidates": [{"content": {"parts": [{"text": " world"}],"role": "model"},\
                "finishReason": "MAX_TOKENS","index": 0}],"usageMetadata": {"promptTokenCount": 8,\
                "candidatesTokenCount": 2,"totalTokenCount": 10},"modelVersion": "gemini-2.0-flash","responseId": "r1"}

                data: {"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"index": 0}],\
                "usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 2,"totalTokenCount": 10},\
                "modelVersion": "gemini-2.0-flash","responseId": "r1"}
                """;

        List<ChatEvent> events = decode(body.getBytes(StandardCharsets.UTF_8), 11);

        assertThat(events).containsExactly(new Started("r1", "gemini-2.0-flash"), new TextDelta("Hello"),
                new UsageReport(new Usage(8L, null)), new TextDelta(" world"), new Finished(FinishReason.LENGTH),
                new UsageReport(new Usage(8L, 2L)));
        assertThat(events.stream().filter(e -> e instanceof UsageReport).map(e -> ((UsageReport) e).usage())
                .reduce(Usage.NONE, Usage::merge)).isEqualTo(new Usage(8L, 2L));
    }

    @Test
    void endsABlockedPromptWithAContentFilterStop() {
        String body = "data: {\"promptFeedback\": {\"blockReason\": \"PROHIBITED_CONTENT\"},\"usageMetadata\": "
                + "{\"promptTokenCount\": 6,\"totalTokenCount\": 6},\"modelVersion\": \"gemini-2.5-flash\"}\r\n\r\n";

        assertThat(decode(body.getBytes(StandardCharsets.UTF_8), 4)).containsExactly(
                new Started(null, "gemini-2.5-flash"), new Finished(FinishReason.CONTENT_FILTER),
                new UsageReport(new Usage(6L, null)));
    }

    @Test
    void endsWithFailedOnAnErrorInsideTheStream() {
        String body = """
                data: {"candidates": [{"content": {"parts": [{"text": "Hi"}],"role": "model"}}],"responseId": "r"}

                data: {"error": {"code": 503,"message": "The model is overloaded.","status": "UNAVAILABLE"}}

                data: {"candidates": [{"content": {"parts": [{"text": "ignored"}],"role": "model"}}]}

                """;

        assertThat(decode(body.getBytes(StandardCharsets.UTF_8), 9)).containsExactly(new Started("r", null),
                new TextDelta("Hi"), new Failed(503, "UNAVAILABLE", "The model is overloaded."));
    }

    @Test
    void failsWhenTheBodyEndsBeforeAFinishReason() {
        String body = "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}]}}]}\n\n"
                + "data: {\"candidates\": [{\"content\": {\"par";
        StreamDecoder d = new Gemini().chatStream();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);

        assertThat(d.feed(bytes, 0, bytes.length)).hasSize(2);
        assertThatThrownBy(d::end).isInstanceOf(IllegalStateException.class).hasMessageNotContaining("par");

        StreamDecoder cleanCut = new Gemini().chatStream();
        byte[] first = body.substring(0, body.indexOf("\n\n") + 2).getBytes(StandardCharsets.UTF_8);
        cleanCut.feed(first, 0, first.length);
        assertThatThrownBy(cleanCut::end).isInstanceOf(IllegalStateException.class)
                .hasMessage("gemini stream ended before a finishReason");
    }

    private static List<ChatEvent> decode(byte[] bytes, int size) {
        StreamDecoder d = new Gemini().chatStream();
        List<ChatEvent> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += size) {
            out.addAll(d.feed(bytes, i, Math.min(size, bytes.length - i)));
        }
        out.addAll(d.end());
        return out;
    }

    private static List<ChatEvent> decodeCutAt(byte[] bytes, int cut) {
        StreamDecoder d = new Gemini().chatStream();
        List<ChatEvent> out = new ArrayList<>(d.feed(bytes, 0, cut));
        out.addAll(d.feed(bytes, cut, bytes.length - cut));
        out.addAll(d.end());
        return out;
    }
}
