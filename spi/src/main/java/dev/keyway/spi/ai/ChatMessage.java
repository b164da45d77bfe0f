package dev.keyway.spi.ai;

import java.util.List;
import java.util.Objects;

/**
 * One message of a conversation.
 *
 * @param role       who speaks
 * @param content    text and image parts, possibly empty (an assistant turn that only calls tools)
 * @param toolCalls  the tools an assistant turn calls, possibly empty
 * @param toolCallId for a {@link Role#TOOL} message: the call it answers
 * @param name       a participant or tool name, or null
 * @param toolError  for a {@link Role#TOOL} message: whether the tool failed (Anthropic's {@code is_error})
 */
public record ChatMessage(Role role, List<ContentPart> content, List<ToolCall> toolCalls, String toolCallId,
                          String name, boolean toolError) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        content = content == null ? List.of() : List.copyOf(content);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A plain text message. */
    public static ChatMessage text(Role role, String text) {
        return new ChatMessage(role, List.of(new ContentPart.Text(text)), List.of(), null, null, false);
    }

    /** The text parts joined (image parts skipped). */
    public String text() {
        StringBuilder b = new StringBuilder();
        for (ContentPart p : content) {
            if (p instanceof ContentPart.Text t) {
                b.append(t.text());
            }
        }
        return b.toString();
    }

    /** Who speaks. System and developer messages are instructions; tool messages carry a tool's result. */
    public enum Role { SYSTEM, DEVELOPER, USER, ASSISTANT, TOOL }
}
