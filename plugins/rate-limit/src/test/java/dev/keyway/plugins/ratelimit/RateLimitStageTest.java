package dev.keyway.plugins.ratelimit;

import dev.keyway.spi.ApiKey;
import dev.keyway.spi.App;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Counters;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Directories;
import dev.keyway.spi.HeaderChanges.Change;
import dev.keyway.spi.Limit;
import dev.keyway.spi.Limit.Metric;
import dev.keyway.spi.Limit.Subject;
import dev.keyway.spi.LimitDirectory;
import dev.keyway.spi.Phase;
import dev.keyway.spi.Service;
import dev.keyway.spi.Subscription;
import dev.keyway.spi.Team;
import dev.keyway.spi.User;
import dev.keyway.spi.fixture.InMemoryDirectories;
import dev.keyway.spi.fixture.TestExchange;
import dev.keyway.spi.fixture.TestServices;
import dev.keyway.spi.fixture.TestStageContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimitStageTest {
    private static final String SECRET = "kw-AbC1dEf2gHi3jKl4mNo5pQr6";
    /** Aligned to the day, so every window of a day or less starts here. */
    private static final long WINDOW_START = Instant.parse("2025-01-01T00:00:00Z").toEpochMilli();
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Service ORDERS = TestServices.rest("svc-1", "t-2", "orders");
    private static final ApiKey KEY = new ApiKey("k-1", "kw-AbC1", "pQr6", "u-1", "t-1", "a-9",
            ApiKey.Status.ACTIVE, null, List.of(), List.of(), null);
    private static final User USER = new User("u-1", "ada", User.Status.ACTIVE, User.Role.USER);
    private static final Team TEAM = new Team("t-1", "payments", Team.Status.ACTIVE);
    private static final App APP = new App("a-9", "t-1", "checkout", App.Status.ACTIVE);
    private static final App OTHER_APP = new App("a-10", "t-1", "refunds", App.Status.ACTIVE);
    private static final Subscription SUBSCRIPTION =
            new Subscription("sub-1", "a-9", "svc-1", Subscription.Status.APPROVED);

    /** 48 s into the minute: 12 s until a minute window ends, 3552 s until an hour window ends. */
    private final AtomicLong now = new AtomicLong(WINDOW_START + 48_000);
    private final Map<String, Long> counts = new HashMap<>();
    private final Counters counters = (key, delta, window) ->
            counts.merge(key + "@" + now.get() / window.toMillis(), delta, Long::sum);
    private final List<Limit> limits = new ArrayList<>();
    private final List<List<String>> asked = new ArrayList<>();
    private final LimitDirectory limitDirectory = (service, key, user, app, team, subscription) -> {
        asked.add(Arrays.asList(service, key, user, app, team, subscription));
        return List.copyOf(limits);
    };

    @Test
    void runsFirstInTheLimitPhaseUnderThePluginId() {
        RateLimitStage stage = started();

        assertThat(stage.name()).isEqualTo("rate-limit");
        assertThat(stage.phase()).isEqualTo(Phase.LIMIT);
        assertThat(stage.order()).isEqualTo(100);
    }

    @Test
    void asksTheDirectoryWithTheIdsTheEarlierStagesResolved() {
        limits.add(requests("lim-1", Subject.KEY, "k-1", null, MINUTE, 5));

        assertThat(started().apply(identified(APP))).isEqualTo(Decision.proceed());
        assertThat(started().apply(exchange(ORDERS))).isEqualTo(Decision.proceed());

        assertThat(asked).containsExactly(List.of("svc-1", "k-1", "u-1", "a-9", "t-1", "sub-1"),
                Arrays.asList("svc-1", null, null, null, null, null));
    }

    @ParameterizedTest
    @CsvSource({
            "KEY,          k-1,   svc-1, req:lim-1:k-1,   for key k-1 on service 'orders'",
            "USER,         u-1,   ,      req:lim-1:u-1,   for user u-1 on every service",
            "APP,          a-9,   svc-1, req:lim-1:a-9,   for app a-9 on service 'orders'",
            "TEAM,         t-1,   ,      req:lim-1:t-1,   for team t-1 on every service",
            "SERVICE,      svc-1, svc-1, req:lim-1:svc-1, for all callers together on service 'orders'",
            "APP,          *,     svc-1, req:lim-1:a-9,   for app a-9 (the service's per-app default) on service 'orders'",
            "SUBSCRIPTION, sub-1, svc-1, req:lim-1:sub-1, for subscription sub-1 on service 'orders'",
            "SUBSCRIPTION, sub-1, ,      req:lim-1:sub-1, for subscription sub-1 on service 'orders'"})
    void refusesTheRequestAfterMaxInAWindowWhateverTheSubject(Subject subject, String subjectId, String serviceId,
                                                              String counterKey, String forWhom) {
        limits.add(requests("lim-1", subject, subjectId, serviceId, MINUTE, 2));
        RateLimitStage stage = started();

        assertThat(stage.apply(identified(APP))).isEqualTo(Decision.proceed());
        assertThat(stage.apply(identified(APP))).isEqualTo(Decision.proceed());
        TestExchange third = identified(APP);
        Decision refused = stage.apply(third);

        Decision.Respond respond = assertRefused(refused);
        assertThat(respond.message()).isEqualTo("limit lim-1 (at most 2 requests per 1 minute " + forWhom
                + ") is exhausted; retry in 12 s");
        assertThat(respond.headers()).containsExactlyInAnyOrderEntriesOf(Map.of("Retry-After", "12",
                "x-ratelimit-limit-requests", "2", "x-ratelimit-remaining-requests", "0",
                "x-ratelimit-reset-requests", "12s"));
        assertNothingWritten(third);
        assertThat(count(counterKey, MINUTE)).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(Subject.class)
    void eachLimitCountsOnItsOwnCounter(Subject subject) {
        limits.add(requests("lim-1", subject, "x-1", null, MINUTE, 10));
        limits.add(requests("lim-2", subject, "x-2", null, MINUTE, 10));
        RateLimitStage stage = started();

        stage.apply(identified(APP));
        limits.removeFirst();
        stage.apply(identified(APP));

        assertThat(count("req:lim-1:x-1", MINUTE)).isEqualTo(1);
        assertThat(count("req:lim-2:x-2", MINUTE)).isEqualTo(2);
    }

    @Test
    void perAppDefaultCountsEachAppOnItsOwn() {
        limits.add(requests("lim-d", Subject.APP, "*", "svc-1", MINUTE, 1));
        RateLimitStage stage = started();

        assertThat(stage.apply(identified(APP))).isEqualTo(Decision.proceed());
        assertRefused(stage.apply(identified(APP)));
        TestExchange other = identified(OTHER_APP);

        assertThat(stage.apply(other)).isEqualTo(Decision.proceed());
        assertThat(headers(other)).containsEntry("x-ratelimit-remaining-requests", "0");
        assertThat(count("req:lim-d:a-9", MINUTE)).isEqualTo(1);
        assertThat(count("req:lim-d:a-10", MINUTE)).isEqualTo(1);
    }

    @Test
    void subscriptionOverrideIsCountedInsteadOfTheServiceDefault() {
        Limit fallback = requests("lim-d", Subject.APP, "*", "svc-1", MINUTE, 1);
        Limit override = requests("lim-s", Subject.SUBSCRIPTION, "sub-1", "svc-1", MINUTE, 3);
        Directories directories = directories((service, key, user, app, team, subscription) ->
                List.of(subscription == null ? fallback : override));
        RateLimitStage stage = started(directories);

        for (int i = 0; i < 3; i++) {
            assertThat(stage.apply(identified(APP))).isEqualTo(Decision.proceed());
        }
        Decision.Respond refused = assertRefused(stage.apply(identified(APP)));

        assertThat(refused.message()).startsWith("limit lim-s (at most 3 requests per 1 minute for subscription sub-1");
        assertThat(count("req:lim-s:sub-1", MINUTE)).isEqualTo(3);
        assertThat(count("req:lim-d:a-9", MINUTE)).isZero();
    }

    @Test
    void admittedRequestGetsTheHeadersOfItsLimit() {
        limits.add(requests("lim-1", Subject.APP, "a-9", "svc-1", MINUTE, 100));
        TestExchange exchange = identified(APP);

        assertThat(started().apply(exchange)).isEqualTo(Decision.proceed());

        assertThat(exchange.responseHeaders().changes()).containsExactly(
                new Change("x-ratelimit-limit-requests", "100"), new Change("x-ratelimit-remaining-requests", "99"),
                new Change("x-ratelimit-reset-requests", "12s"));
        assertThat(exchange.upstreamHeaders().changes()).isEmpty();
    }

    @Test
    void newWindowAdmitsAgain() {
        limits.add(requests("lim-1", Subject.KEY, "k-1", null, MINUTE, 2));
        RateLimitStage stage = started();
        stage.apply(identified(APP));
        stage.apply(identified(APP));
        assertRefused(stage.apply(identified(APP)));

        now.addAndGet(12_000);
        TestExchange next = identified(APP);

        assertThat(stage.apply(next)).isEqualTo(Decision.proceed());
        assertThat(headers(next)).containsEntry("x-ratelimit-remaining-requests", "1")
                .containsEntry("x-ratelimit-reset-requests", "60s");
    }

    @Test
    void retryAfterRoundsUpAndIsAtLeastOneSecond() {
        limits.add(requests("lim-1", Subject.KEY, "k-1", null, MINUTE, 0));
        now.set(WINDOW_START + 59_999);

        Decision.Respond refused = assertRefused(started().apply(identified(APP)));

        assertThat(refused.headers()).containsEntry("Retry-After", "1").containsEntry("x-ratelimit-reset-requests", "1s");
        assertThat(refused.message()).endsWith("retry in 1 s");
        now.set(WINDOW_START + 30_001);
        assertThat(assertRefused(started().apply(identified(APP))).headers()).containsEntry("Retry-After", "30");
    }

    @Test
    void headersReportTheLimitWithTheLeastLeft() {
        limits.add(requests("lim-m", Subject.KEY, "k-1", null, MINUTE, 5));
        limits.add(requests("lim-h", Subject.APP, "a-9", "svc-1", HOUR, 3));
        RateLimitStage stage = started();
        TestExchange first = identified(APP);

        stage.apply(first);

        assertThat(headers(first)).containsEntry("x-ratelimit-limit-requests", "3")
                .containsEntry("x-ratelimit-remaining-requests", "2").containsEntry("x-ratelimit-reset-requests", "3552s");
    }

    @Test
    void equallyTightLimitsReportTheShorterWindow() {
        limits.add(requests("lim-h", Subject.APP, "a-9", "svc-1", HOUR, 4));
        limits.add(requests("lim-m", Subject.KEY, "k-1", null, MINUTE, 4));
        RateLimitStage stage = started();
        TestExchange first = identified(APP);

        stage.apply(first);
        stage.apply(identified(APP));
        stage.apply(identified(APP));
        stage.apply(identified(APP));
        Decision.Respond refused = assertRefused(stage.apply(identified(APP)));

        assertThat(headers(first)).containsEntry("x-ratelimit-reset-requests", "12s");
        assertThat(refused.message()).startsWith("limit lim-m (at most 4 requests per 1 minute for key k-1");
        assertThat(refused.headers()).containsEntry("Retry-After", "12");
    }

    @Test
    void refusalNamesTheTightestExceededLimit() {
        limits.add(requests("lim-m", Subject.KEY, "k-1", null, MINUTE, 5));
        limits.add(requests("lim-h", Subject.TEAM, "t-1", null, HOUR, 2));
        limits.add(requests("lim-s", Subject.SERVICE, "svc-1", "svc-1", Duration.ofSeconds(30), 9));
        RateLimitStage stage = started();
        stage.apply(identified(APP));
        stage.apply(identified(APP));

        Decision.Respond refused = assertRefused(stage.apply(identified(APP)));

        assertThat(refused.message()).isEqualTo("limit lim-h (at most 2 requests per 1 hour for team t-1 on every "
                + "service) is exhausted; retry in 3552 s");
        assertThat(refused.headers()).containsExactlyInAnyOrderEntriesOf(Map.of("Retry-After", "3552",
                "x-ratelimit-limit-requests", "2", "x-ratelimit-remaining-requests", "0",
                "x-ratelimit-reset-requests", "3552s"));
    }

    @Test
    void refusedRequestConsumesNothing() {
        limits.add(requests("lim-m", Subject.KEY, "k-1", null, MINUTE, 2));
        limits.add(requests("lim-h", Subject.APP, "a-9", "svc-1", HOUR, 10));
        RateLimitStage stage = started();
        stage.apply(identified(APP));
        stage.apply(identified(APP));
        for (int i = 0; i < 3; i++) {
            assertRefused(stage.apply(identified(APP)));
        }
        assertThat(count("req:lim-m:k-1", MINUTE)).isEqualTo(2);
        assertThat(count("req:lim-h:a-9", HOUR)).isEqualTo(2);

        now.addAndGet(12_000);
        TestExchange afterReset = identified(APP);

        assertThat(stage.apply(afterReset)).isEqualTo(Decision.proceed());
        assertThat(count("req:lim-m:k-1", MINUTE)).isEqualTo(1);
        assertThat(count("req:lim-h:a-9", HOUR)).isEqualTo(3);
        assertThat(headers(afterReset)).containsEntry("x-ratelimit-limit-requests", "2")
                .containsEntry("x-ratelimit-remaining-requests", "1");
    }

    @Test
    void remainingIsNeverNegative() {
        limits.add(requests("lim-1", Subject.KEY, "k-1", null, MINUTE, 1));
        counts.put("req:lim-1:k-1@" + now.get() / MINUTE.toMillis(), 7L);

        Decision.Respond refused = assertRefused(started().apply(identified(APP)));

        assertThat(refused.headers()).containsEntry("x-ratelimit-remaining-requests", "0");
        assertThat(refused.message()).contains("at most 1 request per 1 minute");
        assertThat(count("req:lim-1:k-1", MINUTE)).isEqualTo(7);
    }

    @Test
    void limitsOfOtherMetricsAreLeftToOtherStages() {
        limits.add(new Limit("lim-t", Subject.KEY, "k-1", null, Metric.TOKENS, MINUTE, 0, null));
        limits.add(new Limit("lim-c", Subject.KEY, "k-1", null, Metric.CONCURRENT, Duration.ZERO, 0, null));
        limits.add(new Limit("lim-$", Subject.KEY, "k-1", null, Metric.COST, HOUR, 0, null));
        TestExchange exchange = identified(APP);

        assertThat(started().apply(exchange)).isEqualTo(Decision.proceed());

        assertNothingWritten(exchange);
        assertThat(counts).isEmpty();
    }

    @Test
    void requestWithoutServiceProceedsWithoutHeaders() {
        limits.add(requests("lim-1", Subject.KEY, "k-1", null, MINUTE, 0));
        TestExchange noService = new TestExchange().header("authorization", "Bearer " + SECRET);
        noService.attribute(Attributes.API_KEY, KEY);
        noService.attribute(Attributes.APP, APP);

        assertThat(started().apply(noService)).isEqualTo(Decision.proceed());

        assertNothingWritten(noService);
        assertThat(asked).isEmpty();
        assertThat(counts).isEmpty();
    }

    @Test
    void requestWithoutLimitsProceedsWithoutHeaders() {
        TestExchange exchange = identified(APP);

        assertThat(started().apply(exchange)).isEqualTo(Decision.proceed());

        assertNothingWritten(exchange);
    }

    @Test
    void failsInsteadOfPassingWhenTheLimitDirectoryFails() {
        RateLimitStage stage = started(directories((service, key, user, app, team, subscription) -> {
            throw new IllegalStateException("limits snapshot not loaded");
        }));
        TestExchange exchange = identified(APP);

        assertThatThrownBy(() -> stage.apply(exchange)).hasMessage("limits snapshot not loaded");
        assertNothingWritten(exchange);
    }

    @Test
    void refusesWith503InsteadOfPassingWhenTheCountersFailAndTakesBackWhatWasCounted() {
        limits.add(requests("lim-1", Subject.KEY, "k-1", null, MINUTE, 5));
        limits.add(requests("lim-2", Subject.APP, "a-9", null, MINUTE, 5));
        Counters failing = (key, delta, window) -> {
            if (key.startsWith("req:lim-2") && delta > 0) {
                throw new IllegalStateException("counter store unavailable");
            }
            return counters.add(key, delta, window);
        };
        RateLimitStage stage = started(directories(limitDirectory, failing));
        TestExchange exchange = identified(APP);

        // Fails closed as a 503 the caller can retry, not a pass and not a 500.
        Decision decision = stage.apply(exchange);
        assertThat(decision).isInstanceOf(Decision.Respond.class);
        assertThat(((Decision.Respond) decision).status()).isEqualTo(503);
        assertThat(((Decision.Respond) decision).code()).isEqualTo("limit_store_unavailable");
        assertNothingWritten(exchange);
        assertThat(count("req:lim-1:k-1", MINUTE)).isZero();
    }

    @Test
    void failsWhenTheDirectoryAnswersAPerAppDefaultForARequestWithoutApp() {
        limits.add(requests("lim-d", Subject.APP, "*", "svc-1", MINUTE, 5));
        TestExchange exchange = exchange(ORDERS);

        assertThatThrownBy(() -> started().apply(exchange)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("lim-d").hasMessageContaining("svc-1");
        assertThat(counts).isEmpty();
    }

    @Test
    void failsBeforeCountingWhenALimitHasNoWindow() {
        limits.add(requests("lim-1", Subject.KEY, "k-1", null, MINUTE, 5));
        limits.add(requests("lim-0", Subject.KEY, "k-1", null, Duration.ZERO, 5));

        assertThatThrownBy(() -> started().apply(identified(APP))).isInstanceOf(IllegalStateException.class)
                .hasMessage("limit lim-0: window PT0S (expected: at least 1 ms)");
        assertThat(counts).isEmpty();
    }

    @Test
    void stageMadeByThePluginLoaderReadsTheSystemClock() {
        limits.add(requests("lim-1", Subject.KEY, "k-1", null, Duration.ofSeconds(10), 3));
        RateLimitStage stage = new RateLimitStage();
        stage.start(new TestStageContext(Map.of(), directories(limitDirectory)));
        TestExchange exchange = identified(APP);

        assertThat(stage.apply(exchange)).isEqualTo(Decision.proceed());

        assertThat(headers(exchange).get("x-ratelimit-reset-requests")).matches("([1-9]|10)s");
    }

    @Test
    void refusesAnySetting() {
        RateLimitStage stage = new RateLimitStage(now::get);

        assertThatThrownBy(() -> stage.start(new TestStageContext(Map.of("requests-per-minute", "60"),
                directories(limitDirectory))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rate-limit.requests-per-minute: unknown setting "
                        + "(expected: no settings; limits are data in the store)");
    }

    @Test
    void failsInsteadOfPassingWhenAppliedBeforeStart() {
        TestExchange exchange = identified(APP);

        assertThatThrownBy(() -> new RateLimitStage(now::get).apply(exchange))
                .isInstanceOf(IllegalStateException.class);
        assertNothingWritten(exchange);
    }

    private static Limit requests(String id, Subject subject, String subjectId, String serviceId, Duration window,
                                  long max) {
        return new Limit(id, subject, subjectId, serviceId, Metric.REQUESTS, window, max, Limit.Mode.LOCAL);
    }

    /** A request to {@code service} on which no earlier stage resolved anything. */
    private static TestExchange exchange(Service service) {
        TestExchange exchange = new TestExchange().header("authorization", "Bearer " + SECRET);
        exchange.attribute(Attributes.SERVICE, service);
        return exchange;
    }

    /** A request to orders after key-auth, key-user and subscription ran for {@code app}. */
    private static TestExchange identified(App app) {
        TestExchange exchange = exchange(ORDERS);
        exchange.attribute(Attributes.API_KEY, KEY);
        exchange.attribute(Attributes.USER, USER);
        exchange.attribute(Attributes.TEAM, TEAM);
        exchange.attribute(Attributes.APP, app);
        exchange.attribute(Attributes.SUBSCRIPTION,
                new Subscription(app == APP ? SUBSCRIPTION.id() : "sub-" + app.id(), app.id(), "svc-1",
                        Subscription.Status.APPROVED));
        return exchange;
    }

    /** The count of {@code key} in the window the test clock is in. */
    private long count(String key, Duration window) {
        return counts.getOrDefault(key + "@" + now.get() / window.toMillis(), 0L);
    }

    private static Map<String, String> headers(TestExchange exchange) {
        Map<String, String> headers = new HashMap<>();
        exchange.responseHeaders().changes().forEach(c -> headers.put(c.name(), c.value()));
        return headers;
    }

    private static Decision.Respond assertRefused(Decision decision) {
        assertThat(decision).isInstanceOf(Decision.Respond.class);
        Decision.Respond respond = (Decision.Respond) decision;
        assertThat(respond.status()).isEqualTo(429);
        assertThat(respond.code()).isEqualTo("rate_limit_exceeded");
        assertThat(respond.message()).doesNotContain(SECRET);
        return respond;
    }

    private static void assertNothingWritten(TestExchange exchange) {
        assertThat(exchange.upstreamHeaders().changes()).isEmpty();
        assertThat(exchange.responseHeaders().changes()).isEmpty();
    }

    /** The fixture's directories with this test's counters and the given limits. */
    private Directories directories(LimitDirectory limits) {
        return directories(limits, counters);
    }

    /**
     * The fixture's directories with these limits and counters. The fixture has no way to set limits, and its
     * counters read the system clock, so both are replaced.
     */
    private static Directories directories(LimitDirectory limits, Counters counters) {
        Directories base = new InMemoryDirectories().directories();
        return new Directories(base.keys(), base.users(), base.teams(), base.apps(), base.services(),
                base.subscriptions(), counters, limits);
    }

    private RateLimitStage started() {
        return started(directories(limitDirectory));
    }

    private RateLimitStage started(Directories directories) {
        RateLimitStage stage = new RateLimitStage(now::get);
        stage.start(new TestStageContext(Map.of(), directories));
        return stage;
    }
}
