package dev.keyway.spi.ai;

/**
 * One event of a streamed chat answer, in the neutral form a provider's stream decoder produces and the inbound
 * protocol's encoder writes. The order is: {@link Started}, then text and tool-call events, {@link Finished},
 * and {@link UsageReport}s wherever the provider reports tokens.
 */
public sealed interface ChatEvent {

    /** The answer began. */
    record Started(String id, String model) implements ChatEvent {
    }

    /** More answer text. */
    record TextDelta(String text) implements ChatEvent {
    }

    /** A tool call began: its position among this answer's calls, its id and the tool's name. */
    record ToolCallStarted(int index, String id, String name) implements ChatEvent {
    }

    /** A fragment of a tool call's JSON arguments; the fragments concatenated are the arguments. */
    record ToolCallDelta(int index, String argumentsFragment) implements ChatEvent {
    }

    /** The model stopped. */
    record Finished(FinishReason reason) implements ChatEvent {
    }

    /** Token counts so far; fields the provider has not reported are null (see {@link Usage#merge}). */
    record UsageReport(Usage usage) implements ChatEvent {
    }

    /** The provider reported an error inside the stream (after HTTP 200). */
    record Failed(int status, String type, String message) implements ChatEvent {
    }
}
