package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Subscriptions between a provider team (P, owning the services) and a consumer team (C, owning the apps), with a
 * third team (T) that must see none of it: applying, automatic and manual approval, the provider's moves, the
 * consumer's cancel, one live subscription per app and service, lists, the inbox and the audit trail.
 */
class SubscriptionRoutesTest {
    private static final String UP = "http://192.0.2.10";
    private static final AtomicInteger APPS = new AtomicInteger();

    @TempDir
    static Path tmp;
    static TestNode node;
    static String teamP;
    static String teamC;
    static String teamT;
    static String providerOwner;
    static String providerAdmin;
    static String providerMember;
    static String consumerOwner;
    static String consumerMember;
    static String third;
    static String autoSvc;
    static String manualSvc;
    static String secretSvc;
    static String draftSvc;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(tmp.resolve("data"), Files.createDirectories(tmp.resolve("plugins")), Map.of());
        Seeds seeds = new Seeds(node);
        for (String u : List.of("u-pown", "u-padm", "u-pmem", "u-cown", "u-cmem", "u-town")) {
            seeds.user(u, User.Role.USER);
        }
        teamP = id(node.admin("POST", "/admin/teams", j("{'name':'Provider','owner':'u-pown'}")));
        teamC = id(node.admin("POST", "/admin/teams", j("{'name':'Consumer','owner':'u-cown'}")));
        teamT = id(node.admin("POST", "/admin/teams", j("{'name':'Third','owner':'u-town'}")));
        node.admin("PUT", "/admin/teams/" + teamP + "/members/u-padm", j("{'role':'admin'}"));
        node.admin("PUT", "/admin/teams/" + teamP + "/members/u-pmem", j("{'role':'member'}"));
        node.admin("PUT", "/admin/teams/" + teamC + "/members/u-cmem", j("{'role':'member'}"));
        providerOwner = seeds.session("u-pown");
        providerAdmin = seeds.session("u-padm");
        providerMember = seeds.session("u-pmem");
        consumerOwner = seeds.session("u-cown");
        consumerMember = seeds.session("u-cmem");
        third = seeds.session("u-town");
        autoSvc = service("auto", "'visibility':'public','approval':'auto'", "published");
        manualSvc = service("manual", "'visibility':'public'", "published");
        secretSvc = service("secret", "'visibility':'team','approval':'auto'", "published");
        draftSvc = service("drafty", "'visibility':'public','approval':'auto'", "draft");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void autoApprovalApprovesAtOnceInTheSystemsName() {
        String app = app();
        JsonNode sub = expect(apply(consumerOwner, app, autoSvc, "'reason':'need orders'"), 201);
        assertThat(sub.path("status").asText()).isEqualTo("approved");
        assertThat(sub.path("appliedBy").asText()).isEqualTo("u-cown");
        assertThat(sub.path("appTeamId").asText()).isEqualTo(teamC);
        assertThat(sub.path("serviceTeamId").asText()).isEqualTo(teamP);
        assertThat(sub.path("reason").asText()).isEqualTo("need orders");
        assertThat(history(sub)).containsExactly("null>pending by u-cown: need orders",
                "pending>approved by system: approved automatically (approval: auto)");
        String id = sub.path("id").asText();
        assertThat(expect(node.adminAs(providerMember, "GET", "/admin/subscriptions/" + id, null), 200)).isEqualTo(sub);
        assertThat(expect(node.adminAs(consumerMember, "GET", "/admin/subscriptions/" + id, null), 200)).isEqualTo(sub);
        assertError(node.adminAs(third, "GET", "/admin/subscriptions/" + id, null), 404, "not_found");
        assertThat(inbox(providerAdmin, teamP)).doesNotContain(id);
    }

    @Test
    void aManualApplicationWaitsInTheOwningTeamsInboxOnly() {
        String id = applied(app(), manualSvc, "pending");
        assertThat(history(get(id))).containsExactly("null>pending by u-cown: -");
        assertThat(inbox(providerMember, teamP)).contains(id);
        assertThat(inbox(consumerOwner, teamC)).as("the app's team has no services").isEmpty();
        assertThat(inbox(third, teamT)).isEmpty();
        for (String[] outsider : new String[][]{{consumerOwner, teamP}, {third, teamP}, {third, teamC}}) {
            HttpResponse<String> r = node.adminAs(outsider[0], "GET", "/admin/teams/" + outsider[1] + "/approvals", null);
            assertError(r, 404, "not_found");
            assertThat(r.body()).doesNotContain(id);
        }
    }

    @Test
    void onlyTheServiceTeamsOwnersAndAdminsApproveWithTheirCommentInTheHistory() {
        String id = applied(app(), manualSvc, "pending");
        JsonNode stored = get(id);
        assertError(move(consumerOwner, id, "approve", "{'comment':'self-service'}"), 403, "forbidden");
        assertError(move(providerMember, id, "approve", "{}"), 403, "forbidden");
        assertError(move(third, id, "approve", "{}"), 404, "not_found");
        assertError(move(third, id, "cancel", "{}"), 404, "not_found");
        assertThat(get(id)).isEqualTo(stored);

        JsonNode approved = expect(move(providerAdmin, id, "approve", "{'comment':'welcome aboard'}"), 200);
        assertThat(approved.path("status").asText()).isEqualTo("approved");
        assertThat(history(approved)).containsExactly("null>pending by u-cown: -",
                "pending>approved by u-padm: welcome aboard");
        assertThat(inbox(providerAdmin, teamP)).doesNotContain(id);
        assertError(move(providerAdmin, id, "approve", "{}"), 409, "invalid_transition");
        assertError(move(providerAdmin, id, "reject", "{}"), 409, "invalid_transition");
        assertThat(get(id)).isEqualTo(approved);
    }

    @Test
    void aRejectionKeepsItsCommentAndTheAppMayApplyAgain() {
        String app = app();
        String id = applied(app, manualSvc, "pending");
        JsonNode rejected = expect(move(providerOwner, id, "reject", "{'comment':'tell us more'}"), 200);
        assertThat(rejected.path("status").asText()).isEqualTo("rejected");
        assertThat(history(rejected)).last().isEqualTo("pending>rejected by u-pown: tell us more");
        assertError(move(providerOwner, id, "approve", "{}"), 409, "invalid_transition");
        assertThat(get(id)).isEqualTo(rejected);

        String again = applied(app, manualSvc, "pending");
        assertThat(again).isNotEqualTo(id);
        HttpResponse<String> twice = apply(consumerOwner, app, manualSvc, "");
        assertError(twice, 409, "conflict");
        assertThat(twice.body()).contains(again);
        assertThat(ids("?appId=" + app)).containsExactlyInAnyOrder(id, again);
    }

    @Test
    void aSecondLiveApplicationIsAConflictUntilTheFirstIsCancelled() {
        String app = app();
        String id = applied(app, autoSvc, "approved");
        assertError(apply(consumerOwner, app, autoSvc, ""), 409, "conflict");
        assertThat(ids("?appId=" + app)).containsExactly(id);
        expect(move(consumerOwner, id, "cancel", "{}"), 200);
        String again = applied(app, autoSvc, "approved");
        assertThat(ids("?appId=" + app)).containsExactlyInAnyOrder(id, again);
    }

    @Test
    void suspendResumeAndRevokeFollowTheirTransitions() {
        String id = applied(app(), autoSvc, "approved");
        assertError(move(consumerOwner, id, "suspend", "{}"), 403, "forbidden");
        refused(id, "resume", "approve", "reject");
        assertThat(expect(move(providerAdmin, id, "suspend", "{'comment':'abuse'}"), 200).path("status").asText())
                .isEqualTo("suspended");
        refused(id, "suspend", "approve", "reject");
        assertThat(expect(node.adminAs(providerAdmin, "POST", "/admin/subscriptions/" + id + "/resume", null), 200)
                .path("status").asText()).as("the comment is optional, and so is the body").isEqualTo("approved");
        expect(move(providerAdmin, id, "suspend", "{}"), 200);
        JsonNode revoked = expect(move(providerOwner, id, "revoke", "{'comment':'contract ended'}"), 200);
        assertThat(revoked.path("status").asText()).isEqualTo("revoked");
        refused(id, "revoke", "resume", "suspend", "approve", "reject", "cancel");
        assertThat(history(get(id))).containsExactly("null>pending by u-cown: -",
                "pending>approved by system: approved automatically (approval: auto)",
                "approved>suspended by u-padm: abuse", "suspended>approved by u-padm: -",
                "approved>suspended by u-padm: -", "suspended>revoked by u-pown: contract ended");
        assertError(move(providerAdmin, id, "pause", "{}"), 404, "not_found");
    }

    @Test
    void theAppsTeamCancelsAndTheProviderCannot() {
        String id = applied(app(), manualSvc, "pending");
        JsonNode stored = get(id);
        assertError(move(providerAdmin, id, "cancel", "{}"), 403, "forbidden");
        assertError(move(consumerMember, id, "cancel", "{}"), 403, "forbidden");
        assertThat(get(id)).isEqualTo(stored);
        JsonNode cancelled = expect(move(consumerOwner, id, "cancel", "{'comment':'changed our mind'}"), 200);
        assertThat(cancelled.path("status").asText()).isEqualTo("cancelled");
        assertThat(history(cancelled)).last().isEqualTo("pending>cancelled by u-cown: changed our mind");
        assertThat(inbox(providerAdmin, teamP)).doesNotContain(id);
        refused(id, "cancel", "approve");

        String own = expect(apply(consumerMember, app(), autoSvc, ""), 201).path("id").asText();
        assertThat(expect(move(consumerMember, own, "cancel", "{}"), 200).path("status").asText())
                .as("the applicant may cancel their own application").isEqualTo("cancelled");
    }

    @Test
    void servicesTheAppsTeamCannotFindAnswer404AndItsOwnUnpublishedOnes409() {
        String app = app();
        HttpResponse<String> secret = apply(consumerOwner, app, secretSvc, "");
        assertError(secret, 404, "not_found");
        HttpResponse<String> missing = apply(consumerOwner, app, "svc-0000000000000000", "");
        assertThat(json(secret).at("/error/message").asText().replace(secretSvc, "X"))
                .isEqualTo(json(missing).at("/error/message").asText().replace("svc-0000000000000000", "X"));
        // Another team's public service with no serving version is not in the catalog: 404, like a missing one.
        assertError(apply(consumerOwner, app, draftSvc, ""), 404, "not_found");
        // The provider's own app may find its draft service, and is told it is not published yet.
        String providerApp = id(node.admin("POST", "/admin/apps", j("{'teamId':'" + teamP + "','name':'p-app'}")));
        assertError(apply(providerOwner, providerApp, draftSvc, ""), 409, "conflict");
        String foreignApp = id(node.admin("POST", "/admin/apps", j("{'teamId':'" + teamT + "','name':'t-app'}")));
        assertError(apply(consumerOwner, foreignApp, autoSvc, ""), 404, "not_found");
        assertThat(fieldErrors(node.adminAs(consumerOwner, "POST", "/admin/subscriptions", j("{'appId':'" + app
                + "','colour':'red'}")))).containsOnlyKeys("serviceId", "colour");
        assertThat(ids("?appId=" + app)).isEmpty();
        assertThat(ids("?appId=" + foreignApp)).isEmpty();
        assertThat(ids("?serviceId=" + secretSvc)).isEmpty();
        assertThat(ids("?serviceId=" + draftSvc)).isEmpty();
    }

    @Test
    void listsShowEachSideItsSubscriptionsAndFilter() {
        String a1 = app();
        String a2 = app();
        String approved = applied(a1, autoSvc, "approved");
        String pending = applied(a2, manualSvc, "pending");
        assertThat(ids(consumerMember, "?teamId=" + teamC)).contains(approved, pending);
        assertThat(ids(providerMember, "?teamId=" + teamP)).contains(approved, pending);
        assertThat(ids(consumerOwner, "?appId=" + a1)).containsExactly(approved);
        assertThat(ids(consumerOwner, "?serviceId=" + manualSvc + "&appId=" + a2)).containsExactly(pending);
        assertThat(ids(consumerOwner, "?serviceId=" + autoSvc + "&appId=" + a2)).isEmpty();
        assertThat(ids(consumerOwner, "?status=pending")).contains(pending).doesNotContain(approved);
        assertThat(ids(providerAdmin, "?status=approved&serviceId=" + autoSvc)).contains(approved)
                .doesNotContain(pending);
        assertThat(ids(third, "")).doesNotContain(approved, pending);
        assertThat(ids(third, "?teamId=" + teamC)).isEmpty();
        assertThat(ids(third, "?appId=" + a1)).isEmpty();
    }

    @Test
    void eachTeamFindsEveryTransitionInItsOwnAuditLog() {
        String id = applied(app(), manualSvc, "pending");
        expect(move(providerAdmin, id, "approve", "{'comment':'ok'}"), 200);
        expect(move(consumerOwner, id, "cancel", "{}"), 200);
        for (String[] side : new String[][]{{consumerMember, teamC}, {providerMember, teamP}}) {
            List<String> entries = new ArrayList<>();
            expect(node.adminAs(side[0], "GET", "/admin/audit?target=" + id, null), 200).path("data").forEach(e ->
                    entries.add(e.path("action").asText() + " by " + e.path("actorId").asText() + " in "
                            + e.path("teamId").asText()));
            assertThat(entries).containsExactlyInAnyOrder("subscription.apply by u-cown in " + side[1],
                    "subscription.approve by u-padm in " + side[1], "subscription.cancel by u-cown in " + side[1]);
        }
        assertThat(expect(node.adminAs(third, "GET", "/admin/audit?target=" + id, null), 200).path("data")).isEmpty();
    }

    @Test
    void auditEntriesShowTheSubscriptionAsTheApiDoes() {
        String id = applied(app(), manualSvc, "pending");
        JsonNode approved = expect(move(providerAdmin, id, "approve", "{'comment':'ok'}"), 200);
        JsonNode entry = expect(node.adminAs(consumerOwner, "GET", "/admin/audit?target=" + id
                + "&action=subscription.approve", null), 200).at("/data/0");
        assertThat(entry.at("/before/status").asText()).isEqualTo("pending");
        assertThat(entry.at("/after/status").asText()).isEqualTo("approved");
        assertThat(entry.path("after")).isEqualTo(approved);
    }

    // --- helpers ---

    static String j(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    /** A service of team P with one version v1 in {@code lifecycle}. */
    @Test
    void theConsumerCannotLiftASuspensionOrRevocationByReapplying() {
        String app = app();
        String id = expect(apply(consumerOwner, app, autoSvc, ""), 201).path("id").asText();
        expect(move(providerAdmin, id, "suspend", "{'comment':'abuse'}"), 200);
        assertError(move(consumerOwner, id, "cancel", "{}"), 409, "invalid_transition");
        assertError(apply(consumerOwner, app, autoSvc, ""), 409, "conflict");

        expect(move(providerAdmin, id, "revoke", "{}"), 200);
        JsonNode again = expect(apply(consumerOwner, app, autoSvc, ""), 201);
        assertThat(again.path("status").asText()).as("auto approval does not undo a revocation").isEqualTo("pending");
        expect(move(providerAdmin, again.path("id").asText(), "approve", "{}"), 200);
    }

    @Test
    void decisionsFollowTheServicesCurrentOwner() {
        String svc = service("moving", "'visibility':'public'", "published");
        String id = expect(apply(consumerOwner, app(), svc, ""), 201).path("id").asText();
        JsonNode stored = json(node.admin("GET", "/admin/services/" + svc, null));
        // A GET body, edited and PUT back as is: the owner changes from P to T.
        ((com.fasterxml.jackson.databind.node.ObjectNode) stored).put("teamId", teamT);
        expect(node.admin("PUT", "/admin/services/" + svc, stored.toString()), 200);

        assertError(move(providerOwner, id, "approve", "{}"), 404, "not_found");
        assertThat(json(node.adminAs(third, "GET", "/admin/teams/" + teamT + "/approvals", null)).toString())
                .contains(id);
        assertThat(json(node.adminAs(providerOwner, "GET", "/admin/teams/" + teamP + "/approvals", null)).toString())
                .doesNotContain(id);
        expect(move(third, id, "approve", "{'comment':'new owner'}"), 200);
    }

    static String service(String name, String fields, String lifecycle) {
        return id(node.adminAs(providerOwner, "POST", "/admin/services", j("{'name':'" + name + "','teamId':'" + teamP
                + "'," + fields + ",'pathPrefix':'/" + name + "','upstreams':['" + UP + "'],'lifecycle':'"
                + lifecycle + "'}")));
    }

    /** A fresh app of team C, so each test's subscriptions are its own. */
    static String app() {
        return id(node.admin("POST", "/admin/apps", j("{'teamId':'" + teamC + "','name':'c" + APPS.incrementAndGet()
                + "'}")));
    }

    static HttpResponse<String> apply(String token, String appId, String serviceId, String extra) {
        return node.adminAs(token, "POST", "/admin/subscriptions", j("{'appId':'" + appId + "','serviceId':'"
                + serviceId + "'" + (extra.isEmpty() ? "" : "," + extra) + "}"));
    }

    /** Applies as team C's owner and returns the new subscription's id, checking its status. */
    static String applied(String appId, String serviceId, String status) {
        JsonNode sub = expect(apply(consumerOwner, appId, serviceId, ""), 201);
        assertThat(sub.path("status").asText()).isEqualTo(status);
        return sub.path("id").asText();
    }

    static HttpResponse<String> move(String token, String id, String action, String body) {
        return node.adminAs(token, "POST", "/admin/subscriptions/" + id + "/" + action, j(body));
    }

    /** Each action is refused with 409 invalid_transition, by the side allowed to ask, and nothing changes. */
    static void refused(String id, String... actions) {
        JsonNode stored = get(id);
        for (String action : actions) {
            String token = action.equals("cancel") ? consumerOwner : providerAdmin;
            assertError(move(token, id, action, "{}"), 409, "invalid_transition");
            assertThat(get(id)).as(action).isEqualTo(stored);
        }
    }

    static JsonNode get(String id) {
        return expect(node.admin("GET", "/admin/subscriptions/" + id, null), 200);
    }

    /** "from>to by actor: comment" for each transition. */
    static List<String> history(JsonNode sub) {
        List<String> out = new ArrayList<>();
        sub.path("history").forEach(t -> out.add(t.path("from").asText() + ">" + t.path("to").asText() + " by "
                + t.path("actor").asText() + ": " + t.path("comment").asText("-")));
        return out;
    }

    static List<String> inbox(String token, String teamId) {
        return idsOf(expect(node.adminAs(token, "GET", "/admin/teams/" + teamId + "/approvals", null), 200));
    }

    static List<String> ids(String query) {
        return ids(TestNode.TOKEN, query);
    }

    static List<String> ids(String token, String query) {
        return idsOf(expect(node.adminAs(token, "GET", "/admin/subscriptions" + query, null), 200));
    }

    static List<String> idsOf(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.path("data").forEach(s -> out.add(s.path("id").asText()));
        return out;
    }

    static String id(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return json(r).path("id").asText();
    }

    static JsonNode expect(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return json(r);
    }

    static void assertError(HttpResponse<String> r, int status, String code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(json(r).at("/error/code").asText()).as(r.body()).isEqualTo(code);
    }

    static Map<String, JsonNode> fieldErrors(HttpResponse<String> r) {
        assertError(r, 400, "validation_failed");
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        json(r).at("/error/fields").properties().forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
