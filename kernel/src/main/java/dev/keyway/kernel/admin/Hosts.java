package dev.keyway.kernel.admin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/** Judges upstream hosts a team admin configures. */
final class Hosts {

    private Hosts() {
    }

    /**
     * Whether a host is, or resolves to, a loopback, link-local or wildcard address. Names are resolved here, at
     * configuration time (a trailing dot, {@code localhost.} or a public name pointing at 127.0.0.1 do not slip
     * through); an unresolvable name is refused too. A name that changes its answer later (DNS rebinding) is not
     * caught: operators who fear that put a forward proxy or network policy in front.
     */
    static boolean isLocal(String host) {
        if (host == null || host.isBlank()) {
            return true;
        }
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        while (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.equalsIgnoreCase("localhost") || h.toLowerCase(Locale.ROOT).endsWith(".localhost")) {
            return true;
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(h)) {
                if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()) {
                    return true;
                }
            }
            return false;
        } catch (UnknownHostException e) {
            return true;
        }
    }
}
