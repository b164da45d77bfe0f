package dev.keyway.kernel.policy;

import dev.keyway.kernel.config.PolicyConfig;
import dev.keyway.spi.json.Json;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Compile checks and trial runs for the admin plane, each in a fresh sandboxed context on one dedicated thread:
 * trials never touch the contexts that serve requests, and a hostile script under trial costs at most one core
 * for at most its time limit.
 */
final class Trials implements AutoCloseable {
    private final Sandbox sandbox;
    private final Watchdog watchdog;
    private final PolicyConfig config;
    private volatile ExecutorService thread = newThread();

    Trials(Sandbox sandbox, Watchdog watchdog, PolicyConfig config) {
        this.sandbox = sandbox;
        this.watchdog = watchdog;
        this.config = config;
    }

    PolicyRuntime.ScriptError check(String name, String source) {
        return on(() -> {
            try (Evaluator e = new Evaluator(sandbox, watchdog, config.loadTimeout(), config.maxAllocationBytes())) {
                e.prepare(1);
                Evaluator.Failed f = e.load(active(name, source, Map.of(), false, null), config.loadTimeout());
                return f == null ? null : f.error();
            }
        });
    }

    PolicyRuntime.Validation validate(String name, String source, Map<String, Object> settings, boolean readsBody,
                                      Long timeoutMs, List<Map<String, Object>> samples) {
        return on(() -> {
            PolicyIndex.Active p = active(name, source, settings, readsBody, timeoutMs);
            try (Evaluator e = new Evaluator(sandbox, watchdog, config.loadTimeout(), config.maxAllocationBytes())) {
                e.prepare(1);
                Evaluator.Failed f = e.load(p, config.loadTimeout());
                if (f != null) {
                    return new PolicyRuntime.Validation(f.error(), List.of());
                }
                List<Map<String, Object>> results = new ArrayList<>();
                for (Map<String, Object> sample : samples) {
                    e.prepare(1);
                    if (e.load(p, config.loadTimeout()) != null) {
                        results.add(Map.of("error", Map.of("kind", "error", "message", "the context was reset")));
                        continue;
                    }
                    long t0 = System.nanoTime();
                    Evaluator.Outcome outcome = e.run(p, args(sample, p));
                    long micros = (System.nanoTime() - t0) / 1000;
                    Map<String, Object> r = outcome instanceof Evaluator.Ran ran ? Changes.describe(ran.decision())
                            : failure((Evaluator.Failed) outcome);
                    r.put("micros", micros);
                    List<String> logs = e.logs();
                    if (!logs.isEmpty()) {
                        r.put("logs", logs);
                    }
                    results.add(r);
                }
                return new PolicyRuntime.Validation(null, results);
            }
        });
    }

    private static Map<String, Object> failure(Evaluator.Failed f) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("kind", f.kind().name().toLowerCase(java.util.Locale.ROOT));
        error.put("message", f.error().message());
        if (f.error().line() != null) {
            error.put("line", f.error().line());
            error.put("column", f.error().column());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("error", error);
        return out;
    }

    private PolicyIndex.Active active(String name, String source, Map<String, Object> settings, boolean readsBody,
                                      Long timeoutMs) {
        Duration timeout = timeoutMs == null ? config.timeout() : Duration.ofMillis(Math.min(timeoutMs,
                config.maxTimeout().toMillis()));
        String label = name + "@trial";
        return new PolicyIndex.Active("trial", name, 0, label, Sandbox.module(label, source), timeout, false,
                readsBody, Json.write(settings == null ? Map.of() : settings), 0);
    }

    /** A sample request as the prelude's arguments (see {@link RequestArgs}). */
    @SuppressWarnings("unchecked")
    private static Object[] args(Map<String, Object> s, PolicyIndex.Active p) {
        Object[] a = new Object[RequestArgs.SIZE];
        a[0] = text(s.get("method"), "GET").toUpperCase(java.util.Locale.ROOT);
        a[1] = text(s.get("path"), "/");
        a[2] = text(s.get("query"), "");
        StringBuilder headers = new StringBuilder();
        if (s.get("headers") instanceof Map<?, ?> h) {
            for (Map.Entry<?, ?> e : h.entrySet()) {
                String n = String.valueOf(e.getKey()).toLowerCase(java.util.Locale.ROOT);
                String v = String.valueOf(e.getValue()).replace('\n', ' ').replace('\r', ' ');
                headers.append(n.replace('\n', ' ')).append('\n').append(v).append('\n');
            }
        }
        a[3] = headers.toString();
        a[4] = text(s.get("clientIp"), "127.0.0.1");
        Object body = s.get("body");
        a[RequestArgs.BODY] = body == null ? (p.readsBody() ? "" : null)
                : body instanceof String str ? str : Json.write(body);
        a[RequestArgs.BODY_NOTE] = "request.body is not available to policy '" + p.name() + "': REST request bodies "
                + "are read only for policies with readsBody set";
        Map<String, Object> c = s.get("context") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        a[7] = c.get("keyId") == null ? null : String.valueOf(c.get("keyId"));
        a[8] = str(c.get("userId"));
        a[9] = str(c.get("userName"));
        a[10] = str(c.get("teamId"));
        a[11] = str(c.get("teamName"));
        a[12] = str(c.get("appId"));
        a[13] = str(c.get("appName"));
        a[14] = str(c.get("serviceId"));
        a[15] = str(c.get("serviceName"));
        a[16] = str(c.get("serviceKind"));
        a[17] = str(c.get("serviceVersion"));
        a[18] = str(c.get("subscriptionId"));
        a[19] = str(c.get("model"));
        return a;
    }

    private static String text(Object v, String dflt) {
        return v == null ? dflt : String.valueOf(v);
    }

    private static String str(Object v) {
        return v == null ? null : String.valueOf(v);
    }

    private <T> T on(java.util.concurrent.Callable<T> task) {
        Future<T> f = thread.submit(task);
        try {
            return f.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(true);
            // A trial that does not come back must not block every later one: later trials get a new thread.
            ExecutorService stuck = thread;
            thread = newThread();
            stuck.shutdownNow();
            throw new IllegalStateException("the policy trial thread is busy (other trials are queued); try again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new IllegalStateException("interrupted while trying a policy", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private static ExecutorService newThread() {
        return Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("keyway-policy-trials").factory());
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
