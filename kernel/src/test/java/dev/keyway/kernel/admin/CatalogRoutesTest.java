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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /admin/catalog}: what a team may find (its own services and other teams' public ones, each with at
 * least one serving version) and where each of the caller's apps stands with each service.
 */
class CatalogRoutesTest {
    private static final String UP = "http://192.0.2.10";
    private static final String FUTURE = Instant.now().plus(400, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS)
            .toString();

    @TempDir
    static Path tmp;
    static TestNode node;
    static String teamA;
    static String teamB;
    static String ownerA;
    static String ownerB;
    static String appA1;
    static String appA2;
    static String appB;
    static String alphaInternal;
    static String alphaDraft;
    static String betaPublic;
    static String betaSecret;
    static String betaManual;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(tmp.resolve("data"), Files.createDirectories(tmp.resolve("plugins")), Map.of());
        Seeds seeds = new Seeds(node);
        seeds.user("u-ca", User.Role.USER);
        seeds.user("u-cb", User.Role.USER);
        teamA = id(node.admin("POST", "/admin/teams", j("{'name':'Alpha','owner':'u-ca'}")));
        teamB = id(node.admin("POST", "/admin/teams", j("{'name':'Beta','owner':'u-cb'}")));
        ownerA = seeds.session("u-ca");
        ownerB = seeds.session("u-cb");
        appA1 = id(node.admin("POST", "/admin/apps", j("{'teamId':'" + teamA + "','name':'a1'}")));
        appA2 = id(node.admin("POST", "/admin/apps", j("{'teamId':'" + teamA + "','name':'a2'}")));
        appB = id(node.admin("POST", "/admin/apps", j("{'teamId':'" + teamB + "','name':'b1'}")));

        alphaInternal = service(ownerA, teamA, "alpha-internal", "'description':'The LEDGER of record',"
                + "'tags':['internal'],'visibility':'team'", version("v1", "/alpha", "published"));
        alphaDraft = service(ownerA, teamA, "alpha-draft", "'visibility':'public'", version("v1", "/alpha-draft", null));
        betaPublic = service(ownerB, teamB, "beta-public", "'description':'Payments','tags':['payments'],"
                + "'visibility':'public','approval':'auto'", version("v1", "/beta/v1", "published") + ","
                + version("v2", "/beta/v2", "published") + "," + version("v3", "/beta/v3", "published") + ","
                + version("v4", "/beta/v4", null));
        move(ownerB, betaPublic, "v3", "{'state':'retired'}");
        move(ownerB, betaPublic, "v1", "{'state':'deprecated','successor':'v2','sunsetAt':'" + FUTURE + "'}");
        betaSecret = service(ownerB, teamB, "beta-secret", "'description':'ledger copy','tags':['payments']",
                version("v1", "/beta-secret", "published"));
        betaManual = service(ownerB, teamB, "beta-manual", "'tags':['payments','search'],'visibility':'public'",
                version("v1", "/beta-manual", "published"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aTeamSeesItsOwnServicesAndOtherTeamsPublicOnesNeverTheirTeamOnlyOnes() {
        HttpResponse<String> asA = node.adminAs(ownerA, "GET", "/admin/catalog", null);
        assertThat(names(expect(asA, 200))).containsSubsequence("alpha-internal", "beta-manual", "beta-public")
                .doesNotContain("beta-secret");
        assertThat(asA.body()).doesNotContain(betaSecret);
        JsonNode internal = entry(asA, alphaInternal);
        assertThat(internal.path("teamName").asText()).isEqualTo("Alpha");
        assertThat(internal.path("visibility").asText()).isEqualTo("team");
        assertThat(entry(asA, betaManual).path("teamName").asText()).isEqualTo("Beta");
        assertThat(entry(asA, betaManual).path("approval").asText()).isEqualTo("manual");

        HttpResponse<String> asB = node.adminAs(ownerB, "GET", "/admin/catalog", null);
        assertThat(names(expect(asB, 200))).contains("beta-secret", "beta-public", "beta-manual")
                .doesNotContain("alpha-internal");
        assertThat(asB.body()).doesNotContain(alphaInternal);
        assertThat(names(expect(node.admin("GET", "/admin/catalog", null), 200)))
                .as("a system admin finds every serving service").contains("alpha-internal", "beta-secret");
    }

    @Test
    void servicesWithOnlyDraftVersionsAreAbsentUntilOneIsPublished() {
        String draftOnly = service(ownerA, teamA, "alpha-later", "'visibility':'public'",
                version("v1", "/alpha-later", null));
        for (String token : List.of(ownerA, ownerB, TestNode.TOKEN)) {
            HttpResponse<String> r = node.adminAs(token, "GET", "/admin/catalog", null);
            assertThat(names(expect(r, 200))).doesNotContain("alpha-draft", "alpha-later");
            assertThat(r.body()).doesNotContain(alphaDraft, draftOnly);
        }
        move(ownerA, draftOnly, "v1", "{'state':'published'}");
        assertThat(names(expect(node.adminAs(ownerB, "GET", "/admin/catalog", null), 200))).contains("alpha-later");
    }

    @Test
    void listsServingVersionsOnlyAndDeprecatedOnesWithTheirSuccessor() {
        JsonNode beta = entry(node.adminAs(ownerA, "GET", "/admin/catalog", null), betaPublic);
        List<String> versions = new ArrayList<>();
        beta.path("versions").forEach(v -> versions.add(v.path("version").asText() + ":" + v.path("pathPrefix")
                .asText() + ":" + v.path("lifecycle").asText() + ":" + v.path("successor").asText("-")));
        assertThat(versions).containsExactly("v1:/beta/v1:deprecated:v2", "v2:/beta/v2:published:-");
        assertThat(Instant.parse(beta.at("/versions/0/sunsetAt").asText())).isEqualTo(Instant.parse(FUTURE));
        assertThat(beta.at("/versions/1/sunsetAt").isNull()).isTrue();
        assertThat(beta.path("openapi").asBoolean()).isFalse();
    }

    @Test
    void aServiceWhoseLastServingVersionRetiresLeavesTheCatalog() {
        String fading = service(ownerB, teamB, "beta-fading", "'visibility':'public'",
                version("v1", "/beta-fading", "published"));
        move(ownerB, fading, "v1", "{'state':'deprecated'}");
        JsonNode listed = entry(node.adminAs(ownerA, "GET", "/admin/catalog", null), fading);
        assertThat(listed.at("/versions/0/lifecycle").asText()).isEqualTo("deprecated");
        assertThat(listed.at("/versions/0/successor").isNull()).isTrue();
        move(ownerB, fading, "v1", "{'state':'retired'}");
        assertThat(node.adminAs(ownerA, "GET", "/admin/catalog", null).body()).doesNotContain(fading);
    }

    @Test
    void filtersByQueryAndTag() {
        assertThat(catalog(ownerA, "?q=ledger")).containsExactly("alpha-internal");
        assertThat(catalog(ownerB, "?q=ledger")).as("description matches, case-insensitively")
                .containsExactly("beta-secret");
        assertThat(catalog(ownerA, "?q=BETA-")).contains("beta-manual", "beta-public").doesNotContain("beta-secret")
                .allMatch(name -> name.startsWith("beta-"));
        assertThat(catalog(ownerA, "?tag=payments")).containsExactly("beta-manual", "beta-public");
        assertThat(catalog(ownerB, "?tag=payments")).containsExactly("beta-manual", "beta-public", "beta-secret");
        assertThat(catalog(ownerA, "?tag=payments&q=manual")).containsExactly("beta-manual");
        assertThat(catalog(ownerA, "?tag=search")).containsExactly("beta-manual");
        assertThat(catalog(ownerA, "?tag=internal")).containsExactly("alpha-internal");
        assertThat(catalog(ownerB, "?tag=internal")).isEmpty();
        assertThat(catalog(ownerA, "?q=nothing-like-this")).isEmpty();
    }

    @Test
    void showsTheSubscriptionStatusOfTheCallersAppsOnly() {
        String shop = service(ownerB, teamB, "beta-shop", "'visibility':'public'", version("v1", "/beta-shop",
                "published"));
        String instant = service(ownerB, teamB, "beta-instant", "'visibility':'public','approval':'auto'",
                version("v1", "/beta-instant", "published"));
        assertThat(statuses(ownerA, shop)).containsExactly(appA1 + ":a1:none", appA2 + ":a2:none");
        assertThat(statuses(ownerB, shop)).containsExactly(appB + ":b1:none");

        String pending = id(node.adminAs(ownerA, "POST", "/admin/subscriptions", j("{'appId':'" + appA1
                + "','serviceId':'" + shop + "'}")));
        String approved = id(node.adminAs(ownerA, "POST", "/admin/subscriptions", j("{'appId':'" + appA2
                + "','serviceId':'" + instant + "'}")));
        assertThat(statuses(ownerA, shop)).containsExactly(appA1 + ":a1:pending", appA2 + ":a2:none");
        assertThat(statuses(ownerA, instant)).containsExactly(appA1 + ":a1:none", appA2 + ":a2:approved");
        JsonNode entry = entry(node.adminAs(ownerA, "GET", "/admin/catalog", null), shop);
        assertThat(entry.at("/subscriptions/0/subscriptionId").asText()).isEqualTo(pending);
        assertThat(entry.at("/subscriptions/0/teamId").asText()).isEqualTo(teamA);
        assertThat(entry(node.adminAs(ownerA, "GET", "/admin/catalog", null), instant)
                .at("/subscriptions/1/subscriptionId").asText()).isEqualTo(approved);

        HttpResponse<String> asB = node.adminAs(ownerB, "GET", "/admin/catalog", null);
        assertThat(statuses(ownerB, shop)).as("the service's team sees its own apps, not the applicants'")
                .containsExactly(appB + ":b1:none");
        assertThat(asB.body()).doesNotContain(appA1, appA2, pending, approved);

        expect(node.adminAs(ownerB, "POST", "/admin/subscriptions/" + pending + "/approve", "{}"), 200);
        assertThat(statuses(ownerA, shop)).containsExactly(appA1 + ":a1:approved", appA2 + ":a2:none");
        expect(node.adminAs(ownerA, "POST", "/admin/subscriptions/" + pending + "/cancel", "{}"), 200);
        assertThat(statuses(ownerA, shop)).containsExactly(appA1 + ":a1:cancelled", appA2 + ":a2:none");
        String again = id(node.adminAs(ownerA, "POST", "/admin/subscriptions", j("{'appId':'" + appA1
                + "','serviceId':'" + shop + "'}")));
        assertThat(statuses(ownerA, shop)).as("a live subscription outranks an older ended one")
                .containsExactly(appA1 + ":a1:pending", appA2 + ":a2:none");
        assertThat(entry(node.adminAs(ownerA, "GET", "/admin/catalog", null), shop)
                .at("/subscriptions/0/subscriptionId").asText()).isEqualTo(again);
    }

    @Test
    void teamIdPicksWhoseAppsAreShownAndOtherTeamsAnswer404() {
        HttpResponse<String> foreign = node.adminAs(ownerA, "GET", "/admin/catalog?teamId=" + teamB, null);
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(json(foreign).at("/error/code").asText()).isEqualTo("not_found");
        assertThat(foreign.body()).doesNotContain(appB);
        assertThat(statuses(ownerA, betaManual, "?teamId=" + teamA)).containsExactly(appA1 + ":a1:none",
                appA2 + ":a2:none");
        assertThat(statuses(TestNode.TOKEN, betaManual, "")).as("a system admin in no team has no apps").isEmpty();
        assertThat(statuses(TestNode.TOKEN, betaManual, "?teamId=" + teamB)).containsExactly(appB + ":b1:none");
        assertThat(statuses(TestNode.TOKEN, alphaInternal, "?teamId=" + teamB))
                .as("team B's apps may not apply for team A's team-only service").isEmpty();
    }

    // --- helpers ---

    @Test
    void theOpenApiDocumentOfAPublicServiceIsReadableByEveryTeamThatFindsIt() {
        String doc = j("{'openapi':'3.1.0','info':{'title':'payments','version':'2'}}");
        HttpResponse<String> put = node.adminAs(ownerB, "PUT", "/admin/services/" + betaPublic + "/openapi", doc);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(204);
        node.adminAs(ownerB, "PUT", "/admin/services/" + betaSecret + "/openapi", doc);

        assertThat(entry(node.adminAs(ownerA, "GET", "/admin/catalog", null), betaPublic).path("openapi").asBoolean())
                .isTrue();
        HttpResponse<String> read = node.adminAs(ownerA, "GET", "/admin/services/" + betaPublic + "/openapi", null);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).isEqualTo(doc);
        assertThat(node.adminAs(ownerA, "GET", "/admin/services/" + betaSecret + "/openapi", null).statusCode())
                .as("team-only service").isEqualTo(404);
        assertThat(node.adminAs(ownerA, "PUT", "/admin/services/" + betaPublic + "/openapi", doc).statusCode())
                .as("finding a service is not managing it").isEqualTo(404);
    }

    static String j(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    static String version(String name, String prefix, String lifecycle) {
        return "{'version':'" + name + "','pathPrefix':'" + prefix + "','upstreams':['" + UP + "']"
                + (lifecycle == null ? "" : ",'lifecycle':'" + lifecycle + "'") + "}";
    }

    static String service(String token, String teamId, String name, String fields, String versions) {
        return id(expectResponse(node.adminAs(token, "POST", "/admin/services", j("{'name':'" + name + "','teamId':'"
                + teamId + "'," + fields + ",'versions':[" + versions + "]}")), 201));
    }

    static void move(String token, String serviceId, String version, String body) {
        expect(node.adminAs(token, "POST", "/admin/services/" + serviceId + "/versions/" + version + "/lifecycle",
                j(body)), 200);
    }

    static List<String> catalog(String token, String query) {
        return names(expect(node.adminAs(token, "GET", "/admin/catalog" + query, null), 200));
    }

    static List<String> names(JsonNode catalog) {
        List<String> out = new ArrayList<>();
        catalog.path("data").forEach(e -> out.add(e.path("name").asText()));
        return out;
    }

    static JsonNode entry(HttpResponse<String> catalog, String serviceId) {
        for (JsonNode e : expect(catalog, 200).path("data")) {
            if (e.path("id").asText().equals(serviceId)) {
                return e;
            }
        }
        throw new AssertionError("service " + serviceId + " not in the catalog: " + catalog.body());
    }

    static List<String> statuses(String token, String serviceId) {
        return statuses(token, serviceId, "");
    }

    /** "appId:appName:status" for each app the catalog shows under the service. */
    static List<String> statuses(String token, String serviceId, String query) {
        List<String> out = new ArrayList<>();
        entry(node.adminAs(token, "GET", "/admin/catalog" + query, null), serviceId).path("subscriptions")
                .forEach(s -> out.add(s.path("appId").asText() + ":" + s.path("appName").asText() + ":"
                        + s.path("status").asText()));
        return out;
    }

    static String id(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
        return json(r).path("id").asText();
    }

    static HttpResponse<String> expectResponse(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return r;
    }

    static JsonNode expect(HttpResponse<String> r, int status) {
        return json(expectResponse(r, status));
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
