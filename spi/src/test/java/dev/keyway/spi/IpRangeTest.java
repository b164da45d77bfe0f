package dev.keyway.spi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class IpRangeTest {

    @ParameterizedTest(name = "{1} in {0}: {2}")
    @CsvSource({
            // single IPv4 addresses and /32
            "203.0.113.7,      203.0.113.7,    true",
            "203.0.113.7,      203.0.113.8,    false",
            "203.0.113.7/32,   203.0.113.7,    true",
            "203.0.113.7/32,   203.0.113.6,    false",
            // /0 matches every IPv4 address and no IPv6 address
            "0.0.0.0/0,        255.255.255.255, true",
            "0.0.0.0/0,        0.0.0.0,        true",
            "0.0.0.0/0,        2001:db8::1,    false",
            // byte and non-byte boundaries
            "192.168.1.0/24,   192.168.1.255,  true",
            "192.168.1.0/24,   192.168.2.0,    false",
            "10.0.0.0/7,       11.255.255.255, true",
            "10.0.0.0/7,       12.0.0.0,       false",
            "10.0.0.0/7,       9.255.255.255,  false",
            "172.16.0.0/12,    172.31.0.1,     true",
            "172.16.0.0/12,    172.32.0.1,     false",
            "128.0.0.0/1,      127.255.255.255, false",
            "128.0.0.0/1,      128.0.0.0,      true",
            // host bits after the prefix are ignored
            "10.1.2.3/8,       10.200.0.1,     true",
            // single IPv6 addresses and /128, in any spelling
            "2001:db8::1,      2001:db8:0:0:0:0:0:1, true",
            "2001:db8::1/128,  2001:db8::1,    true",
            "2001:db8::1/128,  2001:db8::2,    false",
            "::1,              ::1,            true",
            // /0 matches every IPv6 address and no IPv4 address
            "::/0,             2001:db8::1,    true",
            "::/0,             ::,             true",
            "::/0,             10.0.0.1,       false",
            // IPv6 byte and non-byte boundaries
            "2001:db8::/32,    2001:db8:ffff:ffff::1, true",
            "2001:db8::/32,    2001:db9::1,    false",
            "2001:db8::/65,    2001:db8:0:0:7fff::1, true",
            "2001:db8::/65,    2001:db8:0:0:8000::1, false",
            "fe80::/10,        febf::1,        true",
            "fe80::/10,        fec0::1,        false",
            // an IPv4-mapped IPv6 client counts as its IPv4 address, and a mapped entry as its IPv4 range
            "10.0.0.0/8,       ::ffff:10.9.8.7, true",
            "::ffff:10.0.0.0/8, 10.9.8.7,      true",
            // a link-local client with a zone id
            "fe80::/10,        fe80::1%eth0,   true",
            "fe80::/10,        fe80::1%7,      true",
            "fe80::/10,        fe80::1%no-such-interface, true",
    })
    void matchesSingleAddressesAndRanges(String entry, String client, boolean expected) {
        assertThat(IpRange.anyContains(List.of(entry), client)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "abc", "localhost", "10.0.0.0/33", "::/129", "10.0.0.0/", "/8", "10.0.0.0/-1",
            "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0.0/0x8", "10.1", "167772161", "010.0.0.1",
            "1.2.3.256", "1.2.3.4.5", "1.2.3", "2001:db8:::1", "2001:db8::g", "::ffff:10.0.0.0/104"})
    void neverMatchesAnEntryThatDoesNotParse(String entry) {
        assertThat(IpRange.parse(entry)).isEmpty();
        assertThat(IpRange.anyContains(List.of(entry), "10.0.0.1")).isFalse();
        assertThat(IpRange.anyContains(List.of(entry), "::1")).isFalse();
    }

    @Test
    void stillMatchesALaterEntryAfterOneThatDoesNotParse() {
        assertThat(IpRange.anyContains(List.of("not-an-ip", "10.0.0.0/99", "10.0.0.0/8"), "10.4.4.4")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "unknown", "10.0.0", "10.0.0.1:8080", "[::1]:443", "::1/128", "10.0.0.1/32"})
    void neverMatchesAClientAddressThatDoesNotParse(String client) {
        assertThat(IpRange.anyContains(List.of("0.0.0.0/0", "::/0"), client)).isFalse();
    }

    @Test
    void neverMatchesANullClientOrEntry() {
        assertThat(IpRange.anyContains(List.of("0.0.0.0/0"), null)).isFalse();
        assertThat(IpRange.parse(null)).isEmpty();
    }
}
