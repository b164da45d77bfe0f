package dev.keyway.kernel.config;

import dev.keyway.kernel.store.StoreConfig;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The node's configuration, read once at start. Sources, highest first: the few KEYWAY_* environment variables,
 * the file named by KEYWAY_CONFIG, then the defaults in keyway-defaults.yaml on the class path.
 *
 * @param dataDir       where Ignite persistence and the pepper live (KEYWAY_DATA_DIR)
 * @param dataPlane     the data-plane listener
 * @param adminPlane    the admin-plane listener
 * @param ring          the decision ring
 * @param calls         the call-record ring
 * @param plugins       the plugins folder and per-plugin config
 * @param store         the Ignite node
 * @param pepperFile    the key-hash secret, kept outside the store (KEYWAY_PEPPER_FILE)
 * @param pepper        the key-hash secret itself, base64 (KEYWAY_PEPPER); wins over the file when set
 * @param bootstrapToken the admin token from KEYWAY_BOOTSTRAP_TOKEN, if set
 * @param keys          the scheduled key audit
 * @param masterKeyFile the key provider credentials are encrypted under, outside the store (KEYWAY_MASTER_KEY_FILE)
 * @param masterKey     that key itself, base64 (KEYWAY_MASTER_KEY); wins over the file when set
 * @param ai            the AI gateway's settings
 * @param policies      the JavaScript policy runtime
 */
public record KeywayConfig(Path dataDir, Listener dataPlane, Listener adminPlane, RingConfig ring, CallsConfig calls,
                           PluginsConfig plugins, StoreConfig store, Path pepperFile,
                           Optional<String> pepper, Optional<String> bootstrapToken, KeysConfig keys,
                           Path masterKeyFile, Optional<String> masterKey, AiConfig ai,
                           PolicyConfig policies) {

    public KeywayConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(dataPlane, "dataPlane");
        Objects.requireNonNull(adminPlane, "adminPlane");
        Objects.requireNonNull(ring, "ring");
        Objects.requireNonNull(calls, "calls");
        Objects.requireNonNull(plugins, "plugins");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(pepperFile, "pepperFile");
        Objects.requireNonNull(pepper, "pepper");
        Objects.requireNonNull(bootstrapToken, "bootstrapToken");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(masterKeyFile, "masterKeyFile");
        Objects.requireNonNull(masterKey, "masterKey");
        Objects.requireNonNull(ai, "ai");
        Objects.requireNonNull(policies, "policies");
    }

    /** Secrets (the pepper, the bootstrap token) are never part of the text. */
    @Override
    public String toString() {
        return "KeywayConfig[dataDir=" + dataDir + ", dataPlane=" + dataPlane + ", adminPlane=" + adminPlane
                + ", ring=" + ring + ", calls=" + calls + ", plugins=" + plugins.dir() + ", store=" + store
                + ", pepperFile=" + pepperFile + ", pepper=" + (pepper.isPresent() ? "<set>" : "<unset>")
                + ", bootstrapToken=" + (bootstrapToken.isPresent() ? "<set>" : "<unset>") + ", keys=" + keys
                + ", masterKeyFile=" + masterKeyFile + ", masterKey=" + (masterKey.isPresent() ? "<set>" : "<unset>")
                + ", ai=" + ai + ", policies=" + policies + "]";
    }

    /** Reads the config from the process environment and the default sources. */
    public static KeywayConfig load() {
        return load(System.getenv(), Map.of());
    }

    /**
     * Reads the config.
     *
     * @param env       environment variables (KEYWAY_*)
     * @param overrides flat keys that win over every file, e.g. {@code data-plane.port=0} (tests)
     */
    public static KeywayConfig load(Map<String, String> env, Map<String, String> overrides) {
        List<java.util.function.Supplier<? extends io.helidon.config.spi.ConfigSource>> sources = new ArrayList<>();
        sources.add(ConfigSources.create(overrides));
        sources.add(ConfigSources.create(fromEnv(env)));
        String file = env.get("KEYWAY_CONFIG");
        if (file != null && !file.isBlank()) {
            if (!Files.isRegularFile(Path.of(file))) {
                throw new IllegalArgumentException("KEYWAY_CONFIG: " + file + " (expected: an existing YAML file)");
            }
            sources.add(ConfigSources.file(file));
        }
        sources.add(ConfigSources.classpath("keyway-defaults.yaml"));
        Config root = Config.builder().sources(sources).disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource().build().get("keyway");
        return from(root);
    }

    private static Map<String, String> fromEnv(Map<String, String> env) {
        Map<String, String> map = new java.util.HashMap<>();
        copy(env, "KEYWAY_DATA_DIR", map, "keyway.data-dir");
        copy(env, "KEYWAY_DATA_PORT", map, "keyway.data-plane.port");
        copy(env, "KEYWAY_ADMIN_PORT", map, "keyway.admin-plane.port");
        copy(env, "KEYWAY_PLUGINS_DIR", map, "keyway.plugins.dir");
        copy(env, "KEYWAY_PEPPER_FILE", map, "keyway.pepper-file");
        copy(env, "KEYWAY_PEPPER", map, "keyway.pepper");
        copy(env, "KEYWAY_BOOTSTRAP_TOKEN", map, "keyway.admin-plane.bootstrap-token");
        copy(env, "KEYWAY_IGNITE_XML", map, "keyway.store.ignite-xml");
        copy(env, "KEYWAY_MASTER_KEY_FILE", map, "keyway.master-key-file");
        copy(env, "KEYWAY_MASTER_KEY", map, "keyway.master-key");
        return map;
    }

    private static void copy(Map<String, String> env, String var, Map<String, String> to, String key) {
        String v = env.get(var);
        if (v != null && !v.isBlank()) {
            to.put(key, v);
        }
    }

    static KeywayConfig from(Config c) {
        Path dataDir = Path.of(c.get("data-dir").asString().orElse("keyway-data")).toAbsolutePath();
        Listener data = Listener.from(c.get("data-plane"), "data-plane");
        Listener admin = Listener.from(c.get("admin-plane"), "admin-plane");
        RingConfig ring = new RingConfig(c.get("ring.size").asInt().orElse(1024),
                c.get("ring.consumers").asInt().orElse(1),
                c.get("ring.wait-strategy").asString().orElse("lite-blocking"));
        CallsConfig calls = new CallsConfig(c.get("calls.ring-size").asInt().orElse(4096),
                c.get("calls.batch-size").asInt().orElse(256));
        PluginsConfig plugins = PluginsConfig.from(c.get("plugins"));
        Path pepper = c.get("pepper-file").asString().map(Path::of).orElse(dataDir.resolve("pepper.key"));
        Optional<String> token = c.get("admin-plane.bootstrap-token").asString().asOptional()
                .filter(t -> !t.isBlank());
        KeysConfig keys = new KeysConfig(c.get("keys.audit-interval").as(Duration.class).orElse(Duration.ofHours(1)),
                c.get("keys.expiring-days").asInt().orElse(7), c.get("keys.unused-days").asInt().orElse(30));
        Path masterKeyFile = c.get("master-key-file").asString().map(Path::of).orElse(dataDir.resolve("master.key"));
        AiConfig ai = AiConfig.from(c.get("ai"));
        return new KeywayConfig(dataDir, data, admin, ring, calls, plugins, store(c.get("store"), dataDir),
                pepper.toAbsolutePath(), c.get("pepper").asString().asOptional().filter(s -> !s.isBlank()), token,
                keys, masterKeyFile.toAbsolutePath(),
                c.get("master-key").asString().asOptional().filter(s -> !s.isBlank()), ai,
                PolicyConfig.from(c.get("policies")));
    }

    private static StoreConfig store(Config c, Path dataDir) {
        StoreConfig d = StoreConfig.defaults(dataDir);
        Path xml = c.get("ignite-xml").asString().asOptional().filter(s -> !s.isBlank()).map(Path::of)
                .map(Path::toAbsolutePath).orElse(null);
        if (xml != null && !Files.isRegularFile(xml)) {
            throw new IllegalArgumentException("store.ignite-xml: " + xml + " (expected: an existing Ignite Spring XML"
                    + " file; leave it unset for the built-in defaults)");
        }
        return new StoreConfig(dataDir, xml,
                c.get("consistent-id").asString().orElse(d.consistentId()),
                c.get("discovery-port").asInt().orElse(d.discoveryPort()),
                c.get("communication-port").asInt().orElse(d.communicationPort()),
                c.get("data-region-max-bytes").asLong().orElse(d.dataRegionMaxBytes()),
                c.get("persistence").asBoolean().orElse(d.persistence()),
                c.get("call-record-ttl-hours").asLong().map(Duration::ofHours).orElse(d.callRecordTtl()));
    }

    /**
     * One HTTP listener.
     *
     * @param host         bind address
     * @param port         port; 0 picks a free one
     * @param maxBodyBytes the largest request body accepted (413 above)
     * @param trustedProxies addresses or CIDR ranges of proxies whose {@code X-Forwarded-For} is believed; empty:
     *                       the client is always the socket peer
     */
    public record Listener(String host, int port, long maxBodyBytes, List<String> trustedProxies) {
        public Listener {
            Objects.requireNonNull(host, "host");
            trustedProxies = List.copyOf(trustedProxies);
            for (String p : trustedProxies) {
                if (dev.keyway.spi.IpRange.parse(p).isEmpty()) {
                    throw new IllegalArgumentException("trusted-proxies: '" + p + "' (expected: an IPv4/IPv6 "
                            + "address or CIDR range such as 10.0.0.0/8)");
                }
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
            }
            if (maxBodyBytes <= 0) {
                throw new IllegalArgumentException("max-body-bytes: " + maxBodyBytes + " (expected: > 0)");
            }
        }

        static Listener from(Config c, String name) {
            return new Listener(c.get("host").asString().orElse("127.0.0.1"),
                    c.get("port").asInt().orElseThrow(() -> new IllegalArgumentException(name + ".port: missing")),
                    c.get("max-body-bytes").asLong().orElse(10L * 1024 * 1024),
                    PluginsConfig.list(c.get("trusted-proxies"), List.of()));
        }
    }
}
