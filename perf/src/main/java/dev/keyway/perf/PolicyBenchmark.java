package dev.keyway.perf;

import dev.keyway.kernel.config.PolicyConfig;
import dev.keyway.kernel.observe.Metrics;
import dev.keyway.kernel.policy.PolicyRuntime;
import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.IgniteStore;
import dev.keyway.kernel.store.StoreConfig;
import dev.keyway.kernel.store.StoredPolicy;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Decision;
import dev.keyway.spi.fixture.TestExchange;
import dev.keyway.spi.fixture.TestServices;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a JavaScript policy costs per request, through the same path as the ring: the policy index lookup, the
 * request view built from the exchange, the call into the sandboxed context (JIT-compiled by the Graal compiler on
 * the module path), and reading the decision. {@code simple} checks a header; {@code body} parses the JSON body of
 * a chat request and counts its prompt's characters. Each benchmark thread owns one context, like a ring thread.
 *
 * <pre>perf/run-jmh.sh Policy -f 1 -wi 5 -w 5s -i 5 -r 5s -t 1</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PolicyBenchmark {
    private static final String SIMPLE = "export default function (request, context) {\n"
            + "  return request.header('x-plan') === 'free' && request.path.startsWith('/admin')\n"
            + "    ? context.deny(403, 'plan_required', 'paid plans only') : context.allow();\n}";
    private static final String BODY = "export default function (request, context) {\n"
            + "  const b = request.body;\n  let chars = 0;\n"
            + "  for (const m of b.messages) { chars += typeof m.content === 'string' ? m.content.length : 0; }\n"
            + "  return chars > 2000 ? context.deny(400, 'prompt_too_long', 'too long') : context.allow();\n}";

    @Param({"simple", "body"})
    public String policy;

    private IgniteStore store;
    private PolicyRuntime runtime;
    private TestExchange exchange;
    private Path dir;

    @Setup(Level.Trial)
    public void start() throws Exception {
        dir = Files.createTempDirectory("keyway-policy-bench");
        StoreConfig d = StoreConfig.defaults(dir);
        store = IgniteStore.start(new StoreConfig(dir, null, "bench", d.discoveryPort(), d.communicationPort(),
                d.dataRegionMaxBytes(), false, d.callRecordTtl()));
        var policies = store.entities(Caches.POLICIES, StoredPolicy.class, StoredPolicy::id);
        policies.put(new StoredPolicy("pol-1", "bench", "t-1", null,
                List.of(new StoredPolicy.Attachment(StoredPolicy.Scope.SERVICE, "svc-1")), false, 1000, true,
                Map.of(), 100, 1, List.of(new StoredPolicy.Version(1, policy.equals("body") ? BODY : SIMPLE, null,
                "u-1", 0))));
        runtime = new PolicyRuntime(PolicyConfig.defaults(), policies, new Metrics());
        exchange = new TestExchange().method("POST").path("/v1/chat/completions")
                .header("Content-Type", "application/json").header("x-plan", "free")
                .header("User-Agent", "bench/1.0").header("Authorization", "Bearer kw-not-a-real-key")
                .body("{\"model\":\"gpt-4o-mini\",\"max_tokens\":100,\"messages\":[{\"role\":\"system\",\"content\":"
                        + "\"You are a helpful assistant.\"},{\"role\":\"user\",\"content\":\"What is the capital of "
                        + "France? Answer in one word.\"}]}");
        exchange.attribute(Attributes.SERVICE, TestServices.rest("svc-1", "t-1", "bench"));
        exchange.attribute(Attributes.MODEL, "gpt-4o-mini");
        if (!(runtime.evaluate(exchange) instanceof Decision.Proceed)) {
            throw new IllegalStateException("the benchmark policy should allow");
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        runtime.close();
        store.close();
    }

    @Benchmark
    public Decision evaluate() {
        return runtime.evaluate(exchange);
    }
}
