package dev.keyway.spi.ai;

import java.util.Objects;

/**
 * A tool call made by the model.
 *
 * @param id        the call's id, echoed by the tool result
 * @param name      the tool's name
 * @param arguments the arguments as JSON text (OpenAI's form; Anthropic's {@code input} object is written out)
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        Objects.requireNonNull(name, "name");
        arguments = arguments == null || arguments.isBlank() ? "{}" : arguments;
    }
}
