package dev.keyway.spi.ai;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a streamed body into lines as bytes arrive (cut anywhere, even inside a UTF-8 character): the framing
 * under SSE and NDJSON. Lines end at LF; a CR before it is dropped.
 */
public final class LineReader {
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final int maxLine;
    private boolean first = true;

    /** @param maxLine the longest line accepted, in bytes (a provider sending more is broken) */
    public LineReader(int maxLine) {
        this.maxLine = maxLine;
    }

    /** The lines these bytes complete. */
    public List<String> feed(byte[] bytes, int offset, int length) {
        List<String> lines = new ArrayList<>();
        int start = offset;
        for (int i = offset; i < offset + length; i++) {
            if (bytes[i] == '\n') {
                if (pending.size() + (i - start) > maxLine) {
                    throw new IllegalStateException("stream line longer than " + maxLine + " bytes");
                }
                pending.write(bytes, start, i - start);
                lines.add(take());
                start = i + 1;
            }
        }
        pending.write(bytes, start, offset + length - start);
        if (pending.size() > maxLine) {
            throw new IllegalStateException("stream line longer than " + maxLine + " bytes");
        }
        return lines;
    }

    /** The last line if the body did not end with a newline, else null. */
    public String end() {
        return pending.size() == 0 ? null : take();
    }

    private String take() {
        String line = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        if (first) {
            first = false;
            if (line.startsWith("\uFEFF")) {
                line = line.substring(1); // a byte-order mark before the first line is not content
            }
        }
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
}
