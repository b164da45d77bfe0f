package dev.keyway.spi.ai;

import dev.keyway.spi.ai.SseReader.Event;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SseReaderTest {
    private static final String STREAM = """
            : a comment the server sends to keep the connection open
            event: message_start
            data: {"text":"Grüße 👋 – ✓"}

            data: first line
            data:second line without the space
            data
            id: 7
            retry: 1000

            event: ping
            data: {}

            """;

    private static final List<Event> EVENTS = List.of(
            new Event("message_start", "{\"text\":\"Grüße 👋 – ✓\"}"),
            new Event("message", "first line\nsecond line without the space\n"),
            new Event("ping", "{}"));

    @Test
    void readsTheSameEventsWhereverTheBytesAreCut() {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= bytes.length; cut++) {
            SseReader reader = new SseReader(1024);
            List<Event> events = new ArrayList<>(reader.feed(bytes, 0, cut));
            events.addAll(reader.feed(bytes, cut, bytes.length - cut));
            events.addAll(reader.end());
            assertThat(events).as("cut at byte %d", cut).isEqualTo(EVENTS);
        }
    }

    @Test
    void readsEventsFedOneByteAtATimeEvenInsideUtf8Characters() {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        SseReader reader = new SseReader(1024);
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {
            events.addAll(reader.feed(bytes, i, 1));
        }
        events.addAll(reader.end());
        assertThat(events).isEqualTo(EVENTS);
    }

    @Test
    void readsFromTheGivenOffsetOnly() {
        byte[] bytes = ("garbage\n\n" + STREAM).getBytes(StandardCharsets.UTF_8);
        SseReader reader = new SseReader(1024);
        List<Event> events = new ArrayList<>(reader.feed(bytes, 9, bytes.length - 9));
        events.addAll(reader.end());
        assertThat(events).isEqualTo(EVENTS);
    }

    @Test
    void treatsCrLfLikeLf() {
        byte[] bytes = STREAM.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        SseReader reader = new SseReader(1024);
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {
            events.addAll(reader.feed(bytes, i, 1));
        }
        events.addAll(reader.end());
        assertThat(events).isEqualTo(EVENTS);
    }

    @Test
    void dispatchesOnlyAtABlankLineAndForgetsTheEventNameAfterwards() {
        SseReader reader = new SseReader(1024);
        assertThat(feed(reader, "event: delta\ndata: 1\n")).isEmpty();
        assertThat(feed(reader, "\n")).containsExactly(new Event("delta", "1"));
        assertThat(feed(reader, "data: 2\n\n")).containsExactly(new Event("message", "2"));
    }

    @Test
    void skipsBlocksWithoutDataAndComments() {
        SseReader reader = new SseReader(1024);
        assertThat(feed(reader, "event: lonely\n\n:comment\n\nid: 3\n\n")).isEmpty();
        assertThat(feed(reader, "data: after\n\n")).containsExactly(new Event("message", "after"));
    }

    @Test
    void keepsColonsAndExtraSpacesInsideTheValue() {
        SseReader reader = new SseReader(1024);
        assertThat(feed(reader, "data:  two spaces: and a colon\n\n"))
                .containsExactly(new Event("message", " two spaces: and a colon"));
    }

    @Test
    void deliversTheLastEventWhenTheBodyEndsWithoutABlankLine() {
        SseReader reader = new SseReader(1024);
        assertThat(feed(reader, "event: message_stop\ndata: {\"type\":\"message_stop\"}")).isEmpty();
        assertThat(reader.end()).containsExactly(new Event("message_stop", "{\"type\":\"message_stop\"}"));

        SseReader complete = new SseReader(1024);
        assertThat(feed(complete, "data: [DONE]\n")).isEmpty();
        assertThat(complete.end()).containsExactly(new Event("message", "[DONE]"));
        assertThat(new SseReader(1024).end()).isEmpty();
    }

    @Test
    void refusesALineLongerThanTheLimitWhileItAccumulates() {
        SseReader reader = new SseReader(16);
        assertThat(feed(reader, "data: 0123456789")).isEmpty();
        assertThatThrownBy(() -> feed(reader, "abcdef"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("stream line longer than 16 bytes");
    }

    @Test
    void acceptsLinesUpToTheLimit() {
        SseReader reader = new SseReader(16);
        assertThat(feed(reader, "data: 0123456789")).isEmpty();
        assertThat(feed(reader, "\n\n")).containsExactly(new Event("message", "0123456789"));
    }

    @Test
    void refusesALongLineThatArrivesWithItsNewlineInOneFeed() {
        LineReader lines = new LineReader(16);
        byte[] bytes = "data: 0123456789abcdefghij\n".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> lines.feed(bytes, 0, bytes.length)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void lineReaderDropsOnlyTheCarriageReturnBeforeTheNewline() {
        LineReader lines = new LineReader(64);
        byte[] bytes = "a\r\nb\rc\n\r\nlast\r".getBytes(StandardCharsets.UTF_8);
        assertThat(lines.feed(bytes, 0, bytes.length)).containsExactly("a", "b\rc", "");
        assertThat(lines.end()).isEqualTo("last");
        assertThat(lines.end()).isNull();
    }

    private static List<Event> feed(SseReader reader, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return reader.feed(bytes, 0, bytes.length);
    }

    @Test
    void anEmptyEventNameIsAMessageAndALeadingByteOrderMarkIsNotContent() {
        SseReader reader = new SseReader(1024);
        byte[] bytes = "\uFEFFevent:\ndata: x\n\n".getBytes(StandardCharsets.UTF_8);
        assertThat(reader.feed(bytes, 0, bytes.length)).containsExactly(new Event("message", "x"));
    }
}
