package dev.keyway.kernel.testing;

import dev.keyway.kernel.KeywayNode;
import dev.keyway.kernel.config.KeywayConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * A real Keyway node for tests: embedded Ignite on loopback with free ports, a data folder and a plugins folder
 * of the test's choosing, both planes on free ports, and a known bootstrap token.
 */
public final class TestNode implements AutoCloseable {
    public static final String TOKEN = "kwb-test-token-0123456789";

    private final KeywayNode node;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestNode(KeywayNode node) {
        this.node = node;
    }

    /**
     * Starts a node on {@code dataDir} loading the JARs in {@code pluginsDir}. Unless {@code extra} sets
     * {@code keyway.plugins.required}, the node requires those of the default required plugins (key-auth,
     * key-user) whose JARs are in the folder: a test with the security plugins runs as production does, a test
     * with an empty folder or only other plugins requires none.
     */
    public static TestNode start(Path dataDir, Path pluginsDir, Map<String, String> extra) {
        Map<String, String> o = new HashMap<>();
        o.put("keyway.data-dir", dataDir.toString());
        o.put("keyway.data-plane.port", "0");
        o.put("keyway.admin-plane.port", "0");
        o.put("keyway.plugins.dir", pluginsDir.toString());
        o.put("keyway.plugins.watch", "false");
        o.put("keyway.store.ignite-xml", root().resolve("ignite-config/keyway-ignite.xml").toString());
        o.put("keyway.store.discovery-port", Integer.toString(freePort()));
        o.put("keyway.store.communication-port", Integer.toString(freePort()));
        o.put("keyway.admin-plane.bootstrap-token", TOKEN);
        o.put("keyway.plugins.required", String.join(",", defaultRequiredIn(pluginsDir)));
        o.putAll(extra);
        return new TestNode(KeywayNode.start(KeywayConfig.load(Map.of(), o), token -> { }));
    }

    /** The default required plugin ids (keyway-defaults.yaml) that a JAR in the folder declares as its Plugin-Id. */
    private static List<String> defaultRequiredIn(Path pluginsDir) {
        Set<String> present = new HashSet<>();
        if (!Files.isDirectory(pluginsDir)) {
            return List.of();
        }
        try (var files = Files.list(pluginsDir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".jar")).toList()) {
                try (JarFile jar = new JarFile(f.toFile())) {
                    Manifest manifest = jar.getManifest();
                    if (manifest != null && manifest.getMainAttributes().getValue("Plugin-Id") != null) {
                        present.add(manifest.getMainAttributes().getValue("Plugin-Id"));
                    }
                } catch (IOException notAJar) {
                    // The node reports it at start-up.
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return KeywayConfig.load(Map.of(), Map.of()).plugins().required().stream().filter(present::contains)
                .toList();
    }

    /** The project root (surefire sets keyway.root). */
    public static Path root() {
        return Path.of(System.getProperty("keyway.root", "..")).toAbsolutePath().normalize();
    }

    /** A plugins folder holding copies of the named built-in plugin JARs from build/plugins. */
    public static Path pluginsWith(Path folder, List<String> pluginIds) {
        try {
            Files.createDirectories(folder);
            Path built = root().resolve("build/plugins");
            for (String id : pluginIds) {
                Path jar;
                try (var files = Files.list(built)) {
                    // "<id>-<version>.jar", the version starting with a digit: openai must not pick openai-compatible.
                    jar = files.filter(f -> f.getFileName().toString().matches(java.util.regex.Pattern.quote(id)
                                    + "-[0-9].*\\.jar")).findFirst()
                            .orElseThrow(() -> new IllegalStateException("no built plugin " + id + " in " + built
                                    + ": run the build from the project root (plugins build before kernel)"));
                }
                Files.copy(jar, folder.resolve(jar.getFileName()));
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Overrides for one of several in-memory nodes of a test cluster: the shared discovery port, the node's
     * consistent id, and the pepper and master key files every node of the cluster must share.
     */
    public static Map<String, String> clusterNode(int discovery, String id, Path pepper) {
        return Map.of("keyway.store.discovery-port", Integer.toString(discovery),
                "keyway.store.consistent-id", id, "keyway.store.persistence", "false",
                "keyway.pepper-file", pepper.toString(),
                "keyway.master-key-file", pepper.resolveSibling("master.key").toString());
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public KeywayNode node() {
        return node;
    }

    public URI data(String path) {
        return URI.create("http://127.0.0.1:" + node.dataPort() + path);
    }

    public URI admin(String path) {
        return URI.create("http://127.0.0.1:" + node.adminPort() + path);
    }

    /** Sends a request as is. */
    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpClient client() {
        return http;
    }

    /** GET on the data plane. */
    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(data(path)).GET().build());
    }

    /** An admin call with the bootstrap token; body may be null. */
    public HttpResponse<String> admin(String method, String path, String json) {
        return adminAs(TOKEN, method, path, json);
    }

    /** An admin call with the given Bearer token; body may be null. */
    public HttpResponse<String> adminAs(String token, String method, String path, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(admin(path)).header("Authorization", "Bearer " + token)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        return send(b.build());
    }

    /** The value of a top-level or nested string field {@code "name":"value"} in a JSON body (first match). */
    public static String field(String json, String name) {
        int i = json.indexOf("\"" + name + "\":\"");
        if (i < 0) {
            throw new IllegalStateException("no field " + name + " in " + json);
        }
        i += name.length() + 4;
        return json.substring(i, json.indexOf('"', i));
    }

    /**
     * Creates a REST service with one version at {@code prefix}, published and with automatic approval unless
     * {@code extraJson} says otherwise, and returns its id.
     */
    public String createService(String name, String prefix, String upstream, String extraJson) {
        String extra = extraJson == null ? "" : extraJson;
        HttpResponse<String> r = admin("POST", "/admin/services", "{\"name\":\"" + name + "\",\"pathPrefix\":\""
                + prefix + "\",\"upstreams\":[\"" + upstream + "\"]"
                + (extra.contains("\"lifecycle\"") ? "" : ",\"lifecycle\":\"published\"")
                + (extra.contains("\"approval\"") ? "" : ",\"approval\":\"auto\"")
                + (extra.isEmpty() ? "" : "," + extra) + "}");
        if (r.statusCode() != 201) {
            throw new IllegalStateException("service not created: " + r.statusCode() + " " + r.body());
        }
        int i = r.body().indexOf("\"id\":\"") + 6;
        return r.body().substring(i, r.body().indexOf('"', i));
    }

    /** Subscribes an app to a service with the bootstrap token; returns the subscription's JSON. */
    public String subscribe(String appId, String serviceId) {
        HttpResponse<String> r = admin("POST", "/admin/subscriptions", "{\"appId\":\"" + appId
                + "\",\"serviceId\":\"" + serviceId + "\"}");
        if (r.statusCode() != 201) {
            throw new IllegalStateException("subscription not created: " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    @Override
    public void close() {
        node.close();
    }
}
