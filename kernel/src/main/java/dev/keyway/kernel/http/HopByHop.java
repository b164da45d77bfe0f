package dev.keyway.kernel.http;

import java.util.Locale;
import java.util.Set;

/**
 * Headers a proxy must not forward (RFC 9110 section 7.6.1), plus the ones the JDK client sets itself.
 */
final class HopByHop {
    private static final Set<String> REQUEST = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
            "content-length", "expect", "http2-settings");
    private static final Set<String> RESPONSE = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade", "content-length");

    private HopByHop() {
    }

    static boolean skipRequest(String name, String connectionHeader) {
        String n = name.toLowerCase(Locale.ROOT);
        return REQUEST.contains(n) || listedIn(connectionHeader, n);
    }

    static boolean skipResponse(String name) {
        return RESPONSE.contains(name.toLowerCase(Locale.ROOT));
    }

    /** Headers named in the Connection header are hop-by-hop too. */
    private static boolean listedIn(String connectionHeader, String lowerName) {
        if (connectionHeader == null || connectionHeader.isEmpty()) {
            return false;
        }
        for (String token : connectionHeader.split(",")) {
            if (token.trim().toLowerCase(Locale.ROOT).equals(lowerName)) {
                return true;
            }
        }
        return false;
    }
}
