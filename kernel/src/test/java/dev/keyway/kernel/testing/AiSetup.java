package dev.keyway.kernel.testing;

import dev.keyway.spi.User;
import dev.keyway.spi.json.Json;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.TestNode.field;

/**
 * A node with one published AI service (automatic approval) granting {@code models} to one app's key, and the calls
 * a caller makes on the unified API. Deployments and credentials are added with the bootstrap token, a system admin,
 * so they may point at loopback fakes.
 */
public final class AiSetup implements AutoCloseable {
    private final TestNode node;
    private final String team;
    private final String key;

    private AiSetup(TestNode node, String team, String key) {
        this.node = node;
        this.team = team;
        this.key = key;
    }

    /** Starts a node loading {@code plugins} (built JARs) with {@code overrides}; seeds team, app, key, service. */
    public static AiSetup start(Path dir, List<String> plugins, List<String> models, Map<String, String> overrides) {
        TestNode node = TestNode.start(dir.resolve("data"), TestNode.pluginsWith(dir.resolve("plugins"), plugins),
                overrides);
        try {
            new Seeds(node).user("u-dev", User.Role.USER);
            String team = field(created(node.admin("POST", "/admin/teams", "{\"name\":\"ml\",\"owner\":\"u-dev\"}")),
                    "id");
            String app = field(created(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team
                    + "\",\"name\":\"bot\"}")), "id");
            String key = field(created(node.admin("POST", "/admin/keys", "{\"appId\":\"" + app
                    + "\",\"userId\":\"u-dev\"}")), "key");
            String service = field(created(node.admin("POST", "/admin/services", "{\"name\":\"llm\",\"teamId\":\""
                    + team + "\",\"kind\":\"ai\",\"approval\":\"auto\",\"versions\":[{\"version\":\"v1\",\"models\":"
                    + Json.write(models) + ",\"lifecycle\":\"published\"}]}")), "id");
            node.subscribe(app, service);
            return new AiSetup(node, team, key);
        } catch (RuntimeException | Error e) {
            node.close();
            throw e;
        }
    }

    public TestNode node() {
        return node;
    }

    /** The seeded team's id. */
    public String team() {
        return team;
    }

    /** The caller's API key. */
    public String key() {
        return key;
    }

    /** Stores a provider credential for the team; returns its id. */
    public String credential(String provider, String secret) {
        return field(created(node.admin("POST", "/admin/ai/credentials", Json.write(Map.of("name", provider,
                "provider", provider, "secret", secret, "teamId", team)))), "id");
    }

    /** Adds a deployment of {@code model} for the team; {@code credentialId} may be null. Returns its id. */
    public String deploy(String model, String upstreamModel, String provider, String baseUrl, String credentialId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("upstreamModel", upstreamModel);
        body.put("provider", provider);
        body.put("baseUrl", baseUrl);
        if (credentialId != null) {
            body.put("credentialId", credentialId);
        }
        body.put("teamId", team);
        return field(created(node.admin("POST", "/admin/ai/deployments", Json.write(body))), "id");
    }

    /** {@code POST /v1/chat/completions} with the key as OpenAI's SDKs send it. */
    public HttpResponse<String> chat(String json) {
        return post("/v1/chat/completions", json, "Authorization", "Bearer " + key);
    }

    /** {@code POST /v1/embeddings}. */
    public HttpResponse<String> embeddings(String json) {
        return post("/v1/embeddings", json, "Authorization", "Bearer " + key);
    }

    /** {@code POST /v1/messages} with the key as Anthropic's SDKs send it. */
    public HttpResponse<String> messages(String json) {
        return node.send(HttpRequest.newBuilder(node.data("/v1/messages")).header("x-api-key", key)
                .header("anthropic-version", "2023-06-01").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private HttpResponse<String> post(String path, String json, String header, String value) {
        return node.send(HttpRequest.newBuilder(node.data(path)).header(header, value)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private static String created(HttpResponse<String> r) {
        if (r.statusCode() != 201) {
            throw new IllegalStateException("expected 201, got " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** The JSON of every {@code data:} line of an SSE body, {@code [DONE]} left out. */
    public static List<Map<String, Object>> dataLines(String body) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                out.add(Json.parseObject(line.substring(6)));
            }
        }
        return out;
    }

    /** A value inside parsed JSON: string steps are object keys, integer steps list indexes. */
    @SuppressWarnings("unchecked")
    public static <T> T at(Object json, Object... path) {
        Object v = json;
        for (Object step : path) {
            v = step instanceof Integer i ? ((List<Object>) v).get(i) : ((Map<String, Object>) v).get(step);
        }
        return (T) v;
    }

    @Override
    public void close() {
        node.close();
    }
}
