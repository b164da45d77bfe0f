package dev.keyway.plugins.keyuser;

import dev.keyway.spi.ApiKey;
import dev.keyway.spi.App;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Directories;
import dev.keyway.spi.StageContext;
import dev.keyway.spi.Team;
import dev.keyway.spi.User;
import dev.keyway.spi.fixture.InMemoryDirectories;
import dev.keyway.spi.fixture.TestExchange;
import dev.keyway.spi.fixture.TestStageContext;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyUserStageTest {
    private static final String SECRET = "kw-AbC1dEf2gHi3jKl4mNo5pQr6";
    private static final User USER = new User("u-9", "ada", User.Status.ACTIVE, User.Role.USER);
    private static final Team TEAM = new Team("t-1", "Payments", Team.Status.ACTIVE);
    private static final App APP = new App("a-1", "t-1", "checkout", App.Status.ACTIVE);

    private final InMemoryDirectories directories = new InMemoryDirectories();

    @Test
    void resolvesUserTeamAndAppOfTheAuthenticatedKey() {
        directories.user(USER).team(TEAM).app(APP);
        TestExchange exchange = authenticated(key("u-9", "t-1", "a-1"));

        Decision decision = started().apply(exchange);

        assertThat(decision).isEqualTo(Decision.proceed());
        assertThat(exchange.attribute(Attributes.USER)).contains(USER);
        assertThat(exchange.attribute(Attributes.TEAM)).contains(TEAM);
        assertThat(exchange.attribute(Attributes.APP)).contains(APP);
        assertThat(exchange.upstreamHeaders().changes()).isEmpty();
    }

    @Test
    void scopedKeyCallsOnlyTheServicesWhoseIdsItHolds() {
        directories.user(USER).team(TEAM).app(APP);
        ApiKey scoped = new ApiKey("k-123", "kw-AbC1", "pQr6", "u-9", "t-1", "a-1", ApiKey.Status.ACTIVE, null,
                List.of(), List.of("svc-orders", "svc-billing"), null);
        dev.keyway.spi.Service orders = service("svc-orders", "orders");
        dev.keyway.spi.Service billing = service("svc-billing", "billing");
        dev.keyway.spi.Service admin = service("svc-admin", "admin");

        TestExchange first = authenticated(scoped);
        first.attribute(Attributes.SERVICE, orders);
        assertThat(started().apply(first)).isEqualTo(Decision.proceed());
        TestExchange byId = authenticated(scoped);
        byId.attribute(Attributes.SERVICE, billing);
        assertThat(started().apply(byId)).isEqualTo(Decision.proceed());

        TestExchange other = authenticated(scoped);
        other.attribute(Attributes.SERVICE, admin);
        TestExchange sameName = authenticated(new ApiKey("k-123", "kw-AbC1", "pQr6", "u-9", "t-1", "a-1",
                ApiKey.Status.ACTIVE, null, List.of(), List.of("admin"), null));
        sameName.attribute(Attributes.SERVICE, admin);
        assertDenied(started().apply(sameName), 403, "key_scope_denied");
        Decision denied = started().apply(other);
        assertDenied(denied, 403, "key_scope_denied");
        assertThat(message(denied)).contains("k-123", "'admin'").doesNotContain(SECRET);
        assertNothingResolved(other);

        TestExchange unscoped = authenticated(key("u-9", "t-1", "a-1"));
        unscoped.attribute(Attributes.SERVICE, admin);
        assertThat(started().apply(unscoped)).isEqualTo(Decision.proceed());
    }

    @Test
    void modelScopesLeaveServicesAloneAndServiceScopesStillApply() {
        directories.user(USER).team(TEAM).app(APP);
        dev.keyway.spi.Service llm = new dev.keyway.spi.Service("svc-llm", "t-1", "llm", dev.keyway.spi.Service.Kind.AI,
                null, List.of(), null, null, null, List.of(new dev.keyway.spi.ServiceVersion("v1", null, List.of(), 0, 0,
                0, dev.keyway.spi.ServiceVersion.Lifecycle.PUBLISHED, null, null, null, List.of("gpt-4o"))));
        ApiKey modelKey = new ApiKey("k-123", "kw-AbC1", "pQr6", "u-9", "t-1", "a-1", ApiKey.Status.ACTIVE, null,
                List.of(), List.of("model:gpt-4o"), null);
        TestExchange modelsOnly = authenticated(modelKey);
        modelsOnly.attribute(Attributes.SERVICE, llm);
        assertThat(started().apply(modelsOnly)).as("the kernel checks model scopes").isEqualTo(Decision.proceed());
        TestExchange rest = authenticated(modelKey);
        rest.attribute(Attributes.SERVICE, service("svc-orders", "orders"));
        assertDenied(started().apply(rest), 403, "key_scope_denied");

        TestExchange mixed = authenticated(new ApiKey("k-123", "kw-AbC1", "pQr6", "u-9", "t-1", "a-1",
                ApiKey.Status.ACTIVE, null, List.of(), List.of("model:gpt-4o", "svc-orders"), null));
        mixed.attribute(Attributes.SERVICE, llm);
        assertDenied(started().apply(mixed), 403, "key_scope_denied");
    }

    private static dev.keyway.spi.Service service(String id, String name) {
        return dev.keyway.spi.fixture.TestServices.rest(id, "t-1", name);
    }

    @Test
    void rejectsRequestThatNoEarlierStageAuthenticated() {
        directories.user(USER).team(TEAM).app(APP);
        TestExchange exchange = new TestExchange().header("x-api-key", SECRET);

        Decision decision = started().apply(exchange);

        assertDenied(decision, 401, "invalid_api_key");
        assertThat(message(decision)).isEqualTo(
                "no authenticated key for this request (expected: an API key checked by key-auth)");
        assertNothingResolved(exchange);
    }

    @Test
    void rejectsKeyWhoseOwnerNoLongerExists() {
        directories.team(TEAM).app(APP);
        TestExchange exchange = authenticated(key("u-9", "t-1", "a-1"));

        Decision decision = started().apply(exchange);

        assertDenied(decision, 401, "key_owner_missing");
        assertThat(message(decision)).isEqualTo("API key k-123 belongs to user u-9, which no longer exists; "
                + "transfer the key to an active user or rotate it");
        assertNothingResolved(exchange);
    }

    @Test
    void rejectsKeyWithoutOwner() {
        directories.user(USER).team(TEAM).app(APP);
        TestExchange exchange = authenticated(key(null, "t-1", "a-1"));

        Decision decision = started().apply(exchange);

        assertDenied(decision, 401, "key_owner_missing");
        assertThat(message(decision)).startsWith("API key k-123 names no user; transfer the key");
        assertNothingResolved(exchange);
    }

    @Test
    void rejectsKeyOfDisabledUser() {
        directories.user(new User("u-9", "ada", User.Status.DISABLED, User.Role.ADMIN)).team(TEAM).app(APP);
        TestExchange exchange = authenticated(key("u-9", "t-1", "a-1"));

        Decision decision = started().apply(exchange);

        assertDenied(decision, 401, "key_owner_disabled");
        assertThat(message(decision)).isEqualTo("API key k-123 belongs to user u-9, which is disabled; "
                + "re-enable the user, or transfer the key to an active user or rotate it");
        assertNothingResolved(exchange);
    }

    @Test
    void rejectsKeyWhoseTeamNoLongerExists() {
        directories.user(USER).app(APP);
        TestExchange exchange = authenticated(key("u-9", "t-1", "a-1"));

        Decision decision = started().apply(exchange);

        assertDenied(decision, 403, "team_disabled");
        assertThat(message(decision)).isEqualTo(
                "API key k-123 belongs to team t-1, which no longer exists; create a new key in an active team");
        assertNothingResolved(exchange);
    }

    @Test
    void rejectsKeyWithoutTeam() {
        directories.user(USER).team(TEAM).app(APP);
        TestExchange exchange = authenticated(key("u-9", null, "a-1"));

        Decision decision = started().apply(exchange);

        assertDenied(decision, 403, "team_disabled");
        assertThat(message(decision)).startsWith("API key k-123 names no team");
        assertNothingResolved(exchange);
    }

    @Test
    void rejectsKeyOfDisabledTeam() {
        directories.user(USER).team(new Team("t-1", "Payments", Team.Status.DISABLED)).app(APP);
        TestExchange exchange = authenticated(key("u-9", "t-1", "a-1"));

        Decision decision = started().apply(exchange);

        assertDenied(decision, 403, "team_disabled");
        assertThat(message(decision)).isEqualTo(
                "API key k-123 belongs to team t-1, which is disabled; ask an administrator to re-enable the team");
        assertNothingResolved(exchange);
    }

    @Test
    void rejectsKeyWhoseAppNoLongerExists() {
        directories.user(USER).team(TEAM);
        TestExchange exchange = authenticated(key("u-9", "t-1", "a-1"));

        Decision decision = started().apply(exchange);

        assertDenied(decision, 403, "app_disabled");
        assertThat(message(decision)).isEqualTo(
                "API key k-123 was issued for app a-1, which no longer exists; create a new key for an active app");
        assertNothingResolved(exchange);
    }

    @Test
    void rejectsKeyWithoutApp() {
        directories.user(USER).team(TEAM).app(APP);
        TestExchange exchange = authenticated(key("u-9", "t-1", null));

        assertDenied(started().apply(exchange), 403, "app_disabled");
        assertNothingResolved(exchange);
    }

    @Test
    void rejectsKeyOfDisabledApp() {
        directories.user(USER).team(TEAM).app(new App("a-1", "t-1", "checkout", App.Status.DISABLED));
        TestExchange exchange = authenticated(key("u-9", "t-1", "a-1"));

        Decision decision = started().apply(exchange);

        assertDenied(decision, 403, "app_disabled");
        assertThat(message(decision)).contains("API key k-123", "app a-1", "which is disabled", "re-enable the app");
        assertNothingResolved(exchange);
    }

    @Test
    void rejectsKeyWhoseAppBelongsToAnotherTeam() {
        directories.user(USER).team(TEAM).team(new Team("t-2", "Other", Team.Status.ACTIVE))
                .app(new App("a-1", "t-2", "checkout", App.Status.ACTIVE));
        TestExchange exchange = authenticated(key("u-9", "t-1", "a-1"));

        Decision decision = started().apply(exchange);

        assertDenied(decision, 403, "key_team_mismatch");
        assertThat(message(decision)).contains("API key k-123", "team t-1", "app a-1", "team t-2");
        assertNothingResolved(exchange);
    }

    @Test
    void checksOwnerBeforeTeamAndTeamBeforeApp() {
        TestExchange nothingExists = authenticated(key("u-9", "t-1", "a-1"));
        TestExchange onlyUser = authenticated(key("u-9", "t-1", "a-1"));
        KeyUserStage stage = started();

        assertDenied(stage.apply(nothingExists), 401, "key_owner_missing");
        directories.user(USER).app(new App("a-1", "t-1", "checkout", App.Status.DISABLED));
        assertDenied(stage.apply(onlyUser), 403, "team_disabled");
    }

    @Test
    void startsWithEmptyConfig() {
        assertThat(started(Map.of()).name()).isEqualTo("key-user");
    }

    @Test
    void refusesAnySetting() {
        assertThatThrownBy(() -> started(Map.of("allow-disabled-users", "true")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key-user.allow-disabled-users: unknown setting "
                        + "(expected: no settings; key-user is not configurable)");
    }

    @Test
    void failsInsteadOfPassingWhenAppliedBeforeStart() {
        TestExchange exchange = authenticated(key("u-9", "t-1", "a-1"));

        assertThatThrownBy(() -> new KeyUserStage().apply(exchange)).isInstanceOf(IllegalStateException.class);
        assertNothingResolved(exchange);
    }

    private static ApiKey key(String userId, String teamId, String appId) {
        return new ApiKey("k-123", "kw-AbC1", "pQr6", userId, teamId, appId, ApiKey.Status.ACTIVE, null, List.of(),
                List.of(), null);
    }

    private TestExchange authenticated(ApiKey key) {
        directories.key(SECRET, key);
        TestExchange exchange = new TestExchange().header("authorization", "Bearer " + SECRET);
        exchange.attribute(Attributes.API_KEY, key);
        return exchange;
    }

    private static String message(Decision decision) {
        return ((Decision.Respond) decision).message();
    }

    private static void assertDenied(Decision decision, int status, String code) {
        assertThat(decision).isInstanceOf(Decision.Respond.class);
        Decision.Respond respond = (Decision.Respond) decision;
        assertThat(respond.status()).isEqualTo(status);
        assertThat(respond.code()).isEqualTo(code);
        assertThat(respond.message()).doesNotContain(SECRET);
        if (!code.equals("invalid_api_key")) {
            assertThat(respond.message()).contains("k-123");
        }
    }

    private static void assertNothingResolved(TestExchange exchange) {
        assertThat(exchange.attribute(Attributes.USER)).isEmpty();
        assertThat(exchange.attribute(Attributes.TEAM)).isEmpty();
        assertThat(exchange.attribute(Attributes.APP)).isEmpty();
        assertThat(exchange.upstreamHeaders().changes()).isEmpty();
        assertThat(exchange.responseHeaders().changes()).isEmpty();
    }

    private KeyUserStage started() {
        return started(Map.of());
    }

    private KeyUserStage started(Map<String, String> values) {
        KeyUserStage stage = new KeyUserStage();
        Directories dirs = directories.directories();
        stage.start(new TestStageContext(values, dirs));
        return stage;
    }
}
