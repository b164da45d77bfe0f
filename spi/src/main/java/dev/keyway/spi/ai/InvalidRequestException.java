package dev.keyway.spi.ai;

/**
 * A request the gateway refuses before any provider sees it: 400 with the offending parameter named, in the
 * caller's protocol (OpenAI's {@code invalid_request_error} with {@code param}, Anthropic's
 * {@code invalid_request_error}). Messages name parameters, never echo their values.
 */
public class InvalidRequestException extends IllegalArgumentException {
    private final String param;

    public InvalidRequestException(String param, String message) {
        super(message);
        this.param = param;
    }

    /** The parameter at fault, e.g. {@code messages[2].content}, or null. */
    public String param() {
        return param;
    }
}
