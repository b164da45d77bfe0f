package dev.keyway.spi.ai;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A chat call in the gateway's neutral form: what an OpenAI- or Anthropic-style request means, before a
 * provider's converter writes it in its own wire format. Optional settings are null when the caller left them out.
 *
 * @param model          the model as the caller named it; the kernel replaces it with the deployment's upstream
 *                       model before a provider sees the request
 * @param messages       the conversation, system and developer messages included, in order
 * @param tools          tool (function) definitions, possibly empty
 * @param toolChoice     how the model may use tools, or null for the provider's default
 * @param temperature    sampling temperature, or null
 * @param topP           nucleus sampling, or null
 * @param topK           top-k sampling (Anthropic, Gemini, Ollama), or null
 * @param maxTokens      the most output tokens, or null (converters that need one inject a default)
 * @param stop           stop sequences, possibly empty
 * @param seed           sampling seed, or null
 * @param user           the end user's id for abuse tracking, or null
 * @param responseFormat OpenAI's {@code response_format} object as sent, or null
 * @param stream         whether the caller wants the answer streamed
 * @param extra          parameters the caller sent that have no neutral field, by wire name; a converter that
 *                       cannot express one refuses it ({@link UnsupportedParameterException}) unless
 *                       {@code dropUnsupported}
 * @param dropUnsupported whether the caller opted into dropping parameters a provider cannot take
 */
public record ChatRequest(String model, List<ChatMessage> messages, List<Tool> tools, ToolChoice toolChoice,
                          Double temperature, Double topP, Integer topK, Integer maxTokens, List<String> stop,
                          Long seed, String user, Map<String, Object> responseFormat, boolean stream,
                          Map<String, Object> extra, boolean dropUnsupported) {

    public ChatRequest {
        Objects.requireNonNull(model, "model");
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        tools = tools == null ? List.of() : List.copyOf(tools);
        stop = stop == null ? List.of() : List.copyOf(stop);
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    /** The same request for another model name (the deployment's). */
    public ChatRequest withModel(String upstreamModel) {
        return new ChatRequest(upstreamModel, messages, tools, toolChoice, temperature, topP, topK, maxTokens, stop,
                seed, user, responseFormat, stream, extra, dropUnsupported);
    }
}
