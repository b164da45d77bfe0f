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
 * The policy admin API on a real node: team A (owner, member) and team B (owner) each with a service, and a
 * service without a team. Every refusal is checked for its status and code and for having changed nothing.
 */
class PolicyRoutesTest {
    static final String ALLOW = "export default function(request, context) { return context.allow(); }";
    static final String ALLOW_2 = "export default function(request, context) {\\n  return context.allow();\\n}\\n";
    static final String BROKEN = "export default function(request, context) {\\n  return context.allow(;\\n}\\n";
    private static final AtomicInteger NAMES = new AtomicInteger();

    @TempDir
    static Path tmp;
    static TestNode node;
    static String ownerA;
    static String memberA;
    static String ownerB;
    static String teamA;
    static String teamB;
    static String serviceA;
    static String serviceB;
    static String serviceSys;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(tmp.resolve("data"), Files.createDirectories(tmp.resolve("plugins")), Map.of());
        Seeds seeds = new Seeds(node);
        for (String u : List.of("u-aown", "u-amem", "u-bown")) {
            seeds.user(u, User.Role.USER);
        }
        teamA = id(node.admin("POST", "/admin/teams", j("{'name':'A','owner':'u-aown'}")));
        teamB = id(node.admin("POST", "/admin/teams", j("{'name':'B','owner':'u-bown'}")));
        node.admin("PUT", "/admin/teams/" + teamA + "/members/u-amem", j("{'role':'member'}"));
        ownerA = seeds.session("u-aown");
        memberA = seeds.session("u-amem");
        ownerB = seeds.session("u-bown");
        serviceA = node.createService("svc-a", "/a", "http://192.0.2.10", j("'teamId':'" + teamA + "'"));
        serviceB = node.createService("svc-b", "/b", "http://192.0.2.10", j("'teamId':'" + teamB + "'"));
        serviceSys = node.createService("svc-sys", "/sys", "http://192.0.2.10", null);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aTeamOwnerCreatesAPolicyWithVersionOneInForce() {
        String name = name();
        JsonNode created = expect(create(ownerA, "'name':'" + name + "','teamId':'" + teamA + "','description':'d',"
                + "'comment':'first','failOpen':true,'timeoutMs':20,'readsBody':true,'config':{'tiers':['gold']},"
                + "'priority':7,'attachments':[{'scope':'service','targetId':'" + serviceA + "'}]"), 201);
        assertThat(created.path("activeVersion").asInt()).isEqualTo(1);
        assertThat(created.path("source").asText()).isEqualTo(ALLOW);
        assertThat(created.path("failOpen").asBoolean()).isTrue();
        assertThat(created.path("timeoutMs").asInt()).isEqualTo(20);
        assertThat(created.path("readsBody").asBoolean()).isTrue();
        assertThat(created.at("/config/tiers/0").asText()).isEqualTo("gold");
        assertThat(created.path("priority").asInt()).isEqualTo(7);
        assertThat(created.at("/attachments/0/scope").asText()).isEqualTo("service");
        assertThat(created.at("/versions/0/comment").asText()).isEqualTo("first");
        assertThat(created.at("/versions/0/createdBy").asText()).isEqualTo("u-aown");
        assertThat(created.at("/versions/0").has("source")).as("version lists carry no sources").isFalse();
        String id = created.path("id").asText();

        assertThat(get(id)).isEqualTo(created);
        assertThat(expect(node.adminAs(memberA, "GET", "/admin/policies/" + id + "/versions/1", null), 200)
                .path("source").asText()).isEqualTo(ALLOW);
        JsonNode list = expect(node.adminAs(memberA, "GET", "/admin/policies", null), 200);
        assertThat(list.toString()).contains(id).doesNotContain("context.allow");
    }

    @Test
    void aNewVersionTakesOverAndAnOldOneCanBeRolledBackTo() {
        String id = policyOfA(name());
        JsonNode v2 = expect(node.adminAs(ownerA, "POST", "/admin/policies/" + id + "/versions",
                j("{'source':'" + ALLOW_2 + "','comment':'multi-line'}")), 201);
        assertThat(v2.path("activeVersion").asInt()).isEqualTo(2);
        assertThat(v2.path("source").asText()).contains("\n  return");
        assertThat(v2.path("versions")).hasSize(2);

        JsonNode back = expect(node.adminAs(ownerA, "POST", "/admin/policies/" + id + "/rollback",
                j("{'version':1}")), 200);
        assertThat(back.path("activeVersion").asInt()).isEqualTo(1);
        assertThat(back.path("source").asText()).isEqualTo(ALLOW);
        assertThat(back.path("latestVersion").asInt()).isEqualTo(2);

        assertError(node.adminAs(ownerA, "POST", "/admin/policies/" + id + "/rollback", j("{'version':9}")), 400,
                "validation_failed", "version");
        assertError(node.adminAs(ownerA, "POST", "/admin/policies/" + id + "/rollback", "{}"), 400,
                "validation_failed", "version");
        assertError(node.adminAs(ownerA, "GET", "/admin/policies/" + id + "/versions/9", null), 404, "not_found",
                null);
        assertThat(get(id)).isEqualTo(back);
    }

    @Test
    void aVersionThatDoesNotCompileIsRefusedWithItsLineAndColumn() {
        JsonNode fields = assertError(create(ownerA, "'name':'" + name() + "','teamId':'" + teamA + "','source':'"
                + BROKEN + "'"), 400, "validation_failed", "source");
        assertThat(fields.path("source").asText()).contains("line 2");

        String id = policyOfA(name());
        JsonNode before = get(id);
        JsonNode v = assertError(node.adminAs(ownerA, "POST", "/admin/policies/" + id + "/versions",
                j("{'source':'" + BROKEN + "'}")), 400, "validation_failed", "source");
        assertThat(v.path("source").asText()).contains("line 2", "column");
        assertThat(get(id)).isEqualTo(before);
    }

    @Test
    void invalidFieldsAreNamedAndNothingIsCreated() {
        int before = list(ownerA).size();
        String team = "'teamId':'" + teamA + "',";
        assertError(create(ownerA, team + "'name':'Bad Name'"), 400, "validation_failed", "name");
        assertError(node.adminAs(ownerA, "POST", "/admin/policies", j("{" + team + "'name':'" + name() + "'}")), 400,
                "validation_failed", "source");
        assertError(create(ownerA, team + "'name':'" + name() + "','timeoutMs':0"), 400, "validation_failed",
                "timeoutMs");
        assertError(create(ownerA, team + "'name':'" + name() + "','timeoutMs':86400000"), 400, "validation_failed",
                "timeoutMs");
        assertError(create(ownerA, team + "'name':'" + name() + "','config':[1]"), 400, "validation_failed",
                "config");
        assertError(create(ownerA, team + "'name':'" + name() + "','priority':-1"), 400, "validation_failed",
                "priority");
        assertError(create(ownerA, team + "'name':'" + name() + "','failOpen':'yes'"), 400, "validation_failed",
                "failOpen");
        assertError(create(ownerA, team + "'name':'" + name() + "','enabled':true"), 400, "validation_failed",
                "enabled");
        assertError(create(ownerA, team + "'name':'" + name() + "','attachments':[{'scope':'everywhere'}]"), 400,
                "validation_failed", "attachments[0].scope");
        assertError(create(ownerA, team + "'name':'" + name() + "','attachments':[{'scope':'service'}]"), 400,
                "validation_failed", "attachments[0].targetId");
        assertError(create(ownerA, team + "'name':'" + name() + "','attachments':[{'scope':'service','targetId':"
                + "'svc-nope'}]"), 400, "validation_failed", "attachments[0].targetId");
        assertThat(list(ownerA)).hasSize(before);
    }

    @Test
    void aTakenNameIsAConflict() {
        String name = name();
        String id = policyOfA(name);
        assertError(create(ownerB, "'name':'" + name + "','teamId':'" + teamB + "'"), 409, "conflict", null);
        String other = policyOfA(name());
        JsonNode before = get(other);
        assertError(node.adminAs(ownerA, "PUT", "/admin/policies/" + other, j("{'name':'" + name + "'}")), 409,
                "conflict", null);
        assertThat(get(other)).isEqualTo(before);
        assertThat(get(id).path("name").asText()).isEqualTo(name);
    }

    @Test
    void settingsChangeWithoutTouchingTheSource() {
        String id = policyOfA(name());
        String renamed = name();
        JsonNode after = expect(node.adminAs(ownerA, "PUT", "/admin/policies/" + id, j("{'name':'" + renamed
                + "','description':'why','failOpen':true,'timeoutMs':50,'readsBody':true,'config':{'max':3},"
                + "'priority':1}")), 200);
        assertThat(after.path("name").asText()).isEqualTo(renamed);
        assertThat(after.path("description").asText()).isEqualTo("why");
        assertThat(after.path("timeoutMs").asInt()).isEqualTo(50);
        assertThat(after.at("/config/max").asInt()).isEqualTo(3);
        assertThat(after.path("activeVersion").asInt()).isEqualTo(1);
        assertThat(after.path("source").asText()).isEqualTo(ALLOW);

        JsonNode cleared = expect(node.adminAs(ownerA, "PUT", "/admin/policies/" + id,
                j("{'description':null,'timeoutMs':null}")), 200);
        assertThat(cleared.path("description").isNull()).isTrue();
        assertThat(cleared.path("timeoutMs").isNull()).isTrue();
        assertThat(cleared.path("priority").asInt()).as("left out: kept").isEqualTo(1);

        assertError(node.adminAs(ownerA, "PUT", "/admin/policies/" + id, j("{'source':'" + ALLOW_2 + "'}")), 400,
                "validation_failed", "source");
        assertError(node.adminAs(memberA, "PUT", "/admin/policies/" + id, j("{'priority':5}")), 403, "forbidden",
                null);
        assertThat(get(id)).isEqualTo(cleared);
    }

    @Test
    void attachAndDetachAreIdempotent() {
        String id = policyOfA(name());
        JsonNode once = expect(attach(ownerA, id, "attach", "'scope':'service','targetId':'" + serviceA + "'"), 200);
        JsonNode twice = expect(attach(ownerA, id, "attach", "'scope':'service','targetId':'" + serviceA + "'"), 200);
        assertThat(twice).isEqualTo(once);
        assertThat(once.path("attachments")).hasSize(1);

        JsonNode team = expect(attach(ownerA, id, "attach", "'scope':'team'"), 200);
        assertThat(team.at("/attachments/1/scope").asText()).isEqualTo("team");
        assertThat(team.at("/attachments/1/targetId").asText()).as("its own team").isEqualTo(teamA);

        JsonNode detached = expect(attach(ownerA, id, "detach", "'scope':'service','targetId':'" + serviceA + "'"),
                200);
        assertThat(detached.path("attachments")).hasSize(1);
        assertThat(expect(attach(ownerA, id, "detach", "'scope':'service','targetId':'" + serviceA + "'"), 200))
                .isEqualTo(detached);
        assertThat(expect(attach(ownerA, id, "detach", "'scope':'team','targetId':'" + teamA + "'"), 200)
                .path("attachments")).isEmpty();
        assertError(attach(memberA, id, "attach", "'scope':'team'"), 403, "forbidden", null);
    }

    @Test
    void aTeamPolicyAttachesOnlyToItsOwnTeamAndServices() {
        String id = policyOfA(name());
        JsonNode before = get(id);
        JsonNode other = assertError(attach(ownerA, id, "attach", "'scope':'service','targetId':'" + serviceB + "'"),
                400, "validation_failed", "targetId");
        JsonNode missing = assertError(attach(ownerA, id, "attach", "'scope':'service','targetId':'svc-nope'"), 400,
                "validation_failed", "targetId");
        assertThat(other.path("targetId").asText().replace(serviceB, "X"))
                .as("another team's service answers like a missing one")
                .isEqualTo(missing.path("targetId").asText().replace("svc-nope", "X"));
        assertError(attach(ownerA, id, "attach", "'scope':'service','targetId':'" + serviceSys + "'"), 400,
                "validation_failed", "targetId");
        assertError(attach(ownerA, id, "attach", "'scope':'team','targetId':'" + teamB + "'"), 400,
                "validation_failed", "targetId");
        assertError(attach(ownerA, id, "attach", "'scope':'global'"), 403, "forbidden", null);
        assertError(node.admin("POST", "/admin/policies/" + id + "/attach", j("{'scope':'global'}")), 400,
                "validation_failed", "scope");
        assertThat(get(id)).isEqualTo(before);
    }

    @Test
    void systemPoliciesAreForSystemAdminsOnly() {
        int before = list(ownerA).size();
        assertError(create(ownerA, "'name':'" + name() + "'"), 403, "forbidden", null);
        assertError(create(ownerA, "'name':'" + name() + "','teamId':'" + teamA + "','attachments':[{'scope':"
                + "'global'}]"), 403, "forbidden", null);
        assertThat(list(ownerA)).hasSize(before);

        String id = expect(create(TestNode.TOKEN, "'name':'" + name() + "','attachments':[{'scope':'global'},"
                + "{'scope':'service','targetId':'" + serviceB + "'}]"), 201).path("id").asText();
        assertThat(get(id).path("attachments")).hasSize(2);
        assertError(create(TestNode.TOKEN, "'name':'" + name() + "','attachments':[{'scope':'team'}]"), 400,
                "validation_failed", "attachments[0].targetId");
        assertError(node.adminAs(ownerA, "GET", "/admin/policies/" + id, null), 404, "not_found", null);
        assertError(node.adminAs(ownerA, "DELETE", "/admin/policies/" + id, null), 404, "not_found", null);
        assertThat(list(ownerA).toString()).doesNotContain(id);
    }

    @Test
    void anotherTeamCannotSeeOrChangeAPolicy() {
        String id = policyOfA(name());
        JsonNode before = get(id);
        List<String[]> routes = List.of(
                new String[]{"GET", "/admin/policies/" + id, null},
                new String[]{"GET", "/admin/policies/" + id + "/versions/1", null},
                new String[]{"PUT", "/admin/policies/" + id, j("{'priority':1}")},
                new String[]{"POST", "/admin/policies/" + id + "/versions", j("{'source':'" + ALLOW_2 + "'}")},
                new String[]{"POST", "/admin/policies/" + id + "/rollback", j("{'version':1}")},
                new String[]{"POST", "/admin/policies/" + id + "/attach", j("{'scope':'team'}")},
                new String[]{"POST", "/admin/policies/" + id + "/detach", j("{'scope':'team'}")},
                new String[]{"DELETE", "/admin/policies/" + id, null});
        for (String[] r : routes) {
            HttpResponse<String> real = node.adminAs(ownerB, r[0], r[1], r[2]);
            assertThat(real.statusCode()).as(r[0] + " " + r[1] + ": " + real.body()).isEqualTo(404);
            assertThat(real.body()).contains("\"code\":\"not_found\"");
            HttpResponse<String> missing = node.adminAs(ownerB, r[0], r[1].replace(id, "pol-nope"), r[2]);
            assertThat(missing.statusCode()).as("same answer as a missing id: " + r[1]).isEqualTo(404);
        }
        assertThat(list(ownerB).toString()).doesNotContain(id);
        assertError(create(ownerB, "'name':'" + name() + "','teamId':'" + teamA + "'"), 404, "not_found", null);
        assertThat(get(id)).isEqualTo(before);
    }

    @Test
    void everyChangeIsAuditedWithVersionNumbersNotSources() {
        String id = policyOfA(name());
        expect(node.adminAs(ownerA, "PUT", "/admin/policies/" + id, j("{'priority':3}")), 200);
        expect(node.adminAs(ownerA, "POST", "/admin/policies/" + id + "/versions", j("{'source':'" + ALLOW_2
                + "'}")), 201);
        expect(node.adminAs(ownerA, "POST", "/admin/policies/" + id + "/rollback", j("{'version':1}")), 200);
        expect(attach(ownerA, id, "attach", "'scope':'team'"), 200);
        expect(attach(ownerA, id, "detach", "'scope':'team'"), 200);
        HttpResponse<String> deleted = node.adminAs(ownerA, "DELETE", "/admin/policies/" + id, null);
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertError(node.adminAs(ownerA, "GET", "/admin/policies/" + id, null), 404, "not_found", null);

        JsonNode audit = expect(node.adminAs(ownerA, "GET", "/admin/audit?target=" + id, null), 200).path("data");
        List<String> actions = new ArrayList<>();
        audit.forEach(e -> actions.add(e.path("action").asText() + " by " + e.path("actorId").asText() + " in "
                + e.path("teamId").asText()));
        assertThat(actions).containsExactlyInAnyOrder("policy.create by u-aown in " + teamA,
                "policy.update by u-aown in " + teamA, "policy.version by u-aown in " + teamA,
                "policy.rollback by u-aown in " + teamA, "policy.attach by u-aown in " + teamA,
                "policy.detach by u-aown in " + teamA, "policy.delete by u-aown in " + teamA);
        assertThat(audit.toString()).doesNotContain("context.allow");
        audit.forEach(e -> {
            if (e.path("action").asText().equals("policy.version")) {
                assertThat(e.at("/before/activeVersion").asInt()).isEqualTo(1);
                assertThat(e.at("/after/activeVersion").asInt()).isEqualTo(2);
                assertThat(e.at("/after/versions").toString()).isEqualTo("[1,2]");
            }
        });
    }

    @Test
    void validateRunsTheSamplesAndStoresNothing() {
        int before = list(ownerA).size();
        // Trials take CPU on a shared thread: only those who may write policies run them.
        assertError(node.adminAs(memberA, "POST", "/admin/policies/validate", j("{'source':'" + ALLOW
                + "','samples':[{}]}")), 403, "forbidden", null);
        // A trial's first calls run cold; they get the load time limit, not the 5 ms default.
        JsonNode ok = expect(node.adminAs(ownerA, "POST", "/admin/policies/validate", j("{'source':'" + ALLOW
                + "','samples':[{'method':'GET','path':'/a/x'}]}")), 200);
        assertThat(ok.path("valid").asBoolean()).as(ok.toString()).isTrue();
        assertThat(ok.has("error")).isFalse();
        assertThat(ok.at("/results/0/decision").asText()).as(ok.toString()).isEqualTo("allow");

        JsonNode broken = expect(node.adminAs(ownerA, "POST", "/admin/policies/validate", j("{'source':'" + BROKEN
                + "','samples':[{}]}")), 200);
        assertThat(broken.path("valid").asBoolean()).isFalse();
        assertThat(broken.at("/error/line").asInt()).isEqualTo(2);
        assertThat(broken.at("/error/message").asText()).isNotBlank();
        assertThat(list(ownerA)).hasSize(before);
    }

    @Test
    void validateRefusesAMissingSourceAndTooManySamples() {
        assertError(node.adminAs(ownerA, "POST", "/admin/policies/validate", j("{'samples':[]}")), 400,
                "validation_failed", "source");
        String samples = String.join(",", java.util.Collections.nCopies(21, "{}"));
        assertError(node.adminAs(ownerA, "POST", "/admin/policies/validate", j("{'source':'" + ALLOW
                + "','samples':[" + samples + "]}")), 400, "validation_failed", "samples");
        assertError(node.adminAs(ownerA, "POST", "/admin/policies/validate", j("{'source':'" + ALLOW
                + "','samples':[1]}")), 400, "validation_failed", "samples[0]");
        assertError(node.adminAs(ownerA, "POST", "/admin/policies/validate", j("{'source':'" + ALLOW
                + "','timeoutMs':0}")), 400, "validation_failed", "timeoutMs");
    }

    // --- helpers ---

    static String j(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    static String name() {
        return "pol-" + NAMES.incrementAndGet();
    }

    /** POST /admin/policies with {@code fields} (single-quoted) and, unless they say otherwise, {@link #ALLOW}. */
    static HttpResponse<String> create(String token, String fields) {
        String source = fields.contains("'source'") ? "" : ",'source':'" + ALLOW + "'";
        return node.adminAs(token, "POST", "/admin/policies", j("{" + fields + source + "}"));
    }

    static String policyOfA(String name) {
        return expect(create(ownerA, "'name':'" + name + "','teamId':'" + teamA + "'"), 201).path("id").asText();
    }

    static HttpResponse<String> attach(String token, String id, String action, String fields) {
        return node.adminAs(token, "POST", "/admin/policies/" + id + "/" + action, j("{" + fields + "}"));
    }

    static JsonNode get(String id) {
        return expect(node.admin("GET", "/admin/policies/" + id, null), 200);
    }

    static JsonNode list(String token) {
        return expect(node.adminAs(token, "GET", "/admin/policies", null), 200).path("data");
    }

    static String id(HttpResponse<String> r) {
        return json(r).path("id").asText();
    }

    static JsonNode expect(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return json(r);
    }

    /** Asserts the error status and code (and that {@code field} is named); returns the error's fields. */
    static JsonNode assertError(HttpResponse<String> r, int status, String code, String field) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode error = json(r).path("error");
        assertThat(error.path("code").asText()).as(r.body()).isEqualTo(code);
        if (field != null) {
            assertThat(error.path("fields").has(field)).as(r.body()).isTrue();
        }
        return error.path("fields");
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
