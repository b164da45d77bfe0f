package dev.keyway.kernel.http;

import dev.keyway.spi.IpRange;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Who the client is. The socket peer, unless the peer is a configured trusted proxy: then {@code X-Forwarded-For}
 * is read from the right, skipping trusted hops, and the first untrusted address is the client (the rightmost
 * entry a trusted proxy vouched for; entries further left may be forged by the client and are not believed).
 * From an untrusted peer the header changes nothing, and what goes upstream is the peer alone. A hop that is not
 * an address makes the client {@link #UNKNOWN} rather than the proxy (fail closed).
 */
public final class ClientIp {
    private static final HeaderName X_FORWARDED_FOR = HeaderNames.create("X-Forwarded-For");

    /** The client address when a trusted proxy forwarded one that is not an address: matches no allow-list. */
    public static final String UNKNOWN = "unknown";

    private final List<IpRange> trusted;

    private ClientIp(List<IpRange> trusted) {
        this.trusted = trusted;
    }

    /**
     * From configured entries (addresses or CIDR ranges).
     *
     * @throws IllegalArgumentException naming the first entry that is not an address or range
     */
    public static ClientIp trusting(List<String> entries) {
        List<IpRange> ranges = new ArrayList<>();
        for (String e : entries) {
            ranges.add(IpRange.parse(e == null ? null : e.trim()).orElseThrow(() -> new IllegalArgumentException(
                    "trusted-proxies: '" + e + "' (expected: an IPv4/IPv6 address or CIDR range such as 10.0.0.0/8)")));
        }
        return new ClientIp(List.copyOf(ranges));
    }

    /**
     * The resolved client.
     *
     * @param address      the client's IP
     * @param forwardedFor the {@code X-Forwarded-For} value to send upstream: the believed chain plus the peer
     */
    public record Resolved(String address, String forwardedFor) {
    }

    /** Resolves a request's client. */
    public Resolved resolve(ServerRequest req) {
        return resolve(peer(req), req.headers().all(X_FORWARDED_FOR, List::of));
    }

    /** The client address of a request (for the admin plane, which needs no upstream header). */
    public String address(ServerRequest req) {
        return resolve(req).address();
    }

    Resolved resolve(String peer, List<String> forwardedHeaders) {
        if (!isTrusted(peer) || forwardedHeaders.isEmpty()) {
            return new Resolved(peer, peer);
        }
        List<String> hops = new ArrayList<>();
        for (String value : forwardedHeaders) {
            for (String part : value.split(",")) {
                if (!part.isBlank()) {
                    hops.add(part.trim());
                }
            }
        }
        String client = peer;
        int believed = hops.size();
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = normalize(hops.get(i));
            if (hop == null) {
                // Garbage ("unknown", a name, a range): the client cannot be known. Not the proxy's address,
                // which allow-lists may trust: an address that matches no allow-list (fail closed).
                client = UNKNOWN;
                break;
            }
            hops.set(i, hop);
            client = hop;
            believed = i;
            if (!isTrusted(client)) {
                break;
            }
        }
        List<String> chain = new ArrayList<>(hops.subList(believed, hops.size()));
        chain.add(peer);
        return new Resolved(client, String.join(", ", chain));
    }

    /**
     * One forwarded hop as an address literal: {@code 203.0.113.7}, {@code 203.0.113.7:54321} (some load
     * balancers add the port), {@code 2001:db8::1}, {@code [2001:db8::1]} or {@code [2001:db8::1]:443}; IPv6 in the
     * form the socket peer has. Null when it is none of these.
     */
    static String normalize(String hop) {
        String h = hop;
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            if (end < 0 || !(end == h.length() - 1 || isPort(h.substring(end + 1)))) {
                return null;
            }
            h = h.substring(1, end);
        } else if (h.matches("[0-9]+(\\.[0-9]+){3}:.*")) {
            if (!isPort(h.substring(h.indexOf(':')))) {
                return null;
            }
            h = h.substring(0, h.indexOf(':'));
        }
        if (h.contains("/") || IpRange.parse(h).isEmpty()) {
            return null;
        }
        if (h.contains(":")) {
            try {
                return java.net.InetAddress.ofLiteral(h).getHostAddress();
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return h;
    }

    /** {@code :1}..{@code :65535}. */
    private static boolean isPort(String colonPort) {
        return colonPort.matches(":[0-9]{1,5}") && Integer.parseInt(colonPort.substring(1)) <= 65535;
    }

    private boolean isTrusted(String address) {
        for (IpRange r : trusted) {
            if (r.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static String peer(ServerRequest req) {
        if (req.remotePeer().address() instanceof InetSocketAddress a && a.getAddress() != null) {
            return a.getAddress().getHostAddress();
        }
        return req.remotePeer().host();
    }
}
