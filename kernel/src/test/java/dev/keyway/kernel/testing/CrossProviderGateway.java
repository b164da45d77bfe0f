package dev.keyway.kernel.testing;

import dev.keyway.spi.User;
import dev.keyway.spi.json.Json;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node with one AI service granting {@code HAIKU} and its alias {@code haiku} (Anthropic deployments) and
 * {@code gpt-4o} (an OpenAI deployment), for the cross-provider tests: one protocol in, another out.
 */
public record CrossProviderGateway(TestNode node, String key, String service, String haikuDeployment)
        implements AutoCloseable {
    public static final String ANTHROPIC_SECRET = "sk-ant-upstream-SECRET-0123456789abcdef";
    public static final String OPENAI_SECRET = "sk-openai-upstream-SECRET-0123456789abcdef";
    public static final String HAIKU = "claude-3-5-haiku-20241022";
    public static final Map<String, Object> WEATHER_PARAMETERS = Map.of("type", "object",
            "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city"));
    public static final String WEATHER_TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Weather for a city\",\"parameters\":" + Json.write(WEATHER_PARAMETERS) + "}}";

    /** Starts a node in {@code dir} with {@code overrides}, its deployments pointing at the two fakes. */
    public static CrossProviderGateway start(Path dir, FakeAnthropic anthropic, FakeOpenAi openAi,
                                             Map<String, String> overrides) {
        TestNode node = TestNode.start(dir.resolve("data"), TestNode.pluginsWith(dir.resolve("plugins"),
                List.of("key-auth", "key-user", "subscription", "openai", "anthropic")), overrides);
        try {
            new Seeds(node).user("u-dev", User.Role.USER);
            String team = field(node.admin("POST", "/admin/teams", "{\"name\":\"ml\",\"owner\":\"u-dev\"}").body(),
                    "id");
            String app = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team
                    + "\",\"name\":\"bot\"}").body(), "id");
            String key = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + app
                    + "\",\"userId\":\"u-dev\"}").body(), "key");
            String service = created(node.admin("POST", "/admin/services", "{\"name\":\"llm\",\"teamId\":\"" + team
                    + "\",\"kind\":\"ai\",\"approval\":\"auto\",\"versions\":[{\"version\":\"v1\",\"models\":[\""
                    + HAIKU + "\",\"haiku\",\"gpt-4o\"],\"lifecycle\":\"published\"}]}"));
            node.subscribe(app, service);
            String anthropicKey = created(node.admin("POST", "/admin/ai/credentials", "{\"name\":\"anthropic\","
                    + "\"provider\":\"anthropic\",\"secret\":\"" + ANTHROPIC_SECRET + "\",\"teamId\":\"" + team
                    + "\"}"));
            String openAiKey = created(node.admin("POST", "/admin/ai/credentials", "{\"name\":\"openai\","
                    + "\"provider\":\"openai\",\"secret\":\"" + OPENAI_SECRET + "\",\"teamId\":\"" + team + "\"}"));
            created(deployment(node, HAIKU, HAIKU, "anthropic", anthropic.baseUrl(), anthropicKey, team));
            String haiku = created(deployment(node, "haiku", HAIKU, "anthropic", anthropic.baseUrl(), anthropicKey,
                    team));
            created(deployment(node, "gpt-4o", "gpt-4o", "openai", openAi.baseUrl(), openAiKey, team));
            return new CrossProviderGateway(node, key, service, haiku);
        } catch (RuntimeException | Error e) {
            node.close();
            throw e;
        }
    }

    private static HttpResponse<String> deployment(TestNode node, String model, String upstreamModel,
                                                   String provider, String baseUrl, String credential,
                                                   String team) {
        return node.admin("POST", "/admin/ai/deployments", "{\"model\":\"" + model + "\",\"upstreamModel\":\""
                + upstreamModel + "\",\"provider\":\"" + provider + "\",\"baseUrl\":\"" + baseUrl
                + "\",\"credentialId\":\"" + credential + "\",\"teamId\":\"" + team + "\"}");
    }

    /** An OpenAI-style call; {@code headers} are extra name/value pairs. */
    public HttpResponse<String> chat(String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.data("/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return node.send(b.build());
    }

    /** An Anthropic-style call, authenticated as Anthropic's SDKs do. */
    public HttpResponse<String> messages(String json) {
        return node.send(HttpRequest.newBuilder(node.data("/v1/messages"))
                .header("x-api-key", key).header("anthropic-version", "2023-06-01")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json))
                .build());
    }

    @Override
    public void close() {
        node.close();
    }

    private static String created(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return field(r.body(), "id");
    }

    /** The parsed body of a 200 answer. */
    public static Map<String, Object> ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parseObject(r.body());
    }

    /** A one-message OpenAI-style body for {@code model}; {@code extra} is more top-level JSON members, or "". */
    public static String userHi(String model, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }
}
