package dev.keyway.spi.ai;

/** Why the model stopped: OpenAI's names; converters map their provider's (Anthropic's end_turn is STOP, …). */
public enum FinishReason { STOP, LENGTH, TOOL_CALLS, CONTENT_FILTER }
