package dev.keyway.kernel.http;

import dev.keyway.kernel.testing.FakeUpstream;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Governance on the data plane, end to end: real key-auth, key-user and subscription plugin JARs in a real node,
 * services, versions and subscriptions managed over the admin plane. Team "provider" publishes; team "consumer"
 * has an app whose key calls. Every denial asserts its status, its code and that nothing reached an upstream.
 */
class ServiceGovernanceTest {
    @TempDir
    static Path tmp;
    static FakeUpstream one;
    static FakeUpstream two;
    static TestNode node;
    static String provider;
    static String appId;
    static String key;
    static String keyId;
    static String providerAdmin;
    static String consumerOwner;

    @BeforeAll
    static void start() {
        one = new FakeUpstream();
        two = new FakeUpstream();
        node = TestNode.start(tmp.resolve("data"), TestNode.pluginsWith(tmp.resolve("plugins"),
                List.of("key-auth", "key-user", "subscription")), Map.of());
        Seeds seeds = new Seeds(node);
        seeds.user("u-pat", User.Role.USER);
        seeds.user("u-carl", User.Role.USER);
        provider = field(node.admin("POST", "/admin/teams", "{\"name\":\"provider\",\"owner\":\"u-pat\"}").body(), "id");
        String consumer = field(node.admin("POST", "/admin/teams", "{\"name\":\"consumer\",\"owner\":\"u-carl\"}")
                .body(), "id");
        appId = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + consumer + "\",\"name\":\"shop\"}").body(),
                "id");
        String issued = node.admin("POST", "/admin/keys", "{\"appId\":\"" + appId + "\",\"userId\":\"u-carl\"}").body();
        key = field(issued, "key");
        keyId = field(issued.substring(issued.indexOf("\"apiKey\"")), "id");
        providerAdmin = seeds.session("u-pat");
        consumerOwner = seeds.session("u-carl");
    }

    @AfterAll
    static void stop() {
        node.close();
        one.close();
        two.close();
    }

    /** A public service of the provider team (created by a system admin: loopback upstreams are allowed). */
    static String service(String name, String approval, String versionsJson) {
        HttpResponse<String> r = node.admin("POST", "/admin/services", "{\"name\":\"" + name + "\",\"teamId\":\""
                + provider + "\",\"visibility\":\"public\",\"approval\":\"" + approval + "\",\"versions\":["
                + versionsJson + "]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return field(r.body(), "id");
    }

    static String version(String name, String prefix, FakeUpstream upstream, String lifecycle) {
        return "{\"version\":\"" + name + "\",\"pathPrefix\":\"" + prefix + "\",\"upstreams\":[\"" + upstream.url()
                + "\"],\"lifecycle\":\"" + lifecycle + "\"}";
    }

    static HttpResponse<String> call(String path) {
        return node.send(HttpRequest.newBuilder(node.data(path)).header("Authorization", "Bearer " + key).build());
    }

    static HttpResponse<String> move(String serviceId, String version, String json) {
        return node.adminAs(providerAdmin, "POST", "/admin/services/" + serviceId + "/versions/" + version
                + "/lifecycle", json);
    }

    static String subscription(String action, String id, String token) {
        HttpResponse<String> r = node.adminAs(token, "POST", "/admin/subscriptions/" + id + "/" + action,
                "{\"comment\":\"because " + action + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    static String apply(String serviceId) {
        HttpResponse<String> r = node.adminAs(consumerOwner, "POST", "/admin/subscriptions", "{\"appId\":\"" + appId
                + "\",\"serviceId\":\"" + serviceId + "\",\"reason\":\"checkout needs it\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return field(r.body(), "id");
    }

    /** The call is denied with this status and code, and no upstream saw anything. */
    static HttpResponse<String> assertDenied(String path, int status, String code) {
        int before = one.received().size() + two.received().size();
        HttpResponse<String> r = call(path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).contains("\"code\":\"" + code + "\"").doesNotContain(key);
        assertThat(one.received().size() + two.received().size()).as("nothing reached an upstream").isEqualTo(before);
        return r;
    }

    static void assertServedBy(String path, FakeUpstream upstream, String upstreamPath) {
        int before = upstream.received().size();
        HttpResponse<String> r = call(path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(before + 1);
        assertThat(upstream.received().getLast().path()).isEqualTo(upstreamPath);
    }

    @Test
    void eachLifecycleStateIsEnforcedAndVersionsRunSideBySide() {
        String id = service("lifecycle", "auto", version("v1", "/life/v1", one, "published") + ","
                + version("v2", "/life/v2", two, "draft"));
        apply(id);

        assertServedBy("/life/v1/orders", one, "/orders");
        HttpResponse<String> draft = assertDenied("/life/v2/orders", 404, "route_not_found");
        assertThat(draft.body()).doesNotContain("v2").doesNotContain("lifecycle");

        assertThat(move(id, "v2", "{\"state\":\"published\"}").statusCode()).isEqualTo(200);
        assertServedBy("/life/v2/orders", two, "/orders");
        assertServedBy("/life/v1/orders", one, "/orders");
        assertThat(call("/life/v1/orders").headers().firstValue("Deprecation")).isEmpty();

        Instant sunset = Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        HttpResponse<String> deprecated = move(id, "v1", "{\"state\":\"deprecated\",\"successor\":\"v2\","
                + "\"sunsetAt\":\"" + sunset + "\",\"comment\":\"moving to v2\"}");
        assertThat(deprecated.statusCode()).as(deprecated.body()).isEqualTo(200);
        HttpResponse<String> r = call("/life/v1/orders");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Deprecation")).hasValueSatisfying(v -> {
            assertThat(v).startsWith("@");
            assertThat(Long.parseLong(v.substring(1))).isBetween(Instant.now().getEpochSecond() - 60,
                    Instant.now().getEpochSecond());
        });
        assertThat(r.headers().firstValue("Sunset")).hasValue(Lifecycles.HTTP_DATE
                .format(sunset.atOffset(java.time.ZoneOffset.UTC)));
        assertThat(r.headers().firstValue("Sunset")).hasValueSatisfying(v -> assertThat(v)
                .matches("[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT"));
        assertThat(r.headers().firstValue("Link")).hasValue("</life/v2>; rel=\"successor-version\"");
        assertThat(call("/life/v2/orders").headers().firstValue("Deprecation")).isEmpty();

        // Deprecating again moves the sunset; the deprecation date stays the first one.
        String deprecation = r.headers().firstValue("Deprecation").orElseThrow();
        Instant later = sunset.plus(10, ChronoUnit.DAYS);
        assertThat(move(id, "v1", "{\"state\":\"deprecated\",\"sunsetAt\":\"" + later + "\"}").statusCode())
                .isEqualTo(200);
        HttpResponse<String> moved = call("/life/v1/orders");
        assertThat(moved.headers().firstValue("Link")).as("the successor stays when left out")
                .hasValue("</life/v2>; rel=\"successor-version\"");
        HttpResponse<String> orphaning = move(id, "v2", "{\"state\":\"retired\"}");
        assertThat(orphaning.statusCode()).as("v1 still points callers at v2").isEqualTo(409);
        assertThat(orphaning.body()).contains("names v2 as its successor");
        assertThat(moved.headers().firstValue("Sunset")).hasValue(Lifecycles.HTTP_DATE
                .format(later.atOffset(java.time.ZoneOffset.UTC)));
        assertThat(moved.headers().firstValue("Deprecation")).hasValue(deprecation);

        assertThat(move(id, "v1", "{\"state\":\"retired\"}").statusCode()).isEqualTo(200);
        HttpResponse<String> gone = assertDenied("/life/v1/orders", 410, "version_retired");
        assertThat(gone.body()).contains("version v1 of service 'lifecycle' is retired", "use version v2 at /life/v2");
        assertThat(gone.headers().firstValue("Link")).hasValue("</life/v2>; rel=\"successor-version\"");
        assertServedBy("/life/v2/orders", two, "/orders");
    }

    @Test
    void retiredVersionWithoutSuccessorSaysSo() {
        String id = service("lonely", "auto", version("v1", "/lonely", one, "published"));
        apply(id);
        assertServedBy("/lonely/x", one, "/x");
        assertThat(move(id, "v1", "{\"state\":\"retired\"}").statusCode()).isEqualTo(200);
        assertThat(assertDenied("/lonely/x", 410, "version_retired").body()).contains("it has no successor");
    }

    @Test
    void manualApprovalAndEveryStateIsEnforcedOnTheNextRequest() {
        String id = service("ledger", "manual", version("v1", "/ledger", one, "published"));
        assertThat(assertDenied("/ledger/entries", 403, "subscription_required").body())
                .contains(appId, "has no subscription", id);

        String sub = apply(id);
        assertThat(assertDenied("/ledger/entries", 403, "subscription_pending").body()).contains(sub);

        assertThat(subscription("approve", sub, providerAdmin)).contains("\"status\":\"approved\"");
        assertServedBy("/ledger/entries", one, "/entries");

        subscription("suspend", sub, providerAdmin);
        assertDenied("/ledger/entries", 403, "subscription_suspended");
        subscription("resume", sub, providerAdmin);
        assertServedBy("/ledger/entries", one, "/entries");

        subscription("revoke", sub, providerAdmin);
        assertThat(assertDenied("/ledger/entries", 403, "subscription_required").body()).contains("revoked");

        String again = apply(id);
        assertDenied("/ledger/entries", 403, "subscription_pending");
        subscription("reject", again, providerAdmin);
        assertThat(assertDenied("/ledger/entries", 403, "subscription_required").body()).contains("rejected");

        String third = apply(id);
        subscription("approve", third, providerAdmin);
        assertServedBy("/ledger/entries", one, "/entries");
        subscription("cancel", third, consumerOwner);
        assertThat(assertDenied("/ledger/entries", 403, "subscription_required").body()).contains("cancelled");
    }

    @Test
    void autoApprovalServesAtOnceAndTheConsumerCannotApproveItself() {
        String manual = service("vault", "manual", version("v1", "/vault", one, "published"));
        String sub = apply(manual);
        HttpResponse<String> self = node.adminAs(consumerOwner, "POST", "/admin/subscriptions/" + sub + "/approve",
                null);
        assertThat(self.statusCode()).as(self.body()).isEqualTo(403);
        assertDenied("/vault/x", 403, "subscription_pending");

        String auto = service("weather", "auto", version("v1", "/weather", one, "published"));
        assertDenied("/weather/today", 403, "subscription_required");
        apply(auto);
        assertServedBy("/weather/today", one, "/today");
    }

    @Test
    void keyScopesNarrowWhatASubscribedAppMayCall() {
        String maps = service("maps", "auto", version("v1", "/maps", one, "published"));
        String tiles = service("tiles", "auto", version("v1", "/tiles", one, "published"));
        apply(maps);
        apply(tiles);
        String scoped = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + appId + "\",\"userId\":\"u-carl\","
                + "\"scopes\":[\"maps\"]}").body(), "key");
        int before = one.received().size();
        HttpResponse<String> denied = node.send(HttpRequest.newBuilder(node.data("/tiles/1"))
                .header("Authorization", "Bearer " + scoped).build());
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("\"code\":\"key_scope_denied\"", tiles);
        assertThat(one.received()).hasSize(before);
        assertThat(node.send(HttpRequest.newBuilder(node.data("/maps/1")).header("Authorization", "Bearer " + scoped)
                .build()).statusCode()).isEqualTo(200);
        assertServedBy("/tiles/1", one, "/1");
    }

    @Test
    void keyTestForAServiceSaysWhatTheDataPlaneWillAnswer() {
        String id = service("forecast", "manual", version("v1", "/forecast", one, "published"));
        String test = "/admin/keys/" + keyId + "/test?serviceId=" + id;

        assertThat(node.admin("POST", test, null).body()).contains("\"ok\":false", "\"code\":\"subscription_required\"");
        assertDenied("/forecast/x", 403, "subscription_required");
        String sub = apply(id);
        assertThat(node.admin("POST", test, null).body()).contains("\"code\":\"subscription_pending\"", sub);
        assertDenied("/forecast/x", 403, "subscription_pending");
        subscription("approve", sub, providerAdmin);
        assertThat(node.admin("POST", test, null).body()).contains("\"ok\":true", "\"status\":\"approved\"")
                .doesNotContain("\"code\"");
        assertServedBy("/forecast/x", one, "/x");
        assertThat(node.admin("POST", "/admin/keys/" + keyId + "/test?serviceId=svc-nope", null).statusCode())
                .isEqualTo(404);
    }

    @Test
    void aDraftNestedUnderAnotherVersionsPrefixIsNotRoutedToThatVersion() {
        String id = service("nested", "auto", version("v1", "/nested", one, "published") + ","
                + version("v2", "/nested/v2", two, "draft"));
        apply(id);
        assertServedBy("/nested/items", one, "/items");
        assertDenied("/nested/v2/items", 404, "route_not_found");
        assertThat(move(id, "v2", "{\"state\":\"published\"}").statusCode()).isEqualTo(200);
        assertServedBy("/nested/v2/items", two, "/items");
    }

    @Test
    void theSuccessorLinkIsAddedBesideTheUpstreamsOwnLinks() {
        one.on("/paged", ex -> {
            ex.getResponseHeaders().add("Link", "</paged?page=2>; rel=\"next\"");
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        String id = service("paged", "auto", version("v1", "/paged-v1", one, "published") + ","
                + version("v2", "/paged-v2", two, "published"));
        apply(id);
        assertThat(move(id, "v1", "{\"state\":\"deprecated\",\"successor\":\"v2\"}").statusCode()).isEqualTo(200);
        HttpResponse<String> r = call("/paged-v1/paged");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().allValues("Link")).containsExactlyInAnyOrder("</paged?page=2>; rel=\"next\"",
                "</paged-v2>; rel=\"successor-version\"");
    }

    @Test
    void sunsetDatesHaveTwoDigitDays() {
        assertThat(Lifecycles.HTTP_DATE.format(Instant.parse("2028-01-05T00:00:00Z").atOffset(java.time.ZoneOffset.UTC)))
                .isEqualTo("Wed, 05 Jan 2028 00:00:00 GMT");
    }

    @Test
    void denialsAreCallRecordsWithTheirCodeAndVersion() throws Exception {
        String id = service("records", "manual", version("v3", "/records", one, "published"));
        assertDenied("/records/x", 403, "subscription_required");
        String body = "";
        for (int i = 0; i < 100 && !body.contains("subscription_required"); i++) {
            Thread.sleep(50);
            body = node.admin("GET", "/admin/calls?serviceId=" + id, null).body();
        }
        assertThat(body).contains("\"errorCode\":\"subscription_required\"", "\"serviceVersion\":\"v3\"");
        // The service's team sees calls to its service, whichever team's key made them; the filter keeps only them.
        String asProvider = node.adminAs(providerAdmin, "GET", "/admin/calls?serviceId=" + id, null).body();
        assertThat(asProvider).contains("\"serviceId\":\"" + id + "\"", "subscription_required");
        assertThat(asProvider.split("\"requestId\"")).hasSize(2);
    }
}
