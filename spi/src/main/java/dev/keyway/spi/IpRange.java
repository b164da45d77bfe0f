package dev.keyway.spi;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One entry of an IP list (a key's allowed IPs, the data plane's trusted proxies): a single address ({@code 203.0.113.7}, {@code 2001:db8::1}) or a CIDR
 * range ({@code 10.0.0.0/8}, {@code 2001:db8::/32}). Host bits after the prefix are ignored. An IPv4-mapped IPv6
 * address ({@code ::ffff:10.1.2.3}) counts as its IPv4 address, on either side.
 *
 * <p>Parsing never touches the network: IPv4 must be a strict dotted quad (no leading zeros, no short forms such
 * as {@code 10.1}), IPv6 goes through {@link InetAddress#ofLiteral(String)}. An entry that does not parse never
 * matches, so a typo denies instead of allowing.
 */
public final class IpRange {
    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    private static final Pattern PREFIX = Pattern.compile("[0-9]{1,3}");

    private final byte[] network;
    private final int prefix;

    private IpRange(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /** Whether {@code client} is in any of {@code entries}; false when the client address does not parse. */
    public static boolean anyContains(List<String> entries, String client) {
        Optional<byte[]> address = address(client);
        return address.isPresent()
                && entries.stream().map(IpRange::parse).flatMap(Optional::stream).anyMatch(r -> r.contains(address.get()));
    }

    /** The range an entry describes, or empty when it does not parse. */
    public static Optional<IpRange> parse(String entry) {
        if (entry == null) {
            return Optional.empty();
        }
        String text = entry.strip();
        int slash = text.indexOf('/');
        Optional<byte[]> address = address(slash < 0 ? text : text.substring(0, slash));
        if (address.isEmpty()) {
            return Optional.empty();
        }
        int bits = address.get().length * 8;
        if (slash < 0) {
            return Optional.of(new IpRange(address.get(), bits));
        }
        String length = text.substring(slash + 1);
        if (!PREFIX.matcher(length).matches() || Integer.parseInt(length) > bits) {
            return Optional.empty();
        }
        return Optional.of(new IpRange(address.get(), Integer.parseInt(length)));
    }

    /** Whether {@code address} (4 or 16 bytes) is in this range; addresses of the other family never are. */
    /** Whether {@code client} (an address literal) is in this range; false when it does not parse. */
    public boolean contains(String client) {
        return address(client).map(this::contains).orElse(false);
    }

    boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int whole = prefix / 8;
        if (!Arrays.equals(address, 0, whole, network, 0, whole)) {
            return false;
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (address[whole] & mask) == (network[whole] & mask);
    }

    /** The bytes of an IP literal (4 for IPv4, including IPv4-mapped IPv6; 16 for IPv6), or empty. */
    static Optional<byte[]> address(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        if (text.indexOf(':') < 0) {
            return IPV4.matcher(text).matches() ? Optional.of(ipv4(text)) : Optional.empty();
        }
        int zone = text.indexOf('%');
        try {
            // The zone id (fe80::1%eth0) says which interface, not which address: drop it rather than resolve it.
            return Optional.of(InetAddress.ofLiteral(zone < 0 ? text : text.substring(0, zone)).getAddress());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static byte[] ipv4(String text) {
        String[] parts = text.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            bytes[i] = (byte) Integer.parseInt(parts[i]);
        }
        return bytes;
    }
}
