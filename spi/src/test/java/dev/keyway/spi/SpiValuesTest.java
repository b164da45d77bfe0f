package dev.keyway.spi;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpiValuesTest {

    @Test
    void respondAcceptsOnlyErrorStatusesAndKeepsItsHeadersImmutable() {
        assertThatThrownBy(() -> Decision.respond(200, "ok", "fine"))
                .hasMessage("status: 200 (expected: 400..599)");
        Map<String, String> headers = new HashMap<>(Map.of("Retry-After", "1"));
        Decision.Respond r = new Decision.Respond(429, "rate_limit_exceeded", "slow down", headers);
        headers.put("X-Later", "changed");
        assertThat(r.headers()).containsOnlyKeys("Retry-After");
        assertThat(r.withHeader("X-Limit", "10").headers()).containsEntry("X-Limit", "10")
                .containsEntry("Retry-After", "1");
        assertThat(r.headers()).doesNotContainKey("X-Limit");
    }

    @Test
    void attributeKeysCompareByIdentityNotByName() {
        AttributeKey<String> a = AttributeKey.of("tier", String.class);
        AttributeKey<String> b = AttributeKey.of("tier", String.class);
        assertThat(a).isNotEqualTo(b).isEqualTo(a);
    }

    @Test
    void keyIsRevokedOutrightOrFromTheEndOfItsRotationGrace() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        ApiKey active = key(ApiKey.Status.ACTIVE, null, null);
        assertThat(active.revokedAt(now)).isFalse();
        assertThat(key(ApiKey.Status.REVOKED, null, null).revokedAt(now)).isTrue();
        ApiKey rotated = key(ApiKey.Status.ACTIVE, now.plusSeconds(60), null);
        assertThat(rotated.revokedAt(now)).isFalse();
        assertThat(rotated.revokedAt(now.plusSeconds(60))).isTrue();
        ApiKey expiring = key(ApiKey.Status.ACTIVE, null, now.plusSeconds(1));
        assertThat(expiring.expiredAt(now)).isFalse();
        assertThat(expiring.expiredAt(now.plusSeconds(1))).isTrue();
    }

    private static ApiKey key(ApiKey.Status status, Instant revokeAt, Instant expiresAt) {
        return new ApiKey("k-1", "kw-AbC12", "wxyz", "u-1", "t-1", "a-1", status, expiresAt, null, List.of(),
                revokeAt);
    }
}
