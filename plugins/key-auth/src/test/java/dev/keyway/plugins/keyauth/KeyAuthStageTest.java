package dev.keyway.plugins.keyauth;

import dev.keyway.spi.ApiKey;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Directories;
import dev.keyway.spi.HeaderChanges;
import dev.keyway.spi.StageContext;
import dev.keyway.spi.fixture.InMemoryDirectories;
import dev.keyway.spi.fixture.TestExchange;
import dev.keyway.spi.fixture.TestStageContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyAuthStageTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final String SECRET = "kw-AbC1dEf2gHi3jKl4mNo5pQr6";
    private static final String OTHER_SECRET = "kw-ZyX9wVu8tSr7qPo6nMl5kJi4";

    private final InMemoryDirectories directories = new InMemoryDirectories();

    @Test
    void acceptsActiveKeyFromBearerHeaderAndRecordsIt() {
        ApiKey key = key("k-1").build();
        directories.key(SECRET, key);

        TestExchange exchange = new TestExchange().header("Authorization", "Bearer " + SECRET);
        Decision decision = started().apply(exchange);

        assertThat(decision).isEqualTo(Decision.proceed());
        assertThat(exchange.attribute(Attributes.API_KEY)).contains(key);
    }

    @Test
    void removesTheUsedCredentialHeaderFromTheUpstreamRequest() {
        directories.key(SECRET, key("k-1").build());

        TestExchange exchange = new TestExchange().header("x-api-key", SECRET);
        started().apply(exchange);

        assertThat(exchange.upstreamHeaders().changes()).containsExactly(new HeaderChanges.Change("x-api-key", null));
    }

    @Test
    void acceptsKeyFromXApiKeyHeader() {
        directories.key(SECRET, key("k-1").build());

        TestExchange exchange = new TestExchange().header("X-Api-Key", "  " + SECRET + " ");

        assertThat(started().apply(exchange)).isEqualTo(Decision.proceed());
        assertThat(exchange.attribute(Attributes.API_KEY)).map(ApiKey::id).contains("k-1");
    }

    @Test
    void acceptsKeyFromXGoogApiKeyHeader() {
        directories.key(SECRET, key("k-1").build());

        TestExchange exchange = new TestExchange().header("x-goog-api-key", SECRET);

        assertThat(started().apply(exchange)).isEqualTo(Decision.proceed());
        assertThat(exchange.attribute(Attributes.API_KEY)).map(ApiKey::id).contains("k-1");
    }

    @Test
    void prefersAuthorizationOverXApiKeyOverXGoogApiKey() {
        directories.key(SECRET, key("k-bearer").build()).key(OTHER_SECRET, key("k-other").build())
                .key("kw-third-secret-value", key("k-goog").build());

        TestExchange all = new TestExchange().header("x-goog-api-key", "kw-third-secret-value")
                .header("x-api-key", OTHER_SECRET).header("authorization", "Bearer " + SECRET);
        TestExchange noBearer = new TestExchange().header("x-goog-api-key", "kw-third-secret-value")
                .header("x-api-key", OTHER_SECRET);
        KeyAuthStage stage = started();
        stage.apply(all);
        stage.apply(noBearer);

        assertThat(all.attribute(Attributes.API_KEY)).map(ApiKey::id).contains("k-bearer");
        assertThat(noBearer.attribute(Attributes.API_KEY)).map(ApiKey::id).contains("k-other");
    }

    @Test
    void doesNotFallBackToALaterHeaderWhenTheFirstKeyIsUnknown() {
        directories.key(SECRET, key("k-1").build());

        TestExchange exchange = new TestExchange().header("authorization", "Bearer kw-unknown-key-0000")
                .header("x-api-key", SECRET);
        Decision decision = started().apply(exchange);

        assertDenied(decision, 401, "invalid_api_key");
        assertThat(((Decision.Respond) decision).message()).contains("authorization").doesNotContain("kw-unknown");
        assertThat(exchange.attribute(Attributes.API_KEY)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer ", "bearer ", "BEARER ", "BeArEr\t", "  Bearer    "})
    void readsBearerSchemeCaseInsensitively(String scheme) {
        directories.key(SECRET, key("k-1").build());

        TestExchange exchange = new TestExchange().header("authorization", scheme + SECRET + "  ");

        assertThat(started().apply(exchange)).isEqualTo(Decision.proceed());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic ", "Bearerx ", "Token ", "", "Bearer"})
    void takesNoKeyFromAuthorizationWithAnotherSchemeOrNoToken(String prefix) {
        directories.key(SECRET, key("k-1").build());
        String value = prefix.equals("Bearer") ? "Bearer" : prefix + SECRET;

        TestExchange onlyAuthorization = new TestExchange().header("authorization", value);
        TestExchange withApiKey = new TestExchange().header("authorization", value).header("x-api-key", SECRET);
        KeyAuthStage stage = started();

        Decision denied = stage.apply(onlyAuthorization);
        assertDenied(denied, 401, "invalid_api_key");
        assertThat(((Decision.Respond) denied).message()).isEqualTo(
                "no API key was presented (expected: an Authorization: Bearer <key>, x-api-key or x-goog-api-key header)");
        assertThat(stage.apply(withApiKey)).isEqualTo(Decision.proceed());
    }

    @Test
    void neverReadsTheKeyFromTheQueryString() {
        directories.key(SECRET, key("k-1").build());

        TestExchange exchange = new TestExchange().query("api_key=" + SECRET + "&key=" + SECRET + "&x-api-key=" + SECRET);
        Decision decision = started().apply(exchange);

        assertDenied(decision, 401, "invalid_api_key");
        assertThat(((Decision.Respond) decision).message()).startsWith("no API key was presented");
        assertThat(exchange.attribute(Attributes.API_KEY)).isEmpty();
    }

    @Test
    void readsTheQueryParameterOnlyWhenTheServiceOptedInAndRemovesItUpstream() {
        directories.key(SECRET, key("k-1").build());
        dev.keyway.spi.Service optedIn = dev.keyway.spi.fixture.TestServices.rest("svc-g", null, "gem", "key",
                dev.keyway.spi.Service.Approval.AUTO);
        TestExchange exchange = new TestExchange().query("a=1&key=" + SECRET.replace("-", "%2D") + "&b=2");
        exchange.attribute(Attributes.SERVICE, optedIn);

        assertThat(started().apply(exchange)).isEqualTo(Decision.proceed());
        assertThat(exchange.attribute(Attributes.API_KEY)).map(ApiKey::id).contains("k-1");
        assertThat(exchange.removedQueryParameters()).containsExactly("key");
        assertThat(exchange.upstreamHeaders().changes()).isEmpty();

        TestExchange twice = new TestExchange().query("key=" + SECRET + "&key=" + SECRET);
        twice.attribute(Attributes.SERVICE, optedIn);
        assertDenied(started().apply(twice), 401, "invalid_api_key");

        TestExchange otherParam = new TestExchange().query("api_key=" + SECRET);
        otherParam.attribute(Attributes.SERVICE, optedIn);
        assertDenied(started().apply(otherParam), 401, "invalid_api_key");
    }

    @Test
    void stripsEveryCopyOfTheKeyButLeavesOtherCredentialsForTheUpstream() {
        directories.key(SECRET, key("k-1").build());
        TestExchange twice = new TestExchange().header("authorization", "Bearer " + SECRET)
                .header("x-api-key", SECRET).header("x-goog-api-key", "upstream-own-key");

        assertThat(started().apply(twice)).isEqualTo(Decision.proceed());

        assertThat(twice.upstreamHeaders().changes()).containsExactlyInAnyOrder(
                new HeaderChanges.Change("authorization", null), new HeaderChanges.Change("x-api-key", null));

        TestExchange inQuery = new TestExchange().header("x-api-key", SECRET)
                .query("a=1&token=" + SECRET.replace("-", "%2D") + "&b=" + SECRET + "&c=other");
        assertThat(started().apply(inQuery)).isEqualTo(Decision.proceed());
        assertThat(inQuery.removedQueryParameters()).containsExactlyInAnyOrder("token", "b");
    }

    @Test
    void rejectsRequestWithoutKey() {
        TestExchange exchange = new TestExchange();

        assertDenied(started().apply(exchange), 401, "invalid_api_key");
        assertNothingWritten(exchange);
    }

    @Test
    void rejectsBlankKeyHeaders() {
        TestExchange exchange = new TestExchange().header("x-api-key", "   ").header("x-goog-api-key", "");

        assertDenied(started().apply(exchange), 401, "invalid_api_key");
        assertNothingWritten(exchange);
    }

    @Test
    void rejectsUnknownKeyWithoutEchoingAnyPartOfIt() {
        directories.key(SECRET, key("k-1").build());

        TestExchange exchange = new TestExchange().header("x-api-key", "kw-Guess123456789");
        Decision decision = started().apply(exchange);

        assertDenied(decision, 401, "invalid_api_key");
        assertThat(((Decision.Respond) decision).message())
                .isEqualTo("the API key in the x-api-key header is not recognised "
                        + "(expected: an API key issued by this gateway)")
                .doesNotContain("Guess").doesNotContain("6789");
        assertNothingWritten(exchange);
    }

    @Test
    void rejectsAKeyHeaderSentTwice() {
        directories.key(SECRET, key("k-1").build());

        TestExchange exchange = new TestExchange().header("x-api-key", SECRET).header("x-api-key", OTHER_SECRET);
        Decision decision = started().apply(exchange);

        assertDenied(decision, 401, "invalid_api_key");
        assertThat(((Decision.Respond) decision).message()).contains("x-api-key header was sent more than once");
        assertNothingWritten(exchange);
    }

    @Test
    void rejectsRevokedKeyAndStillRecordsWhichKeyFailed() {
        ApiKey key = key("k-123").status(ApiKey.Status.REVOKED).build();
        directories.key(SECRET, key);

        TestExchange exchange = bearer();
        Decision decision = started().apply(exchange);

        assertDenied(decision, 401, "key_revoked");
        assertThat(((Decision.Respond) decision).message())
                .isEqualTo("API key k-123 (kw-AbC1…) was revoked (expected: an active key; create a new one)");
        assertThat(exchange.attribute(Attributes.API_KEY)).contains(key);
        assertThat(exchange.upstreamHeaders().changes()).isEmpty();
    }

    @Test
    void acceptsRotatedKeyDuringItsGracePeriod() {
        directories.key(SECRET, key("k-1").revokeAt(NOW.plusSeconds(1)).build());

        assertThat(started().apply(bearer())).isEqualTo(Decision.proceed());
    }

    @Test
    void rejectsRotatedKeyOnceItsGracePeriodHasEnded() {
        directories.key(SECRET, key("k-1").revokeAt(NOW.minus(Duration.ofHours(1))).build());
        TestExchange exchange = bearer();

        Decision decision = started().apply(exchange);

        assertDenied(decision, 401, "key_revoked");
        assertThat(((Decision.Respond) decision).message())
                .contains("k-1", "rotation", "2025-06-01T11:00:00Z", "replacement key");
        assertThat(exchange.attribute(Attributes.API_KEY)).map(ApiKey::id).contains("k-1");
    }

    @Test
    void treatsTheGraceEndInstantItselfAsRevoked() {
        directories.key(SECRET, key("k-1").revokeAt(NOW).build());

        assertDenied(started().apply(bearer()), 401, "key_revoked");
    }

    @Test
    void rejectsExpiredKey() {
        directories.key(SECRET, key("k-7").expiresAt(NOW.minusSeconds(60)).build());
        TestExchange exchange = bearer();

        Decision decision = started().apply(exchange);

        assertDenied(decision, 401, "key_expired");
        assertThat(((Decision.Respond) decision).message())
                .startsWith("API key k-7 (kw-AbC1…) expired at 2025-06-01T11:59:00Z");
        assertThat(exchange.attribute(Attributes.API_KEY)).map(ApiKey::id).contains("k-7");
    }

    @Test
    void acceptsKeyUntilTheInstantItExpires() {
        directories.key(SECRET, key("k-1").expiresAt(NOW.plusMillis(1)).build())
                .key(OTHER_SECRET, key("k-2").expiresAt(NOW).build());
        KeyAuthStage stage = started();

        assertThat(stage.apply(bearer())).isEqualTo(Decision.proceed());
        assertDenied(stage.apply(new TestExchange().header("x-api-key", OTHER_SECRET)), 401, "key_expired");
    }

    @Test
    void reportsRevocationBeforeExpiryAndExpiryBeforeAddress() {
        directories.key(SECRET, key("k-1").status(ApiKey.Status.REVOKED).expiresAt(NOW.minusSeconds(1))
                        .allowedIps(List.of("10.0.0.1")).build())
                .key(OTHER_SECRET, key("k-2").expiresAt(NOW.minusSeconds(1)).allowedIps(List.of("10.0.0.1")).build());
        KeyAuthStage stage = started();

        assertDenied(stage.apply(bearer().client("192.0.2.1")), 401, "key_revoked");
        assertDenied(stage.apply(new TestExchange().header("x-api-key", OTHER_SECRET).client("192.0.2.1")),
                401, "key_expired");
    }

    @Test
    void rejectsKeyUsedFromAnAddressOutsideItsAllowList() {
        directories.key(SECRET, key("k-9").allowedIps(List.of("10.0.0.0/8", "2001:db8::/32")).build());
        TestExchange exchange = bearer().client("192.0.2.44");

        Decision decision = started().apply(exchange);

        assertDenied(decision, 403, "key_ip_not_allowed");
        assertThat(((Decision.Respond) decision).message())
                .startsWith("API key k-9 (kw-AbC1…) may not be used from 192.0.2.44")
                .doesNotContain("10.0.0.0/8");
        assertThat(exchange.attribute(Attributes.API_KEY)).map(ApiKey::id).contains("k-9");
        assertThat(exchange.upstreamHeaders().changes()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.20.30.40", "203.0.113.7", "2001:db8:ffff::1", "::ffff:10.1.1.1"})
    void acceptsKeyFromAnAllowedAddress(String client) {
        directories.key(SECRET, key("k-9").allowedIps(List.of("10.0.0.0/8", "203.0.113.7", "2001:db8::/32")).build());

        assertThat(started().apply(bearer().client(client))).isEqualTo(Decision.proceed());
    }

    @Test
    void rejectsWhenTheClientAddressCannotBeParsed() {
        directories.key(SECRET, key("k-9").allowedIps(List.of("0.0.0.0/0", "::/0")).build());

        assertDenied(started().apply(bearer().client("unknown")), 403, "key_ip_not_allowed");
    }

    @Test
    void allowsAnyAddressWhenTheListIsEmpty() {
        directories.key(SECRET, key("k-1").build());

        assertThat(started().apply(bearer().client("garbage"))).isEqualTo(Decision.proceed());
    }

    @Test
    void namesTheKeyByIdAloneWhenItHasNoPrefix() {
        directories.key(SECRET, key("k-5").prefix(null).status(ApiKey.Status.REVOKED).build());

        Decision decision = started().apply(bearer());

        assertThat(((Decision.Respond) decision).message()).startsWith("API key k-5 was revoked");
    }

    @Test
    void startsWithEmptyConfig() {
        assertThat(started(Map.of()).name()).isEqualTo("key-auth");
    }

    @Test
    void refusesAnySetting() {
        assertThatThrownBy(() -> started(Map.of("query-param", "api_key")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key-auth.query-param: unknown setting (expected: no settings; key-auth is not configurable)");
    }

    @Test
    void failsInsteadOfPassingWhenAppliedBeforeStart() {
        assertThatThrownBy(() -> new KeyAuthStage().apply(bearer())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void neverShowsTheSecretWhenThePresentedKeyIsPrinted() {
        PresentedKey found = PresentedKey.in(bearer().headers());

        assertThat(found).isInstanceOf(PresentedKey.Found.class);
        assertThat(found.toString()).doesNotContain(SECRET).contains("authorization");
    }

    private TestExchange bearer() {
        return new TestExchange().header("Authorization", "Bearer " + SECRET);
    }

    private static void assertDenied(Decision decision, int status, String code) {
        assertThat(decision).isInstanceOf(Decision.Respond.class);
        Decision.Respond respond = (Decision.Respond) decision;
        assertThat(respond.status()).isEqualTo(status);
        assertThat(respond.code()).isEqualTo(code);
        assertThat(respond.message()).doesNotContain(SECRET).doesNotContain(OTHER_SECRET);
    }

    private static void assertNothingWritten(TestExchange exchange) {
        assertThat(exchange.attribute(Attributes.API_KEY)).isEmpty();
        assertThat(exchange.upstreamHeaders().changes()).isEmpty();
        assertThat(exchange.responseHeaders().changes()).isEmpty();
    }

    private KeyAuthStage started() {
        return started(Map.of());
    }

    private KeyAuthStage started(Map<String, String> values) {
        KeyAuthStage stage = new KeyAuthStage(Clock.fixed(NOW, ZoneOffset.UTC));
        Directories dirs = directories.directories();
        stage.start(new TestStageContext(values, dirs));
        return stage;
    }

    private static KeyBuilder key(String id) {
        return new KeyBuilder(id);
    }

    /** Builds an active key with no expiry, no IP limit and no rotation; override what a test is about. */
    private static final class KeyBuilder {
        private final String id;
        private String prefix = "kw-AbC1";
        private ApiKey.Status status = ApiKey.Status.ACTIVE;
        private Instant expiresAt;
        private List<String> allowedIps = List.of();
        private Instant revokeAt;

        KeyBuilder(String id) {
            this.id = id;
        }

        KeyBuilder prefix(String value) {
            prefix = value;
            return this;
        }

        KeyBuilder status(ApiKey.Status value) {
            status = value;
            return this;
        }

        KeyBuilder expiresAt(Instant value) {
            expiresAt = value;
            return this;
        }

        KeyBuilder allowedIps(List<String> value) {
            allowedIps = value;
            return this;
        }

        KeyBuilder revokeAt(Instant value) {
            revokeAt = value;
            return this;
        }

        ApiKey build() {
            return new ApiKey(id, prefix, "pQr6", "u-1", "t-1", "a-1", status, expiresAt, allowedIps, List.of(),
                    revokeAt);
        }
    }
}
