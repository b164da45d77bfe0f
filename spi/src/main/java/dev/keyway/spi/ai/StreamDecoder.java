package dev.keyway.spi.ai;

import java.util.List;

/**
 * Turns a provider's streamed body into {@link ChatEvent}s as it arrives. One instance per call, used by one
 * thread; bytes may be cut anywhere (inside a line, inside a UTF-8 character).
 */
public interface StreamDecoder {

    /** Feeds the next bytes; returns the events they complete, possibly none. */
    List<ChatEvent> feed(byte[] bytes, int offset, int length);

    /** The body ended; returns any last events (and fails on a truncated event). */
    List<ChatEvent> end();
}
