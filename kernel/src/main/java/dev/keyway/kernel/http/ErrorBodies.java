package dev.keyway.kernel.http;

import dev.keyway.spi.Protocol;

/**
 * Error bodies in the caller's protocol shape (see shared WIRE.md). Messages are written by the kernel and
 * stages and never contain secrets; they are JSON-escaped here.
 */
public final class ErrorBodies {
    private ErrorBodies() {
    }

    /** The body for an error answered to a caller of {@code protocol}. */
    public static String render(Protocol protocol, int status, String code, String message, String requestId) {
        return render(protocol, status, code, message, requestId, null);
    }

    /** As {@link #render(Protocol, int, String, String, String)}, naming the request parameter at fault (OpenAI). */
    public static String render(Protocol protocol, int status, String code, String message, String requestId,
                                String param) {
        String msg = escape(message);
        return switch (protocol) {
            case OPENAI -> "{\"error\":{\"message\":\"" + msg + "\",\"type\":\"" + openAiType(status, code)
                    + "\",\"param\":" + (param == null ? "null" : "\"" + escape(param) + "\"") + ",\"code\":\""
                    + escape(code) + "\",\"request_id\":\"" + escape(requestId) + "\"}}";
            case ANTHROPIC -> "{\"type\":\"error\",\"error\":{\"type\":\"" + anthropicType(status)
                    + "\",\"message\":\"" + msg + "\",\"code\":\"" + escape(code) + "\"},\"request_id\":\""
                    + escape(requestId) + "\"}";
            case REST -> "{\"error\":{\"code\":\"" + escape(code) + "\",\"message\":\"" + msg
                    + "\",\"requestId\":\"" + escape(requestId) + "\"}}";
        };
    }

    private static String openAiType(int status, String code) {
        if (status == 429 && "insufficient_quota".equals(code)) {
            return "insufficient_quota";
        }
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
    }

    private static String anthropicType(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }

    /** JSON string escaping for the few characters that need it. */
    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = switch (c) {
                case '"' -> "\\\"";
                case '\\' -> "\\\\";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> c < 0x20 ? String.format("\\u%04x", (int) c) : null;
            };
            if (rep != null && out == null) {
                out = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (out != null) {
                if (rep != null) {
                    out.append(rep);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? s : out.toString();
    }
}
