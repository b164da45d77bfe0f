package dev.keyway.kernel.ai;

import dev.keyway.kernel.testing.FakeOpenAi;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Token limits, cost budgets and in-flight limits on AI calls: reserved before the call (prompt estimate + max
 * tokens, at the highest price) and settled with the provider's usage after, so concurrent calls never overshoot a
 * hard budget by more than one call. The fake answers every call with 12 prompt and 5 completion tokens.
 */
class BudgetLimitsTest {
    static final long PER_CALL = FakeOpenAi.PROMPT_TOKENS + FakeOpenAi.COMPLETION_TOKENS;
    @TempDir
    static Path tmp;
    static FakeOpenAi fake;
    static TestNode node;
    static String team;

    @BeforeAll
    static void start() {
        fake = new FakeOpenAi();
        node = TestNode.start(tmp.resolve("data"), TestNode.pluginsWith(tmp.resolve("plugins"),
                List.of("key-auth", "key-user", "subscription", "rate-limit", "openai")), Map.of());
        new Seeds(node).user("u-dev", User.Role.USER);
        team = field(node.admin("POST", "/admin/teams", "{\"name\":\"ml\",\"owner\":\"u-dev\"}").body(), "id");
        // Prices that make costs easy to follow: 1000 USD in and 2000 USD out per million tokens.
        node.admin("PUT", "/admin/ai/models/openai/budget-model", "{\"contextWindow\":1000,\"capabilities\":[\"chat\"],"
                + "\"inputPrice\":1000,\"outputPrice\":2000}");
    }

    @AfterAll
    static void stop() {
        node.close();
        fake.close();
    }

    /** A fresh AI service with one model and an app subscribed to it; returns {serviceId, key, model}. */
    static String[] setup(String name) {
        String model = name + "-m";
        String app = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team + "\",\"name\":\"" + name + "\"}")
                .body(), "id");
        String key = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + app + "\",\"userId\":\"u-dev\"}")
                .body(), "key");
        String svc = field(node.admin("POST", "/admin/services", "{\"name\":\"" + name + "\",\"teamId\":\"" + team
                + "\",\"kind\":\"ai\",\"approval\":\"auto\",\"versions\":[{\"version\":\"v1\",\"models\":[\""
                + model + "\"],\"lifecycle\":\"published\"}]}").body(), "id");
        node.subscribe(app, svc);
        node.admin("POST", "/admin/ai/deployments", "{\"model\":\"" + model + "\",\"upstreamModel\":\"budget-model\","
                + "\"provider\":\"openai\",\"baseUrl\":\"" + fake.baseUrl() + "\",\"teamId\":\"" + team + "\"}");
        return new String[]{svc, key, model};
    }

    static String limit(String svc, String metric, String window, long max) {
        HttpResponse<String> r = node.admin("POST", "/admin/limits", "{\"subject\":\"app\",\"subjectId\":\"*\","
                + "\"serviceId\":\"" + svc + "\",\"metric\":\"" + metric + "\"" + (window == null ? ""
                : ",\"window\":\"" + window + "\"") + ",\"max\":" + max + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return field(r.body(), "id");
    }

    static HttpResponse<String> chat(String[] s, boolean stream) {
        return node.send(HttpRequest.newBuilder(node.data("/v1/chat/completions"))
                .header("Authorization", "Bearer " + s[1]).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + s[2] + "\",\"max_tokens\":5,\"stream\":"
                        + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")).build());
    }

    @Test
    void aTokenQuotaAdmitsWhatFitsAndSettlesEachCallToItsRealUsage() {
        String[] s = setup("tokens");
        limit(s[0], "tokens", "P1D", 100);
        int admitted = 0;
        HttpResponse<String> last = null;
        for (int i = 0; i < 10; i++) {
            last = chat(s, false);
            if (last.statusCode() != 200) {
                break;
            }
            admitted++;
            assertThat(last.headers().firstValue("x-ratelimit-limit-tokens")).hasValue("100");
        }
        // Each call really uses 17 tokens but reserves its estimate (prompt + max_tokens): the quota is used up,
        // and overshot by less than one call.
        assertThat(admitted).isGreaterThanOrEqualTo(5);
        assertThat(admitted * PER_CALL).isLessThan(100 + PER_CALL);
        assertThat(last.statusCode()).isEqualTo(429);
        assertThat(last.body()).contains("\"code\":\"insufficient_quota\"", "\"type\":\"insufficient_quota\"");
        assertThat(last.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void whenSeveralTokenLimitsAreExceededTheTightestIsNamed() {
        // Created in both orders, so the answer cannot come from whichever limit happens to be counted first.
        for (boolean tightFirst : new boolean[]{true, false}) {
            String[] s = setup("tightest-" + tightFirst);
            String tight = null;
            String loose = null;
            if (tightFirst) {
                tight = limit(s[0], "tokens", "PT1M", 20);
                loose = limit(s[0], "tokens", "P1D", 25);
            } else {
                loose = limit(s[0], "tokens", "P1D", 25);
                tight = limit(s[0], "tokens", "PT1M", 20);
            }
            assertThat(chat(s, false).statusCode()).isEqualTo(200);
            // 17 tokens used; the next call's reservation exceeds both limits, the per-minute one by more.
            HttpResponse<String> refused = chat(s, false);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.body()).contains("limit " + tight + " ").doesNotContain(loose);
            assertThat(refused.headers().firstValue("x-ratelimit-limit-tokens")).hasValue("20");
            // The wait covers the daily limit too: retrying when only the minute has passed would fail again.
            long retry = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
            long secondsLeftToday = 86_400 - java.time.LocalTime.now(java.time.ZoneOffset.UTC).toSecondOfDay();
            assertThat(retry).isGreaterThanOrEqualTo(Math.min(secondsLeftToday - 5, 61));
        }
    }

    @Test
    void aCostBudgetNeverOvershootsUnderConcurrentStreams() throws Exception {
        String[] s = setup("cost");
        // 0.2 USD; a call costs 12 × 1000 + 5 × 2000 = 22,000 micro-USD.
        limit(s[0], "cost", "P1D", 200_000);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 30; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> chat(s, true), pool));
            }
        }
        long admitted = calls.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 200).count();
        long refused = calls.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 429).count();
        assertThat(admitted + refused).isEqualTo(30);
        assertThat(admitted * 22_000).as("spent within the budget").isLessThanOrEqualTo(200_000 + 22_000);
        assertThat(admitted).as("the budget is used, not refused wholesale").isGreaterThanOrEqualTo(5);
        assertThat(calls.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 429).findFirst()
                .orElseThrow().body()).contains("insufficient_quota");
    }

    @Test
    void anInFlightLimitHoldsItsSlotUntilTheStreamEnds() throws Exception {
        String[] s = setup("inflight");
        limit(s[0], "concurrent", null, 1);
        fake.stallNext(Duration.ofMillis(1500));
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> chat(s, true));
        HttpResponse<String> second = null;
        for (int i = 0; i < 50 && (second == null || second.statusCode() != 429); i++) {
            Thread.sleep(20);
            second = chat(s, false);
        }
        assertThat(second.statusCode()).as("a second call while the first streams").isEqualTo(429);
        assertThat(second.body()).contains("rate_limit_exceeded", "in flight");
        assertThat(slow.get().statusCode()).isEqualTo(200);
        assertThat(chat(s, false).statusCode()).as("the slot is free again").isEqualTo(200);
    }

    @Test
    void aSoftBudgetNeverRefusesButAlertsAtItsThresholds() throws Exception {
        String[] s = setup("soft");
        HttpResponse<String> created = node.admin("POST", "/admin/limits", "{\"subject\":\"app\",\"subjectId\":\"*\","
                + "\"serviceId\":\"" + s[0] + "\",\"metric\":\"cost\",\"window\":\"P1D\",\"max\":50000,"
                + "\"soft\":true,\"alertAt\":[50,100]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = field(created.body(), "id");
        for (int i = 0; i < 4; i++) {
            assertThat(chat(s, false).statusCode()).as("a soft budget never refuses").isEqualTo(200);
        }
        String audit = node.admin("GET", "/admin/audit?action=limit.alert&target=" + id, null).body();
        assertThat(audit).contains("\"percent\":50", "\"percent\":100");
        assertThat(node.admin("GET", "/metrics", null).body()).contains("keyway_limit_alerts_total");

        HttpResponse<String> hardRequests = node.admin("POST", "/admin/limits", "{\"subject\":\"app\","
                + "\"subjectId\":\"*\",\"serviceId\":\"" + s[0] + "\",\"metric\":\"requests\",\"window\":"
                + "\"P1D\",\"max\":5,\"soft\":true,\"alertAt\":[50]}");
        assertThat(hardRequests.statusCode()).as("only budgets can be soft").isEqualTo(400);
    }
}
