package dev.keyway.perf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyway.kernel.KeywayNode;
import dev.keyway.kernel.config.KeywayConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real Keyway node in the bench's JVM, configured through its admin API the way an operator (and
 * {@code OpenAiSdkTest}) would: the first admin from the bootstrap token, a login session, a team owned by that
 * admin, an app, an API key, a published AI service for one model with automatic approval, a subscription, an
 * {@code openai} credential and a deployment pointing at the fake upstream. Requests then pass the whole default
 * chain (key-auth, key-user, subscription and whatever else is in the plugins folder).
 */
final class BenchNode implements AutoCloseable {
    static final String MODEL = "bench-model";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KeywayNode node;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private String adminToken;
    private String apiKey;

    private BenchNode(KeywayNode node) {
        this.node = node;
    }

    /**
     * Starts a node on free ports with its data in {@code dataDir} (Ignite persistence as asked) and the plugin
     * JARs of {@code pluginsDir}, watched for nothing.
     */
    static BenchNode start(Path dataDir, Path pluginsDir, boolean persistence) {
        String bootstrap = "kwb-perf-" + random();
        Map<String, String> env = Map.of("KEYWAY_DATA_DIR", dataDir.toString(),
                "KEYWAY_PLUGINS_DIR", pluginsDir.toString(), "KEYWAY_BOOTSTRAP_TOKEN", bootstrap);
        Map<String, String> overrides = Map.of(
                "keyway.data-plane.port", "0",
                "keyway.admin-plane.port", "0",
                "keyway.plugins.watch", "false",
                "keyway.store.persistence", Boolean.toString(persistence),
                "keyway.store.consistent-id", "keyway-perf-ai",
                // Ignite takes a range of 10 ports from each: stay clear of other nodes on 47500/47100.
                "keyway.store.discovery-port", Integer.toString(freeRange(10)),
                "keyway.store.communication-port", Integer.toString(freeRange(10)));
        BenchNode bench = new BenchNode(KeywayNode.start(KeywayConfig.load(env, overrides), token -> { }));
        bench.adminToken = bootstrap;
        return bench;
    }

    int dataPort() {
        return node.dataPort();
    }

    /** The API key the setup issued (only after {@link #configure}). */
    String apiKey() {
        return apiKey;
    }

    /** Creates everything a chat call needs, its deployment sending to {@code upstreamBaseUrl}. */
    void configure(String upstreamBaseUrl) {
        String password = "Kw-perf-" + random() + "-9x";
        String user = "{\"username\":\"perf-admin\",\"password\":\"" + password + "\"}";
        String adminId = admin("POST", "/admin/bootstrap", user).path("id").asText();
        adminToken = admin("POST", "/admin/login", user).path("token").asText();
        String team = id(admin("POST", "/admin/teams", "{\"name\":\"perf\",\"owner\":\"" + adminId + "\"}"));
        String app = id(admin("POST", "/admin/apps", "{\"teamId\":\"" + team + "\",\"name\":\"perf-app\"}"));
        apiKey = admin("POST", "/admin/keys", "{\"appId\":\"" + app + "\"}").path("key").asText();
        String service = id(admin("POST", "/admin/services", "{\"name\":\"perf-llm\",\"teamId\":\"" + team
                + "\",\"kind\":\"ai\",\"approval\":\"auto\",\"versions\":[{\"version\":\"v1\",\"models\":[\""
                + MODEL + "\"],\"lifecycle\":\"published\"}]}"));
        admin("POST", "/admin/subscriptions", "{\"appId\":\"" + app + "\",\"serviceId\":\"" + service + "\"}");
        String credential = id(admin("POST", "/admin/ai/credentials", "{\"name\":\"fake-openai\",\"provider\":"
                + "\"openai\",\"secret\":\"" + FakeChatUpstream.GATEWAY_SECRET + random() + "\",\"teamId\":\""
                + team + "\"}"));
        admin("POST", "/admin/ai/deployments", "{\"model\":\"" + MODEL + "\",\"upstreamModel\":\"" + MODEL
                + "\",\"provider\":\"openai\",\"baseUrl\":\"" + upstreamBaseUrl + "\",\"credentialId\":\""
                + credential + "\",\"teamId\":\"" + team + "\"}");
    }

    /** The resolved stage chain, as the admin API shows it (for the report). */
    String chain() {
        StringBuilder names = new StringBuilder();
        for (JsonNode stage : admin("GET", "/admin/stages", null).path("data")) {
            names.append(names.isEmpty() ? "" : " → ").append(stage.path("name").asText());
        }
        return names.toString();
    }

    private static String id(JsonNode created) {
        return created.path("id").asText();
    }

    /** An admin call that must answer 2xx; the JSON answer. */
    private JsonNode admin(String method, String path, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + path))
                .header("Authorization", "Bearer " + adminToken)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": "
                        + r.body());
            }
            return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " " + path + " interrupted", e);
        }
    }

    private static String random() {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The first of {@code span} consecutive loopback ports nothing listens on. */
    private static int freeRange(int span) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int first = 20000 + ThreadLocalRandom.current().nextInt(30000);
            boolean free = true;
            for (int p = first; p < first + span && free; p++) {
                try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                    s.setReuseAddress(true);
                } catch (IOException taken) {
                    free = false;
                }
            }
            if (free) {
                return first;
            }
        }
        throw new IllegalStateException("no range of " + span + " free loopback ports found");
    }

    @Override
    public void close() {
        http.close();
        node.close();
    }
}
