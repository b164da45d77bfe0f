package dev.keyway.spi;

/** The protocol a caller speaks on the data plane. The kernel writes errors in this protocol's shape. */
public enum Protocol {
    /** A REST service: {@code {"error":{"code","message","requestId"}}}. */
    REST,
    /** OpenAI-style routes under /v1: {@code {"error":{"message","type","param","code"}}}. */
    OPENAI,
    /** Anthropic Messages: {@code {"type":"error","error":{"type","message"}}}. */
    ANTHROPIC
}
