package dev.keyway.plugins.subscription;

import dev.keyway.spi.ApiKey;
import dev.keyway.spi.App;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Phase;
import dev.keyway.spi.Service;
import dev.keyway.spi.Subscription;
import dev.keyway.spi.Subscription.Status;
import dev.keyway.spi.fixture.InMemoryDirectories;
import dev.keyway.spi.fixture.TestExchange;
import dev.keyway.spi.fixture.TestServices;
import dev.keyway.spi.fixture.TestStageContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubscriptionStageTest {
    private static final String SECRET = "kw-AbC1dEf2gHi3jKl4mNo5pQr6";
    private static final ApiKey KEY = new ApiKey("k-123", "kw-AbC1", "pQr6", "u-9", "t-1", "a-1",
            ApiKey.Status.ACTIVE, null, List.of(), List.of(), null);
    private static final App APP = new App("a-1", "t-1", "checkout", App.Status.ACTIVE);
    private static final Service ORDERS = TestServices.rest("svc-1", "t-2", "orders");
    private static final Service BILLING = TestServices.rest("svc-2", "t-2", "billing");
    private static final String ORDERS_TARGET = "service 'orders' (svc-1)";

    private final InMemoryDirectories directories = new InMemoryDirectories();

    @Test
    void runsFirstInTheAuthorizePhaseUnderThePluginId() {
        SubscriptionStage stage = started();

        assertThat(stage.name()).isEqualTo("subscription");
        assertThat(stage.phase()).isEqualTo(Phase.AUTHORIZE);
        assertThat(stage.order()).isEqualTo(100);
    }

    @Test
    void approvedSubscriptionProceedsAndIsWrittenForLaterStages() {
        Subscription approved = subscription("sub-9", "a-1", "svc-1", Status.APPROVED);
        directories.subscription(approved);
        TestExchange exchange = identified(ORDERS);

        assertThat(started().apply(exchange)).isEqualTo(Decision.proceed());
        assertThat(exchange.attribute(Attributes.SUBSCRIPTION)).contains(approved);
        assertThat(exchange.upstreamHeaders().changes()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
            "PENDING,   subscription_pending,   is pending approval by the service's team",
            "SUSPENDED, subscription_suspended, is suspended by the service's team",
            "REJECTED,  subscription_required,  was rejected; apply again with POST /admin/subscriptions",
            "REVOKED,   subscription_required,  was revoked; apply again with POST /admin/subscriptions",
            "CANCELLED, subscription_required,  was cancelled; apply again with POST /admin/subscriptions"})
    void subscriptionThatIsNotApprovedIsRefusedSayingWhy(Status status, String code, String why) {
        directories.subscription(subscription("sub-9", "a-1", "svc-1", status));
        TestExchange exchange = identified(ORDERS);

        Decision decision = started().apply(exchange);

        assertDenied(decision, code);
        assertThat(message(decision)).isEqualTo("app a-1's subscription sub-9 to " + ORDERS_TARGET + " " + why);
        assertNothingWritten(exchange);
    }

    @Test
    void appWithoutSubscriptionIsToldHowToApply() {
        TestExchange exchange = identified(ORDERS);

        Decision decision = started().apply(exchange);

        assertDenied(decision, "subscription_required");
        assertThat(message(decision)).isEqualTo(
                "app a-1 has no subscription to " + ORDERS_TARGET + "; apply with POST /admin/subscriptions");
        assertNothingWritten(exchange);
    }

    @Test
    void approvedSubscriptionOfAnotherAppOrToAnotherServiceDoesNotCount() {
        directories.subscription(subscription("sub-1", "a-2", "svc-1", Status.APPROVED))
                .subscription(subscription("sub-2", "a-1", "svc-2", Status.APPROVED));
        TestExchange toOrders = identified(ORDERS);
        TestExchange toBilling = identified(BILLING);
        SubscriptionStage stage = started();

        Decision denied = stage.apply(toOrders);

        assertDenied(denied, "subscription_required");
        assertThat(message(denied)).contains("app a-1 has no subscription", "svc-1").doesNotContain("sub-1");
        assertNothingWritten(toOrders);
        assertThat(stage.apply(toBilling)).isEqualTo(Decision.proceed());
        assertThat(toBilling.attribute(Attributes.SUBSCRIPTION)).map(Subscription::id).contains("sub-2");
    }

    @Test
    void failsInsteadOfPassingWhenTheDirectoryAnswersAnotherAppsSubscription() {
        Directories base = directories.directories();
        Directories wrong = new Directories(base.keys(), base.users(), base.teams(), base.apps(), base.services(),
                (appId, serviceId) -> Optional.of(subscription("sub-1", "a-2", serviceId, Status.APPROVED)),
                base.counters());
        SubscriptionStage stage = new SubscriptionStage();
        stage.start(new TestStageContext(Map.of(), wrong));
        TestExchange exchange = identified(ORDERS);

        assertThatThrownBy(() -> stage.apply(exchange)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sub-1").hasMessageContaining("a-2");
        assertNothingWritten(exchange);
    }

    @Test
    void statusChangeInTheDirectoryCountsFromTheNextRequest() {
        SubscriptionStage stage = started();
        directories.subscription(subscription("sub-9", "a-1", "svc-1", Status.PENDING));
        assertDenied(stage.apply(identified(ORDERS)), "subscription_pending");

        directories.subscription(subscription("sub-9", "a-1", "svc-1", Status.APPROVED));
        assertThat(stage.apply(identified(ORDERS))).isEqualTo(Decision.proceed());

        directories.subscription(subscription("sub-9", "a-1", "svc-1", Status.SUSPENDED));
        assertDenied(stage.apply(identified(ORDERS)), "subscription_suspended");

        directories.subscription(subscription("sub-9", "a-1", "svc-1", Status.REVOKED));
        TestExchange afterRevoke = identified(ORDERS);
        Decision revoked = stage.apply(afterRevoke);
        assertDenied(revoked, "subscription_required");
        assertThat(message(revoked)).contains("sub-9", "was revoked");
        assertNothingWritten(afterRevoke);
    }

    @Test
    void requestWithoutResolvedServiceIsRefused() {
        directories.subscription(subscription("sub-9", "a-1", "svc-1", Status.APPROVED));
        TestExchange exchange = new TestExchange().header("x-api-key", SECRET);
        exchange.attribute(Attributes.API_KEY, KEY);
        exchange.attribute(Attributes.APP, APP);

        Decision decision = started().apply(exchange);

        assertDenied(decision, "subscription_required");
        assertThat(message(decision)).startsWith("no service was resolved for this request");
        assertNothingWritten(exchange);
    }

    @Test
    void keyWhoseAppWasNotResolvedIsRefusedNamingTheKey() {
        directories.subscription(subscription("sub-9", "a-1", "svc-1", Status.APPROVED));
        TestExchange exchange = new TestExchange().header("x-api-key", SECRET);
        exchange.attribute(Attributes.SERVICE, ORDERS);
        exchange.attribute(Attributes.API_KEY, KEY);

        Decision decision = started().apply(exchange);

        assertDenied(decision, "subscription_required");
        assertThat(message(decision)).contains("API key k-123", ORDERS_TARGET, "key-user");
        assertNothingWritten(exchange);
    }

    @Test
    void requestWithNeitherKeyNorAppIsRefused() {
        directories.subscription(subscription("sub-9", "a-1", "svc-1", Status.APPROVED));
        TestExchange exchange = new TestExchange();
        exchange.attribute(Attributes.SERVICE, ORDERS);

        Decision decision = started().apply(exchange);

        assertDenied(decision, "subscription_required");
        assertThat(message(decision)).startsWith("no API key or app was resolved for this request");
        assertNothingWritten(exchange);
    }

    @Test
    void refusesAnySetting() {
        assertThatThrownBy(() -> started(Map.of("allow-pending", "true")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("subscription.allow-pending: unknown setting "
                        + "(expected: no settings; subscription is not configurable)");
    }

    @Test
    void failsInsteadOfPassingWhenAppliedBeforeStart() {
        TestExchange exchange = identified(ORDERS);

        assertThatThrownBy(() -> new SubscriptionStage().apply(exchange)).isInstanceOf(IllegalStateException.class);
        assertNothingWritten(exchange);
    }

    private static Subscription subscription(String id, String appId, String serviceId, Status status) {
        return new Subscription(id, appId, serviceId, status);
    }

    /** A request as it arrives after the kernel resolved the service and key-auth and key-user ran. */
    private TestExchange identified(Service service) {
        directories.key(SECRET, KEY).app(APP).service(service);
        TestExchange exchange = new TestExchange().header("authorization", "Bearer " + SECRET);
        exchange.attribute(Attributes.SERVICE, service);
        exchange.attribute(Attributes.API_KEY, KEY);
        exchange.attribute(Attributes.APP, APP);
        return exchange;
    }

    private static String message(Decision decision) {
        return ((Decision.Respond) decision).message();
    }

    private static void assertDenied(Decision decision, String code) {
        assertThat(decision).isInstanceOf(Decision.Respond.class);
        Decision.Respond respond = (Decision.Respond) decision;
        assertThat(respond.status()).isEqualTo(403);
        assertThat(respond.code()).isEqualTo(code);
        assertThat(respond.message()).doesNotContain(SECRET);
    }

    private static void assertNothingWritten(TestExchange exchange) {
        assertThat(exchange.attribute(Attributes.SUBSCRIPTION)).isEmpty();
        assertThat(exchange.upstreamHeaders().changes()).isEmpty();
        assertThat(exchange.responseHeaders().changes()).isEmpty();
    }

    private SubscriptionStage started() {
        return started(Map.of());
    }

    private SubscriptionStage started(Map<String, String> values) {
        SubscriptionStage stage = new SubscriptionStage();
        stage.start(new TestStageContext(values, directories.directories()));
        return stage;
    }
}
