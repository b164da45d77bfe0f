package dev.keyway.spi.ai;

import java.util.List;
import java.util.Objects;

/**
 * A finished (non-streamed) chat answer. One choice: requests for several ({@code n > 1}) are refused.
 *
 * @param id           the provider's response id
 * @param model        the model that answered, as the provider names it
 * @param created      epoch seconds
 * @param text         the answer's text, or null when it only calls tools
 * @param toolCalls    tool calls, possibly empty
 * @param finishReason why it stopped, or null if the provider did not say
 * @param usage        tokens used
 */
public record ChatResult(String id, String model, long created, String text, List<ToolCall> toolCalls,
                         FinishReason finishReason, Usage usage) {
    public ChatResult {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        usage = usage == null ? Usage.NONE : usage;
        Objects.requireNonNull(id, "id");
    }
}
