package dev.keyway.kernel.policy;

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
 * Policies over HTTP on a real node with the real policy plugin: each decision kind reaches the caller and the
 * upstream as it should; attaching, detaching, new versions and rollbacks take effect on the next request, without
 * a restart; a failing or runaway policy refuses the request (or lets it through when it fails open) and the node
 * keeps serving.
 */
class PolicyEndToEndTest {
    @TempDir
    static Path tmp;
    static FakeUpstream upstream;
    static TestNode node;
    static String team;
    static String app;
    static String key;

    @BeforeAll
    static void start() {
        upstream = new FakeUpstream();
        node = TestNode.start(tmp.resolve("data"), TestNode.pluginsWith(tmp.resolve("plugins"),
                List.of("key-auth", "key-user", "subscription", "policy")), Map.of());
        new Seeds(node).user("u-dev", User.Role.USER);
        team = field(node.admin("POST", "/admin/teams", "{\"name\":\"pol\",\"owner\":\"u-dev\"}").body(), "id");
        app = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team + "\",\"name\":\"a\"}").body(), "id");
        key = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + app + "\",\"userId\":\"u-dev\"}").body(),
                "key");
    }

    @AfterAll
    static void stop() {
        node.close();
        upstream.close();
    }

    /** A fresh service the app is subscribed to; returns its id. */
    static String service(String name) {
        String id = node.createService(name, "/" + name, upstream.url(), "\"teamId\":\"" + team + "\"");
        node.subscribe(app, id);
        return id;
    }

    /** Creates a policy attached to a service; returns its id. */
    static String policy(String name, String service, String source, String extra) {
        HttpResponse<String> r = node.admin("POST", "/admin/policies", "{\"name\":\"" + name + "\",\"teamId\":\""
                + team + "\",\"source\":" + json(source) + ",\"attachments\":[{\"scope\":\"service\",\"targetId\":\""
                + service + "\"}]" + (extra == null ? "" : "," + extra) + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return field(r.body(), "id");
    }

    static String json(String s) {
        return dev.keyway.spi.json.Json.write(s);
    }

    static HttpResponse<String> call(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.data(path)).header("Authorization", "Bearer " + key);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return node.send(b.build());
    }

    static HttpResponse<String> post(String path, String body) {
        return node.send(HttpRequest.newBuilder(node.data(path)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Requests the upstream has received so far (the upstream sees paths without the service prefix). */
    static int seen() {
        return upstream.received().size();
    }

    static FakeUpstream.Received last() {
        return upstream.received().getLast();
    }

    @Test
    void aDenialReachesTheCallerAndNothingReachesTheUpstream() {
        String svc = service("deny");
        int before = seen();
        policy("deny-free", svc, "export default function (request, context) {\n"
                + "  return request.header('x-plan') === 'free'\n"
                + "    ? context.deny(402, 'plan_required', 'this API needs a paid plan')\n"
                + "    : context.allow();\n}", null);
        HttpResponse<String> denied = call("/deny/x", "x-plan", "free");
        assertThat(denied.statusCode()).isEqualTo(402);
        assertThat(denied.body()).contains("\"code\":\"plan_required\"", "this API needs a paid plan");
        assertThat(seen()).as("nothing reached the upstream").isEqualTo(before);
        assertThat(call("/deny/x", "x-plan", "gold").statusCode()).isEqualTo(200);
        assertThat(seen()).isEqualTo(before + 1);
    }

    @Test
    void changesReachTheUpstreamAndTheCaller() {
        String svc = service("change");
        policy("change-headers", svc, "export default function (request, context) {\n"
                + "  return context.allow({ setHeaders: { 'x-team': context.team.id, 'x-app': context.app.name },\n"
                + "    removeHeaders: ['x-debug'], responseHeaders: { 'x-policy': context.policy } });\n}", null);
        HttpResponse<String> r = call("/change/x", "x-debug", "secret-debug-info");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-policy")).hasValue("change-headers@v1");
        FakeUpstream.Received got = last();
        assertThat(got.header("x-team")).isEqualTo(team);
        assertThat(got.header("x-app")).isEqualTo("a");
        assertThat(got.header("x-debug")).as("removed before the upstream").isNull();
    }

    @Test
    void aPolicyThatReadsTheBodySeesItAndTheUpstreamStillGetsIt() {
        String svc = service("body");
        int before = seen();
        policy("body-check", svc, "export default function (request, context) {\n"
                + "  const b = request.body;\n"
                + "  return b && b.prompt && b.prompt.length > 10\n"
                + "    ? context.deny(400, 'prompt_too_long', 'at most 10 characters')\n"
                + "    : context.allow();\n}", "\"readsBody\":true");
        HttpResponse<String> denied = post("/body/x", "{\"prompt\":\"this is far too long\"}");
        assertThat(denied.statusCode()).isEqualTo(400);
        assertThat(denied.body()).contains("prompt_too_long");
        assertThat(seen()).isEqualTo(before);
        assertThat(post("/body/x", "{\"prompt\":\"short\"}").statusCode()).isEqualTo(200);
        FakeUpstream.Received got = last();
        assertThat(new String(got.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{\"prompt\":\"short\"}");
    }

    @Test
    void aPolicyWithoutReadsBodyCannotReadRestBodies() {
        String svc = service("nobody");
        int before = seen();
        policy("no-body", svc, "export default function (request, context) {\n"
                + "  return request.body ? context.allow() : context.allow();\n}", null);
        HttpResponse<String> r = post("/nobody/x", "{\"a\":1}");
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).contains("policy_error", "no-body", "version 1", "line 2");
        assertThat(seen()).isEqualTo(before);
    }

    @Test
    void newVersionsRollbacksAndDetachingTakeEffectOnTheNextRequest() {
        String svc = service("versions");
        String id = policy("versioned", svc, "export default function (request, context) {\n"
                + "  return context.deny(403, 'v1_says_no', 'version 1');\n}", null);
        assertThat(call("/versions/x").body()).contains("v1_says_no");

        HttpResponse<String> v2 = node.admin("POST", "/admin/policies/" + id + "/versions", "{\"source\":"
                + json("export default function (request, context) { return context.allow({ responseHeaders:"
                + " { 'x-version': '2' } }); }") + "}");
        assertThat(v2.statusCode()).as(v2.body()).isEqualTo(201);
        HttpResponse<String> r = call("/versions/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-version")).hasValue("2");

        HttpResponse<String> back = node.admin("POST", "/admin/policies/" + id + "/rollback", "{\"version\":1}");
        assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
        assertThat(call("/versions/x").body()).contains("v1_says_no");

        HttpResponse<String> detached = node.admin("POST", "/admin/policies/" + id + "/detach",
                "{\"scope\":\"service\",\"targetId\":\"" + svc + "\"}");
        assertThat(detached.statusCode()).as(detached.body()).isEqualTo(200);
        assertThat(call("/versions/x").statusCode()).as("detached: not run").isEqualTo(200);

        HttpResponse<String> attached = node.admin("POST", "/admin/policies/" + id + "/attach",
                "{\"scope\":\"team\",\"targetId\":\"" + team + "\"}");
        assertThat(attached.statusCode()).as(attached.body()).isEqualTo(200);
        assertThat(call("/versions/x").body()).as("attached to the team's services").contains("v1_says_no");
        node.admin("DELETE", "/admin/policies/" + id, null);
        assertThat(call("/versions/x").statusCode()).isEqualTo(200);
    }

    @Test
    void aRunawayPolicyIsStoppedAndTheNodeKeepsServing() {
        String svc = service("loop");
        int before = seen();
        policy("runaway", svc, "export default function () { while (true) {} }", "\"timeoutMs\":20");
        long t0 = System.nanoTime();
        HttpResponse<String> r = call("/loop/x");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("policy_timeout", "runaway", "version 1", "20 ms");
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms").isLessThan(3_000);
        assertThat(seen()).isEqualTo(before);
        assertThat(node.admin("GET", "/metrics", null).body()).contains("keyway_policy_failures_total");
        // The ring thread came back: other services answer at once, and the runaway is stopped every time.
        String other = service("after-loop");
        assertThat(call("/after-loop/x").statusCode()).isEqualTo(200);
        assertThat(call("/loop/x").statusCode()).isEqualTo(503);
        assertThat(call("/loop/x").statusCode()).isEqualTo(503);
        assertThat(node.admin("GET", "/metrics", null).body()).contains("keyway_policy_skipped_total 0");
        // Stopped three times in a row: it is no longer run (each request fails at once) until 30 s have passed.
        HttpResponse<String> skipped = call("/loop/x");
        assertThat(skipped.statusCode()).isEqualTo(503);
        assertThat(skipped.body()).contains("policy_timeout", "runaway");
        assertThat(node.admin("GET", "/metrics", null).body()).containsPattern("keyway_policy_skipped_total [1-9]");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "function f(n) { return f(n + 1) + 1; } return f(0);",
            "let s = 'x'; for (let i = 0; i < 40; i++) { s += s; } return context.allow();",
            "return new ArrayBuffer(2e9) && context.allow();",
            "const a = []; for (;;) { a.push(new Array(100000).fill(1)); }",
            "return Java.type('java.lang.System').exit(1);",
            "return require('fs');",
            "return load('/etc/passwd');",
            "return eval(\"Java.type('java.lang.Runtime').getRuntime().exec('id')\");",
            "Object.prototype.allow = 1; return context.allow();",
            "Object.getPrototypeOf(request).header = () => 'free'; return context.allow();",
            "Object.getPrototypeOf([][Symbol.iterator]()).next = () => ({ done: true }); return context.allow();",
            "(function again() { Promise.resolve().then(again); })(); return context.allow();"})
    void hostileScriptsAreContainedAndTheNodeKeepsServing(String body) {
        String name = "hostile-" + Integer.toHexString(body.hashCode());
        String svc = service(name);
        int before = seen();
        String id = policy(name, svc, "export default function (request, context) { " + body + " }",
                "\"timeoutMs\":20");
        HttpResponse<String> r = call("/" + name + "/x");
        assertThat(r.statusCode()).as(r.body()).isIn(500, 503);
        assertThat(r.body()).containsAnyOf("policy_error", "policy_timeout").contains(name);
        assertThat(seen()).as("nothing reached the upstream").isEqualTo(before);
        // Another service's policy sees untouched built-ins and request views: nothing leaked between policies.
        String clean = service(name + "-next");
        policy(name + "-next", clean, "export default function (request, context) {\n"
                + "  return ({}).allow === undefined && request.header('x-plan') === undefined && [...[1, 2]].length === 2\n"
                + "    ? context.allow() : context.deny(500, 'polluted', 'built-ins changed');\n}", null);
        assertThat(call("/" + name + "-next/x").statusCode()).as("the node still serves, unpolluted").isEqualTo(200);
        node.admin("DELETE", "/admin/policies/" + id, null);
    }

    @Test
    void aFailingPolicyThatFailsOpenLetsTheRequestThrough() {
        String svc = service("open");
        policy("fails-open", svc, "export default function () { throw new Error('broken'); }", "\"failOpen\":true");
        assertThat(call("/open/x").statusCode()).isEqualTo(200);
        String closed = service("closed");
        policy("fails-closed", closed, "export default function () { throw new Error('broken'); }", null);
        int before = seen();
        HttpResponse<String> r = call("/closed/x");
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).contains("policy_error", "fails-closed").doesNotContain("broken");
        assertThat(seen()).isEqualTo(before);
    }

    @Test
    void theViewHidesTheKeyAndPoliciesRunInPriorityOrder() {
        String svc = service("order");
        policy("second", svc, "export default function (request, context) {\n"
                + "  return context.deny(403, 'second', String(request.headers.authorization));\n}",
                "\"priority\":20");
        policy("first", svc, "export default function (request, context) {\n"
                + "  return context.allow({ responseHeaders: { 'x-first': 'ran' } });\n}", "\"priority\":10");
        HttpResponse<String> r = call("/order/x");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("x-first")).hasValue("ran");
        assertThat(r.body()).contains("[redacted]").doesNotContain(key);

        // A key in the query string (here besides the header) never reaches a script either.
        String echo = service("echo-query");
        policy("echo-query", echo, "export default function (request, context) {\n"
                + "  return context.deny(403, 'echo', request.rawQuery + '|' + JSON.stringify(request.query));\n}",
                null);
        HttpResponse<String> q = call("/echo-query/x?a=1&key=" + key + "&api_key=" + key);
        assertThat(q.statusCode()).isEqualTo(403);
        assertThat(q.body()).contains("a=1").doesNotContain(key);
    }
}
