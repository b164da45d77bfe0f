package dev.keyway.kernel.ai;

import dev.keyway.kernel.testing.FakeOpenAi;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import dev.keyway.spi.json.Json;
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
 * Prompt APIs: a team turns a model and templates into a REST path. Variables are checked (400 naming the one at
 * fault, nothing sent upstream), filled as data (a value holding {{…}} or quotes stays literal), and the model is
 * called through the team's deployments; answers come back as JSON or SSE.
 */
class PromptApiTest {
    @TempDir
    static Path tmp;
    static FakeOpenAi fake;
    static TestNode node;
    static String team;
    static String app;
    static String key;

    @BeforeAll
    static void start() {
        fake = new FakeOpenAi();
        node = TestNode.start(tmp.resolve("data"), TestNode.pluginsWith(tmp.resolve("plugins"),
                List.of("key-auth", "key-user", "subscription", "openai")), Map.of());
        new Seeds(node).user("u-dev", User.Role.USER);
        team = field(node.admin("POST", "/admin/teams", "{\"name\":\"ml\",\"owner\":\"u-dev\"}").body(), "id");
        app = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team + "\",\"name\":\"bot\"}").body(), "id");
        key = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + app + "\",\"userId\":\"u-dev\"}").body(), "key");
        String credential = field(node.admin("POST", "/admin/ai/credentials", "{\"name\":\"o\",\"provider\":\"openai\","
                + "\"secret\":\"sk-prompt-secret-000111222\",\"teamId\":\"" + team + "\"}").body(), "id");
        node.admin("POST", "/admin/ai/deployments", "{\"model\":\"gpt-4o\",\"provider\":\"openai\",\"baseUrl\":\""
                + fake.baseUrl() + "\",\"credentialId\":\"" + credential + "\",\"teamId\":\"" + team + "\"}");
        HttpResponse<String> created = node.admin("POST", "/admin/services", service("summarise", "/summarise",
                "You summarise {{language}} text.", "Summarise in {{words}} words: {{ text }}"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        node.subscribe(app, field(created.body(), "id"));
    }

    static String service(String name, String prefix, String system, String user) {
        return "{\"name\":\"" + name + "\",\"teamId\":\"" + team + "\",\"kind\":\"prompt\",\"approval\":\"auto\","
                + "\"versions\":[{\"version\":\"v1\",\"pathPrefix\":\"" + prefix + "\",\"lifecycle\":\"published\","
                + "\"prompt\":{\"model\":\"gpt-4o\",\"system\":\"" + system + "\",\"user\":\"" + user + "\","
                + "\"variables\":[{\"name\":\"text\",\"type\":\"string\"},{\"name\":\"words\",\"type\":\"integer\","
                + "\"required\":false,\"default\":50},{\"name\":\"language\",\"required\":false,\"default\":"
                + "\"English\"}],\"temperature\":0.2,\"maxTokens\":200}}]}";
    }

    @AfterAll
    static void stop() {
        node.close();
        fake.close();
    }

    static HttpResponse<String> call(String path, String body) {
        return node.send(HttpRequest.newBuilder(node.data(path)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void variablesAreFilledAsDataAndTheAnswerComesBackAsJson() {
        HttpResponse<String> r = call("/summarise", "{\"variables\":{\"text\":\"He said \\\"hi\\\" {{words}} }}\","
                + "\"words\":20}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, Object> answer = Json.parseObject(r.body());
        assertThat(answer.get("output")).isEqualTo("Hello world");
        assertThat(answer.get("usage").toString()).contains("input_tokens=" + FakeOpenAi.PROMPT_TOKENS);

        Map<String, Object> sent = fake.received().getLast().body();
        List<Object> messages = Json.array(sent.get("messages"), "messages");
        assertThat(Json.object(messages.get(0), "m").get("content")).isEqualTo("You summarise English text.");
        assertThat(Json.object(messages.get(1), "m").get("content"))
                .as("the value's {{words}} stays literal").isEqualTo("Summarise in 20 words: He said \"hi\" {{words}} }}");
        assertThat(sent.get("temperature").toString()).isEqualTo("0.2");
        assertThat(sent.toString()).contains("200");
    }

    @Test
    void aMissingOrWronglyTypedOrUnknownVariableIsA400NamingIt() {
        int before = fake.received().size();
        HttpResponse<String> missing = call("/summarise", "{\"variables\":{}}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.body()).contains("variables.text", "is required");
        HttpResponse<String> typed = call("/summarise", "{\"variables\":{\"text\":\"x\",\"words\":\"fifty\"}}");
        assertThat(typed.statusCode()).isEqualTo(400);
        assertThat(typed.body()).contains("variables.words", "must be an integer").doesNotContain("fifty");
        HttpResponse<String> unknown = call("/summarise", "{\"variables\":{\"text\":\"x\",\"tone\":\"dry\"}}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("variables.tone");
        HttpResponse<String> broken = call("/summarise", "{\"variables\":");
        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat(fake.received()).as("nothing went upstream").hasSize(before);
    }

    @Test
    void streamingSendsDeltasThenDoneWithUsage() {
        HttpResponse<String> r = call("/summarise", "{\"variables\":{\"text\":\"x\"},\"stream\":true}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("text/event-stream"));
        assertThat(r.body()).contains("data: {\"delta\":\"Hello\"}", "\"done\":true",
                "\"output_tokens\":" + FakeOpenAi.COMPLETION_TOKENS);
    }

    @Test
    void templatesMayUseOnlyDeclaredVariables() {
        HttpResponse<String> r = node.admin("POST", "/admin/services", service("bad-prompt", "/bad-prompt",
                "Be {{mood}}.", "{{text}}"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("versions[0].prompt.system", "{{mood}}");
    }

    @Test
    void aPromptApiIsAServiceItsCallersNeedASubscription() {
        String other = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team + "\",\"name\":\"other\"}")
                .body(), "id");
        String otherKey = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + other + "\",\"userId\":\"u-dev\"}")
                .body(), "key");
        int before = fake.received().size();
        HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.data("/summarise"))
                .header("Authorization", "Bearer " + otherKey).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"variables\":{\"text\":\"x\"}}")).build());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("subscription_required");
        assertThat(fake.received()).hasSize(before);
    }

    @Test
    void aPromptApisCallsReserveAgainstTokenQuotas() {
        HttpResponse<String> created = node.admin("POST", "/admin/services", service("quota", "/quota",
                "You summarise {{language}} text.", "{{text}} in {{words}} words"));
        String svc = field(created.body(), "id");
        node.subscribe(app, svc);
        HttpResponse<String> limit = node.admin("POST", "/admin/limits", "{\"subject\":\"app\",\"subjectId\":\"*\","
                + "\"serviceId\":\"" + svc + "\",\"metric\":\"tokens\",\"window\":\"P1D\",\"max\":100}");
        assertThat(limit.statusCode()).as(limit.body()).isEqualTo(201);
        int before = fake.received().size();
        HttpResponse<String> r = call("/quota", "{\"variables\":{\"text\":\"x\"}}");
        assertThat(r.statusCode()).as("200 max tokens do not fit a quota of 100").isEqualTo(429);
        assertThat(r.body()).contains("insufficient_quota");
        assertThat(fake.received()).hasSize(before);
    }
}
