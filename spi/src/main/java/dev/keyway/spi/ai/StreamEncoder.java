package dev.keyway.spi.ai;

/**
 * Writes {@link ChatEvent}s as a protocol's stream for the caller (SSE text). One instance per call. Used by the
 * kernel for the inbound protocol: an answer streamed by any provider reaches an OpenAI client as OpenAI chunks
 * and an Anthropic client as Anthropic events.
 */
public interface StreamEncoder {

    /** The text to send for this event, possibly empty (an event this protocol folds into a later one). */
    String event(ChatEvent event);

    /** The text that closes the stream (OpenAI's usage chunk if asked for, and {@code [DONE]}; Anthropic's stop). */
    String end();
}
