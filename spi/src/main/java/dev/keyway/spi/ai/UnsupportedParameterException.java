package dev.keyway.spi.ai;

/**
 * A parameter the chosen provider cannot take (e.g. {@code seed} for Anthropic): 400 {@code unsupported_parameter}
 * naming it, rather than dropping it silently — unless the caller opted into dropping
 * ({@link ChatRequest#dropUnsupported()}).
 */
public class UnsupportedParameterException extends InvalidRequestException {

    public UnsupportedParameterException(String param, String provider) {
        super(param, "parameter '" + param + "' is not supported by provider '" + provider + "'; remove it, or "
                + "send the header x-keyway-drop-params: true to have unsupported parameters dropped");
    }
}
