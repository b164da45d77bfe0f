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
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request limits end to end, in local mode: a service's default per-app plan, a subscription's override, the
 * tightest of several limits named, the x-ratelimit headers on successes and refusals, nothing upstream when
 * refused, and the admin plane refusing what is not enforced yet. Windows are a day long, so a test never
 * straddles a window's end.
 */
class RequestLimitsTest {
    @TempDir
    static Path tmp;
    static FakeUpstream upstream;
    static TestNode node;
    static String team;
    static String owner;

    @BeforeAll
    static void start() {
        upstream = new FakeUpstream();
        node = TestNode.start(tmp.resolve("data"), TestNode.pluginsWith(tmp.resolve("plugins"),
                List.of("key-auth", "key-user", "subscription", "rate-limit")), Map.of());
        Seeds seeds = new Seeds(node);
        seeds.user("u-own", User.Role.USER);
        team = field(node.admin("POST", "/admin/teams", "{\"name\":\"shop\",\"owner\":\"u-own\"}").body(), "id");
        owner = seeds.session("u-own");
    }

    @AfterAll
    static void stop() {
        node.close();
        upstream.close();
    }

    /** A fresh app subscribed to {@code service}; returns {appId, key, subscriptionId, keyId}. */
    static String[] caller(String service) {
        String app = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team + "\",\"name\":\"a"
                + System.nanoTime() + "\"}").body(), "id");
        String issued = node.admin("POST", "/admin/keys", "{\"appId\":\"" + app + "\",\"userId\":\"u-own\"}").body();
        String sub = field(node.subscribe(app, service), "id");
        return new String[]{app, field(issued, "key"), sub, field(issued.substring(issued.indexOf("\"apiKey\"")), "id")};
    }

    static String limit(String json) {
        HttpResponse<String> r = node.adminAs(owner, "POST", "/admin/limits", json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return field(r.body(), "id");
    }

    static HttpResponse<String> call(String path, String key) {
        return node.send(HttpRequest.newBuilder(node.data(path)).header("Authorization", "Bearer " + key).build());
    }

    @Test
    void aServicesDefaultPlanCountsEachAppAloneAndSaysWhereItStands() {
        String svc = node.createService("plan", "/plan", upstream.url(), "\"teamId\":\"" + team + "\"");
        String id = limit("{\"subject\":\"app\",\"subjectId\":\"*\",\"serviceId\":\"" + svc + "\",\"metric\":"
                + "\"requests\",\"window\":\"P1D\",\"max\":3}");
        String[] a = caller(svc);
        String[] b = caller(svc);
        for (int i = 2; i >= 0; i--) {
            HttpResponse<String> ok = call("/plan/x", a[1]);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("x-ratelimit-limit-requests")).hasValue("3");
            assertThat(ok.headers().firstValue("x-ratelimit-remaining-requests")).hasValue(Integer.toString(i));
            assertThat(ok.headers().firstValue("x-ratelimit-reset-requests")).hasValueSatisfying(v ->
                    assertThat(v).matches("[0-9]+s"));
        }
        int before = upstream.received().size();
        HttpResponse<String> refused = call("/plan/x", a[1]);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).contains("\"code\":\"rate_limit_exceeded\"", id).doesNotContain(a[1]);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        assertThat(upstream.received()).as("nothing upstream").hasSize(before);

        assertThat(call("/plan/x", b[1]).statusCode()).as("another app has its own count").isEqualTo(200);
    }

    @Test
    void aSubscriptionOverrideReplacesTheDefaultForThatAppOnly() {
        String svc = node.createService("vip", "/vip", upstream.url(), "\"teamId\":\"" + team + "\"");
        limit("{\"subject\":\"app\",\"subjectId\":\"*\",\"serviceId\":\"" + svc + "\",\"metric\":\"requests\","
                + "\"window\":\"P1D\",\"max\":1}");
        String[] vip = caller(svc);
        String[] normal = caller(svc);
        limit("{\"subject\":\"subscription\",\"subjectId\":\"" + vip[2] + "\",\"metric\":\"requests\","
                + "\"window\":\"P1D\",\"max\":3}");
        for (int i = 0; i < 3; i++) {
            assertThat(call("/vip/x", vip[1]).statusCode()).isEqualTo(200);
        }
        assertThat(call("/vip/x", vip[1]).statusCode()).isEqualTo(429);
        assertThat(call("/vip/x", normal[1]).statusCode()).isEqualTo(200);
        assertThat(call("/vip/x", normal[1]).statusCode()).isEqualTo(429);
    }

    @Test
    void theTightestOfSeveralLimitsIsTheOneNamed() {
        String svc = node.createService("tight", "/tight", upstream.url(), "\"teamId\":\"" + team + "\"");
        limit("{\"subject\":\"app\",\"subjectId\":\"*\",\"serviceId\":\"" + svc + "\",\"metric\":\"requests\","
                + "\"window\":\"P1D\",\"max\":10}");
        String[] c = caller(svc);
        String keyLimit = limit("{\"subject\":\"key\",\"subjectId\":\"" + c[3] + "\",\"metric\":\"requests\","
                + "\"window\":\"P1D\",\"max\":2}");
        assertThat(call("/v1/me", c[1]).body()).as("the key's own limits in /v1/me")
                .contains("\"id\":\"" + keyLimit + "\"", "\"metric\":\"requests\"");
        HttpResponse<String> first = call("/tight/x", c[1]);
        assertThat(first.headers().firstValue("x-ratelimit-limit-requests")).hasValue("2");
        call("/tight/x", c[1]);
        HttpResponse<String> refused = call("/tight/x", c[1]);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).contains(keyLimit);
    }

    @Test
    void badLimitDefinitionsAreRefusedNamingTheField() {
        HttpResponse<String> star = node.adminAs(owner, "POST", "/admin/limits", "{\"subject\":\"key\","
                + "\"subjectId\":\"*\",\"metric\":\"requests\",\"window\":\"PT1M\",\"max\":10}");
        assertThat(star.statusCode()).isEqualTo(400);
        assertThat(star.body()).contains("subjectId");
        HttpResponse<String> window = node.adminAs(owner, "POST", "/admin/limits", "{\"subject\":\"team\","
                + "\"subjectId\":\"" + team + "\",\"metric\":\"requests\",\"window\":\"PT0.1S\",\"max\":10}");
        assertThat(window.statusCode()).isEqualTo(400);
        assertThat(window.body()).contains("window");
        HttpResponse<String> foreign = node.adminAs(owner, "POST", "/admin/limits", "{\"subject\":\"team\","
                + "\"subjectId\":\"t-not-mine\",\"metric\":\"requests\",\"window\":\"PT1M\",\"max\":10}");
        assertThat(foreign.statusCode()).isEqualTo(404);
    }
}
