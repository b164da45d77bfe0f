package dev.keyway.spi.ai;

import java.util.ArrayList;
import java.util.List;

/**
 * Server-sent events from a streamed body: {@code event:} and {@code data:} fields, dispatched at each blank
 * line (multi-line data joined with LF); comments ({@code :ping}) and {@code id:}/{@code retry:} skipped.
 */
public final class SseReader {
    private final LineReader lines;
    private String event;
    private StringBuilder data;

    public SseReader(int maxLine) {
        this.lines = new LineReader(maxLine);
    }

    /** One event: its name ({@code message} when none was given) and data. */
    public record Event(String name, String data) {
    }

    /** The events these bytes complete. */
    public List<Event> feed(byte[] bytes, int offset, int length) {
        List<Event> out = new ArrayList<>();
        for (String line : lines.feed(bytes, offset, length)) {
            line(line, out);
        }
        return out;
    }

    /** Any event left when the body ends without a final blank line. */
    public List<Event> end() {
        List<Event> out = new ArrayList<>();
        String last = lines.end();
        if (last != null) {
            line(last, out);
        }
        line("", out);
        return out;
    }

    private void line(String line, List<Event> out) {
        if (line.isEmpty()) {
            if (data != null) {
                out.add(new Event(event == null || event.isEmpty() ? "message" : event, data.toString()));
            }
            event = null;
            data = null;
            return;
        }
        if (line.startsWith(":")) {
            return;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event" -> event = value;
            case "data" -> {
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            }
            default -> {
                // id, retry and unknown fields carry nothing a gateway needs.
            }
        }
    }
}
