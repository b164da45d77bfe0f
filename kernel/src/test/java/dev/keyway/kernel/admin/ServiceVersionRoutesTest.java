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
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Services with versions side by side, each version's lifecycle (draft → published → deprecated → retired), and the
 * service's OpenAPI document, as a team's owner, member and an outsider see them.
 */
class ServiceVersionRoutesTest {
    private static final String UP = "http://192.0.2.10";
    private static final String FUTURE = Instant.now().plus(400, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS)
            .toString();

    @TempDir
    static Path tmp;
    static TestNode node;
    static String teamA;
    static String teamB;
    static String owner;
    static String member;
    static String outsider;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(tmp.resolve("data"), Files.createDirectories(tmp.resolve("plugins")), Map.of());
        Seeds seeds = new Seeds(node);
        seeds.user("u-own", User.Role.USER);
        seeds.user("u-mem", User.Role.USER);
        seeds.user("u-out", User.Role.USER);
        teamA = json(node.admin("POST", "/admin/teams", j("{'name':'A','owner':'u-own'}"))).path("id").asText();
        teamB = json(node.admin("POST", "/admin/teams", j("{'name':'B','owner':'u-out'}"))).path("id").asText();
        node.admin("PUT", "/admin/teams/" + teamA + "/members/u-mem", j("{'role':'member'}"));
        owner = seeds.session("u-own");
        member = seeds.session("u-mem");
        outsider = seeds.session("u-out");
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void createsAServiceWithTwoVersionsSideBySide() {
        JsonNode created = expect(node.adminAs(owner, "POST", "/admin/services", j("{'name':'orders','teamId':'"
                + teamA + "','description':'Orders','tags':['shop','orders'],'visibility':'public',"
                + "'approval':'auto','versions':[{'version':'v1','pathPrefix':'/orders/v1','upstreams':['" + UP
                + "'],'lifecycle':'published'},{'version':'v2','pathPrefix':'/orders/v2','upstreams':["
                + "'http://192.0.2.11:8080'],'readTimeoutMs':1000}]}")), 201);
        assertThat(created.path("visibility").asText()).isEqualTo("public");
        assertThat(created.path("approval").asText()).isEqualTo("auto");
        assertThat(created.path("tags").toString()).isEqualTo("[\"shop\",\"orders\"]");
        assertThat(versions(created)).containsExactly("v1:/orders/v1:published", "v2:/orders/v2:draft");
        assertThat(created.at("/versions/1/readTimeoutMs").asInt()).isEqualTo(1000);
        assertThat(created.at("/versions/1/upstreams/0").asText()).isEqualTo("http://192.0.2.11:8080");
        String id = created.path("id").asText();
        assertThat(service(id)).isEqualTo(created);

        JsonNode added = expect(node.adminAs(owner, "POST", "/admin/services/" + id + "/versions",
                j("{'version':'v3','pathPrefix':'/orders/v3','upstreams':['" + UP + "']}")), 201);
        assertThat(versions(added)).containsExactly("v1:/orders/v1:published", "v2:/orders/v2:draft",
                "v3:/orders/v3:draft");
        assertThat(service(id)).isEqualTo(added);
    }

    @Test
    void shortFormDefaultsToOneDraftVersionV1WithManualApprovalAndTeamVisibility() {
        JsonNode s = expect(node.adminAs(owner, "POST", "/admin/services", j("{'name':'short','teamId':'" + teamA
                + "','pathPrefix':'/short','upstreams':['" + UP + "']}")), 201);
        assertThat(versions(s)).containsExactly("v1:/short:draft");
        assertThat(s.path("approval").asText()).isEqualTo("manual");
        assertThat(s.path("visibility").asText()).isEqualTo("team");
        assertThat(s.path("kind").asText()).isEqualTo("rest");
        assertThat(s.path("tags").size()).isZero();
        JsonNode v = s.at("/versions/0");
        assertThat(v.path("connectTimeoutMs").asInt()).isEqualTo(5_000);
        assertThat(v.path("readTimeoutMs").asInt()).isEqualTo(60_000);
        assertThat(v.path("retries").asInt()).isEqualTo(1);
        assertThat(v.path("successor").isNull()).isTrue();
    }

    @Test
    void reportsEveryInvalidFieldByNameIncludingNestedVersionFields() {
        int before = serviceCount();
        HttpResponse<String> r = node.adminAs(owner, "POST", "/admin/services", j("{'name':'bad','teamId':'" + teamA
                + "','visibility':'secret','tags':['Not A Tag'],'versions':[{'version':'v1','pathPrefix':'orders',"
                + "'upstreams':['ftp://192.0.2.10']},{'pathPrefix':'/bad/v2','upstreams':['" + UP + "'],"
                + "'lifecycle':'retired','colour':'red'}]}"));
        assertThat(fieldErrors(r)).containsOnlyKeys("visibility", "tags", "versions[0].pathPrefix",
                "versions[0].upstreams", "versions[1].version", "versions[1].lifecycle", "versions[1].colour");
        assertThat(fieldErrors(node.adminAs(owner, "POST", "/admin/services", j("{'name':'both','teamId':'" + teamA
                + "','pathPrefix':'/both','versions':[{'version':'v1','pathPrefix':'/both','upstreams':['" + UP
                + "']}]}")))).containsOnlyKeys("versions");
        assertThat(fieldErrors(node.adminAs(owner, "POST", "/admin/services", j("{'name':'none','teamId':'" + teamA
                + "','versions':[]}")))).containsOnlyKeys("versions");
        assertThat(fieldErrors(node.adminAs(owner, "POST", "/admin/services", j("{'teamId':'" + teamA + "'}"))))
                .containsOnlyKeys("name", "pathPrefix", "upstreams");
        assertThat(fieldErrors(node.adminAs(owner, "POST", "/admin/services", j("{'name':'ai','teamId':'" + teamA
                + "','pathPrefix':'/v1/chat','upstreams':['" + UP + "']}")))).containsOnlyKeys("pathPrefix");
        assertThat(serviceCount()).isEqualTo(before);
    }

    @Test
    void refusesDuplicateVersionNamesAndPrefixesWithinAService() {
        int before = serviceCount();
        assertThat(fieldErrors(node.adminAs(owner, "POST", "/admin/services", j("{'name':'dup','teamId':'" + teamA
                + "','versions':[{'version':'v1','pathPrefix':'/dup/a','upstreams':['" + UP + "']},{'version':'v1',"
                + "'pathPrefix':'/dup/b','upstreams':['" + UP + "']}]}")))).containsOnlyKeys("versions");
        assertThat(fieldErrors(node.adminAs(owner, "POST", "/admin/services", j("{'name':'dup','teamId':'" + teamA
                + "','versions':[{'version':'v1','pathPrefix':'/dup','upstreams':['" + UP + "']},{'version':'v2',"
                + "'pathPrefix':'/dup','upstreams':['" + UP + "']}]}")))).containsOnlyKeys("versions");
        assertThat(serviceCount()).isEqualTo(before);

        String id = create("dup-add", "{'version':'v1','pathPrefix':'/dup-add/v1','upstreams':['" + UP + "']}");
        JsonNode stored = service(id);
        assertError(node.adminAs(owner, "POST", "/admin/services/" + id + "/versions", j("{'version':'v1',"
                + "'pathPrefix':'/dup-add/other','upstreams':['" + UP + "']}")), 409, "conflict");
        assertThat(service(id)).isEqualTo(stored);
        // A second version under the same prefix would make routing ambiguous, exactly as in the full form above.
        assertError(node.adminAs(owner, "POST", "/admin/services/" + id + "/versions", j("{'version':'v2',"
                + "'pathPrefix':'/dup-add/v1','upstreams':['" + UP + "']}")), 409, "conflict");
        assertThat(service(id)).isEqualTo(stored);
    }

    @Test
    void aPrefixUsedByAnotherServicesVersionIsAConflict() {
        String pay = create("pay", "{'version':'v1','pathPrefix':'/pay/v1','upstreams':['" + UP + "']},"
                + "{'version':'v2','pathPrefix':'/pay/v2','upstreams':['" + UP + "']}");
        String other = create("pay-other", "{'version':'v1','pathPrefix':'/pay-other','upstreams':['" + UP + "']}");
        int before = serviceCount();
        HttpResponse<String> r = node.adminAs(owner, "POST", "/admin/services", j("{'name':'pay-copy','teamId':'"
                + teamA + "','pathPrefix':'/pay/v2','upstreams':['" + UP + "']}"));
        assertError(r, 409, "conflict");
        assertThat(r.body()).contains("/pay/v2", pay);
        HttpResponse<String> foreign = node.adminAs(outsider, "POST", "/admin/services", j("{'name':'pay-b',"
                + "'pathPrefix':'/pay/v1','upstreams':['" + UP + "'],'teamId':'" + teamB + "'}"));
        assertError(foreign, 409, "conflict");
        assertThat(foreign.body()).contains("another team").doesNotContain(pay);
        assertThat(serviceCount()).isEqualTo(before);
        JsonNode stored = service(other);
        assertError(node.adminAs(owner, "POST", "/admin/services/" + other + "/versions", j("{'version':'v2',"
                + "'pathPrefix':'/pay/v1','upstreams':['" + UP + "']}")), 409, "conflict");
        assertThat(service(other)).isEqualTo(stored);
    }

    @Test
    void movesThroughEveryAllowedLifecycleStateAndAuditsEachMove() {
        String id = create("life", version("v1", "/life/v1", null) + "," + version("v2", "/life/v2", null) + ","
                + version("v3", "/life/v3", null));
        assertThat(moveOk(id, "v1", "{'state':'published','comment':'go live'}").at("/versions/0/lifecycle")
                .asText()).isEqualTo("published");
        moveOk(id, "v2", "{'state':'published'}");
        JsonNode deprecated = moveOk(id, "v1", "{'state':'deprecated','successor':'v2','sunsetAt':'" + FUTURE
                + "','comment':'moving to v2'}").at("/versions/0");
        assertThat(deprecated.path("lifecycle").asText()).isEqualTo("deprecated");
        assertThat(deprecated.path("successor").asText()).isEqualTo("v2");
        assertThat(Instant.parse(deprecated.path("sunsetAt").asText())).isEqualTo(Instant.parse(FUTURE));
        assertThat(deprecated.path("deprecatedAt").isTextual()).isTrue();
        JsonNode back = moveOk(id, "v1", "{'state':'published','comment':'too early'}").at("/versions/0");
        assertThat(back.path("lifecycle").asText()).isEqualTo("published");
        assertThat(back.path("successor").isNull()).isTrue();
        assertThat(back.path("sunsetAt").isNull()).isTrue();
        assertThat(back.path("deprecatedAt").isNull()).isTrue();
        moveOk(id, "v1", "{'state':'deprecated','successor':'v2'}");
        JsonNode retired = moveOk(id, "v1", "{'state':'retired'}").at("/versions/0");
        assertThat(retired.path("lifecycle").asText()).isEqualTo("retired");
        assertThat(retired.path("successor").asText()).as("retiring keeps the successor").isEqualTo("v2");
        moveOk(id, "v3", "{'state':'published'}");
        JsonNode direct = moveOk(id, "v2", "{'state':'retired','successor':'v3','comment':'straight out'}");
        assertThat(versions(direct)).containsExactly("v1:/life/v1:retired", "v2:/life/v2:retired",
                "v3:/life/v3:published");
        assertThat(direct.at("/versions/1/successor").asText()).isEqualTo("v3");
        assertThat(service(id)).isEqualTo(direct);

        JsonNode audit = expect(node.adminAs(owner, "GET", "/admin/audit?target=" + id
                + "&action=service.version.lifecycle", null), 200).path("data");
        List<String> moves = new ArrayList<>();
        audit.forEach(e -> moves.add(e.at("/after/version").asText() + ":" + e.at("/after/from").asText() + ">"
                + e.at("/after/to").asText() + ":" + e.at("/after/comment").asText("-")));
        assertThat(moves).containsExactlyInAnyOrder("v2:published>retired:straight out", "v3:draft>published:-",
                "v1:deprecated>retired:-", "v1:published>deprecated:-", "v1:deprecated>published:too early",
                "v1:published>deprecated:moving to v2", "v2:draft>published:-", "v1:draft>published:go live");
        audit.forEach(e -> assertThat(e.path("actorId").asText()).isEqualTo("u-own"));
        assertThat(expect(node.adminAs(owner, "GET", "/admin/audit?target=" + id + "&action=service.version.deprecated",
                null), 200).path("data").size()).isEqualTo(2);
    }

    @Test
    void refusesMovesTheLifecycleDoesNotAllow() {
        String id = create("stuck", version("d", "/stuck/d", null) + "," + version("p", "/stuck/p", "published")
                + "," + version("r", "/stuck/r", "published"));
        moveOk(id, "r", "{'state':'retired'}");
        JsonNode stored = service(id);
        for (String[] refused : new String[][]{{"d", "deprecated"}, {"d", "retired"}, {"p", "draft"},
                {"p", "published"}, {"r", "published"}, {"r", "deprecated"}, {"r", "draft"}}) {
            HttpResponse<String> r = move(owner, id, refused[0], "{'state':'" + refused[1] + "'}");
            assertError(r, 409, "invalid_transition");
            assertThat(service(id)).as(refused[0] + " → " + refused[1]).isEqualTo(stored);
        }
        assertThat(fieldErrors(move(owner, id, "p", "{'state':'gone'}"))).containsOnlyKeys("state");
        assertThat(fieldErrors(move(owner, id, "p", "{'comment':'no state'}"))).containsOnlyKeys("state");
        assertError(move(owner, id, "v9", "{'state':'published'}"), 404, "not_found");
        assertThat(service(id)).isEqualTo(stored);
    }

    @Test
    void aSuccessorMustBeAnotherPublishedVersion() {
        String id = create("succ", version("v1", "/succ/v1", "published") + "," + version("v2", "/succ/v2", null)
                + "," + version("v3", "/succ/v3", "published"));
        JsonNode stored = service(id);
        for (String body : List.of("{'state':'deprecated','successor':'v2'}", "{'state':'deprecated','successor':'v1'}",
                "{'state':'deprecated','successor':'v7'}", "{'state':'retired','successor':'v2'}")) {
            assertThat(fieldErrors(move(owner, id, "v1", body))).as(body).containsOnlyKeys("successor");
        }
        assertThat(fieldErrors(move(owner, id, "v2", "{'state':'published','successor':'v1'}")))
                .containsOnlyKeys("successor");
        assertThat(service(id)).isEqualTo(stored);
        assertThat(moveOk(id, "v1", "{'state':'deprecated','successor':'v3'}").at("/versions/0/successor").asText())
                .isEqualTo("v3");
    }

    @Test
    void aSunsetGoesOnlyWithDeprecatedAndInTheFuture() {
        String id = create("sunset", version("v1", "/sunset/v1", "published") + ","
                + version("v2", "/sunset/v2", "published"));
        JsonNode stored = service(id);
        assertThat(fieldErrors(move(owner, id, "v1", "{'state':'deprecated','sunsetAt':'2001-01-01T00:00:00Z'}")))
                .containsOnlyKeys("sunsetAt");
        assertThat(fieldErrors(move(owner, id, "v1", "{'state':'deprecated','sunsetAt':'next tuesday'}")))
                .containsOnlyKeys("sunsetAt");
        assertThat(fieldErrors(move(owner, id, "v1", "{'state':'retired','sunsetAt':'" + FUTURE + "'}")))
                .containsOnlyKeys("sunsetAt");
        assertThat(service(id)).isEqualTo(stored);
        assertThat(moveOk(id, "v1", "{'state':'deprecated','sunsetAt':'" + FUTURE + "'}").at("/versions/0/sunsetAt")
                .asText()).isNotEmpty();
    }

    @Test
    void putCannotChangeALifecycleButKeepsEveryState() {
        String id = create("keep", version("v1", "/keep/v1", "published") + "," + version("v2", "/keep/v2",
                "published") + "," + version("v3", "/keep/v3", null));
        moveOk(id, "v1", "{'state':'deprecated','successor':'v2','sunsetAt':'" + FUTURE + "'}");
        JsonNode stored = service(id);
        HttpResponse<String> r = node.adminAs(owner, "PUT", "/admin/services/" + id, j("{'name':'keep','teamId':'"
                + teamA + "','versions':[" + version("v1", "/keep/v1", null) + "," + version("v2", "/keep/v2",
                "published") + "," + version("v3", "/keep/v3", "published") + "]}"));
        assertThat(fieldErrors(r)).containsOnlyKeys("versions[2].lifecycle");
        assertThat(fieldErrors(r).get("versions[2].lifecycle").asText())
                .contains("POST /admin/services/{id}/versions/v3/lifecycle");
        assertThat(service(id)).isEqualTo(stored);

        JsonNode edited = expect(node.adminAs(owner, "PUT", "/admin/services/" + id, j("{'name':'keep','teamId':'"
                + teamA + "','description':'edited','versions':[" + version("v1", "/keep/v1", null) + ","
                + version("v2", "/keep/v2", null) + "," + version("v3", "/keep/v3", null) + "]}")), 200);
        assertThat(edited.path("description").asText()).isEqualTo("edited");
        assertThat(versions(edited)).containsExactly("v1:/keep/v1:deprecated", "v2:/keep/v2:published",
                "v3:/keep/v3:draft");
        assertThat(edited.at("/versions/0/successor").asText()).isEqualTo("v2");
        assertThat(edited.at("/versions/0/sunsetAt")).isEqualTo(stored.at("/versions/0/sunsetAt"));
        assertThat(edited.at("/versions/0/deprecatedAt")).isEqualTo(stored.at("/versions/0/deprecatedAt"));

        JsonNode noTeam = expect(node.adminAs(owner, "PUT", "/admin/services/" + id, j("{'name':'keep','versions':["
                + version("v1", "/keep/v1", null) + "," + version("v2", "/keep/v2", null) + "," + version("v3",
                "/keep/v3", null) + "]}")), 200);
        assertThat(noTeam.path("teamId").asText()).as("leaving teamId out keeps the owner").isEqualTo(teamA);

        String single = create("keep-one", version("v1", "/keep-one", "published"));
        assertThat(fieldErrors(node.adminAs(owner, "PUT", "/admin/services/" + single, j("{'name':'keep-one',"
                + "'teamId':'" + teamA + "','pathPrefix':'/keep-one','upstreams':['" + UP + "'],"
                + "'lifecycle':'retired'}")))).containsOnlyKeys("lifecycle");
        assertThat(versions(service(single))).containsExactly("v1:/keep-one:published");
    }

    @Test
    void putMayDropDraftVersionsOnly() {
        String id = create("drop", version("v1", "/drop/v1", "published") + "," + version("v2", "/drop/v2",
                "published") + "," + version("v3", "/drop/v3", null) + "," + version("v4", "/drop/v4", "published"));
        moveOk(id, "v2", "{'state':'deprecated'}");
        moveOk(id, "v4", "{'state':'retired'}");
        JsonNode stored = service(id);
        for (String kept : List.of(version("v2", "/drop/v2", null), version("v1", "/drop/v1", null))) {
            HttpResponse<String> r = node.adminAs(owner, "PUT", "/admin/services/" + id, j("{'name':'drop',"
                    + "'teamId':'" + teamA + "','versions':[" + kept + "]}"));
            assertError(r, 409, "conflict");
            assertThat(service(id)).isEqualTo(stored);
        }
        HttpResponse<String> retired = node.adminAs(owner, "PUT", "/admin/services/" + id, j("{'name':'drop',"
                + "'teamId':'" + teamA + "','versions':[" + version("v1", "/drop/v1", null) + "," + version("v2",
                "/drop/v2", null) + "," + version("v3", "/drop/v3", null) + "]}"));
        assertError(retired, 409, "conflict");
        assertThat(retired.body()).as("retired versions stay, answering 410").contains("v4 is retired");
        JsonNode after = expect(node.adminAs(owner, "PUT", "/admin/services/" + id, j("{'name':'drop','teamId':'"
                + teamA + "','versions':[" + version("v1", "/drop/v1", null) + "," + version("v2", "/drop/v2", null)
                + "," + version("v4", "/drop/v4", null) + "]}")), 200);
        assertThat(versions(after)).containsExactly("v1:/drop/v1:published", "v2:/drop/v2:deprecated",
                "v4:/drop/v4:retired");
    }

    @Test
    void openApiDocumentsRoundTripAsJsonAndYaml() {
        String id = create("docs", version("v1", "/docs", "published"));
        String jsonDoc = "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"Docs\",\"version\":\"1\"},\"paths\":{}}";
        assertThat(raw(owner, "PUT", id, "application/json", jsonDoc).statusCode()).isEqualTo(204);
        HttpResponse<String> got = raw(owner, "GET", id, null, null);
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("application/json"));
        assertThat(got.body()).isEqualTo(jsonDoc);

        String yamlDoc = "openapi: 3.1.0\ninfo:\n  title: Docs\n  version: '2'\npaths: {}\n";
        assertThat(raw(owner, "PUT", id, "application/yaml", yamlDoc).statusCode()).isEqualTo(204);
        got = raw(member, "GET", id, null, null);
        assertThat(got.statusCode()).as("members read the document").isEqualTo(200);
        assertThat(got.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("application/yaml"));
        assertThat(got.body()).isEqualTo(yamlDoc);

        assertThat(raw(owner, "DELETE", id, null, null).statusCode()).isEqualTo(204);
        assertError(raw(owner, "GET", id, null, null), 404, "not_found");
    }

    @Test
    void openApiRefusesInvalidDocumentsOtherMediaTypesAndOtherTeams() {
        String id = create("docs-bad", version("v1", "/docs-bad", "published"));
        String doc = "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"T\",\"version\":\"1\"},\"paths\":{}}";
        assertThat(raw(owner, "PUT", id, "application/json", doc).statusCode()).isEqualTo(204);
        assertThat(fieldErrors(raw(owner, "PUT", id, "application/json", "{\"info\":{}}"))).containsOnlyKeys("body");
        assertError(raw(owner, "PUT", id, "application/json", "{\"openapi\":"), 400, "invalid_json");
        assertThat(fieldErrors(raw(owner, "PUT", id, "application/yaml", "info:\n  title: T\n")))
                .containsOnlyKeys("body");
        assertError(raw(owner, "PUT", id, "text/plain", "openapi: 3.1.0\n"), 415, "unsupported_media_type");
        for (String method : List.of("GET", "PUT", "DELETE")) {
            HttpResponse<String> r = raw(outsider, method, id, "application/json", method.equals("PUT") ? doc : null);
            assertError(r, 404, "not_found");
        }
        HttpResponse<String> stillThere = raw(owner, "GET", id, null, null);
        assertThat(stillThere.statusCode()).isEqualTo(200);
        assertThat(stillThere.body()).isEqualTo(doc);
    }

    @Test
    void aTeamMemberReadsButCannotChangeVersionsNorTheirLifecycle() {
        String id = create("ro", version("v1", "/ro/v1", null));
        JsonNode stored = service(id);
        assertThat(node.adminAs(member, "GET", "/admin/services/" + id, null).statusCode()).isEqualTo(200);
        assertError(move(member, id, "v1", "{'state':'published'}"), 403, "forbidden");
        assertError(node.adminAs(member, "POST", "/admin/services/" + id + "/versions", j("{'version':'v2',"
                + "'pathPrefix':'/ro/v2','upstreams':['" + UP + "']}")), 403, "forbidden");
        assertError(raw(member, "PUT", id, "application/json", "{\"openapi\":\"3.1.0\"}"), 403, "forbidden");
        assertError(move(outsider, id, "v1", "{'state':'published'}"), 404, "not_found");
        assertThat(service(id)).isEqualTo(stored);
        assertError(raw(owner, "GET", id, null, null), 404, "not_found");
    }

    // --- helpers ---

    /** JSON written with single quotes, for readability. */
    static String j(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    static String version(String name, String prefix, String lifecycle) {
        return "{'version':'" + name + "','pathPrefix':'" + prefix + "','upstreams':['" + UP + "']"
                + (lifecycle == null ? "" : ",'lifecycle':'" + lifecycle + "'") + "}";
    }

    /** Creates a team A service with the given versions (single-quoted JSON objects) as its owner. */
    static String create(String name, String versions) {
        return expect(node.adminAs(owner, "POST", "/admin/services", j("{'name':'" + name + "','teamId':'" + teamA
                + "','versions':[" + versions + "]}")), 201).path("id").asText();
    }

    static HttpResponse<String> move(String token, String id, String version, String body) {
        return node.adminAs(token, "POST", "/admin/services/" + id + "/versions/" + version + "/lifecycle", j(body));
    }

    static JsonNode moveOk(String id, String version, String body) {
        return expect(move(owner, id, version, body), 200);
    }

    static HttpResponse<String> raw(String token, String method, String id, String type, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.admin("/admin/services/" + id + "/openapi"))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", type);
        }
        return node.send(b.build());
    }

    static JsonNode service(String id) {
        return expect(node.admin("GET", "/admin/services/" + id, null), 200);
    }

    static int serviceCount() {
        return expect(node.admin("GET", "/admin/services", null), 200).path("data").size();
    }

    /** "version:prefix:lifecycle" for each version, in order. */
    static List<String> versions(JsonNode service) {
        List<String> out = new ArrayList<>();
        service.path("versions").forEach(v -> out.add(v.path("version").asText() + ":" + v.path("pathPrefix").asText()
                + ":" + v.path("lifecycle").asText()));
        return out;
    }

    static JsonNode expect(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return json(r);
    }

    static void assertError(HttpResponse<String> r, int status, String code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(json(r).at("/error/code").asText()).as(r.body()).isEqualTo(code);
        assertThat(json(r).at("/error/message").asText()).isNotBlank();
    }

    /** The field map of a 400 validation_failed answer. */
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
