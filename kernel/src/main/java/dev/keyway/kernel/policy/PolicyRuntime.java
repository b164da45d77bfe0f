package dev.keyway.kernel.policy;

import dev.keyway.kernel.config.PolicyConfig;
import dev.keyway.kernel.observe.Metrics;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredPolicy;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.PolicyEngine;
import dev.keyway.spi.Service;
import org.graalvm.polyglot.Value;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs JavaScript policies: on the ring for every request whose service has policies attached
 * ({@link PolicyEngine}), and for the admin plane's checks and trial runs ({@link #check}, {@link #validate}).
 *
 * <p>Each ring thread owns one sandboxed context ({@link Evaluator}); all share one engine, so compiled code is
 * shared. A policy that fails — throws, runs past its time limit, returns something that is not a decision — is
 * logged (at most once per policy version every 10 s), counted ({@code keyway_policy_failures_total}) and, unless
 * it fails open, refuses the request: 503 {@code policy_timeout} or 500 {@code policy_error}, naming the policy and
 * its version but none of its internals. The ring thread always comes back: scripts are interrupted, never waited
 * for.
 */
public final class PolicyRuntime implements PolicyEngine, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PolicyRuntime.class.getName());
    private static final long LOG_EVERY_NANOS = Duration.ofSeconds(10).toNanos();

    /** A script fault: what went wrong, and where in the module (1-based; null when unknown). */
    public record ScriptError(String message, Integer line, Integer column) {
    }

    /**
     * What {@link #validate} found.
     *
     * @param error   the compile error, or null when the module compiled and exports a default function
     * @param results one entry per sample, in order: the decision ({@code {"decision":"allow"|"deny", ...}}) or
     *                {@code {"error":{"kind","message","line","column"}}}; empty when the module did not compile
     */
    public record Validation(ScriptError error, List<Map<String, Object>> results) {
    }

    private final PolicyConfig config;
    private final Metrics metrics;
    private final Sandbox sandbox = new Sandbox();
    private final Watchdog watchdog = new Watchdog();
    private final PolicyIndex index;
    private final ThreadLocal<Evaluator> evaluators = new ThreadLocal<>();
    private final Map<Evaluator, Boolean> all = new ConcurrentHashMap<>();
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();
    private final Trials trials;
    private final Breakers breakers = new Breakers(java.util.concurrent.TimeUnit.SECONDS.toNanos(30), System::nanoTime);
    private final java.util.concurrent.atomic.LongAdder allowed;
    private final java.util.concurrent.atomic.LongAdder denied;
    private final java.util.concurrent.atomic.LongAdder skipped;

    /**
     * @param policies the stored policies (null: none are ever attached, e.g. a runtime only for validation)
     */
    public PolicyRuntime(PolicyConfig config, EntityCache<StoredPolicy> policies, Metrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.index = policies == null ? null : new PolicyIndex(policies, config.timeout(), config.maxTimeout(),
                sandbox::keepSpares);
        this.trials = new Trials(sandbox, watchdog, config);
        this.allowed = metrics.counter("keyway_policy_decisions_total", "decision", "allow");
        this.denied = metrics.counter("keyway_policy_decisions_total", "decision", "deny");
        this.skipped = metrics.counter("keyway_policy_skipped_total");
        LOG.info(() -> "policy runtime: " + sandbox.implementation() + " (default time limit "
                + config.timeout().toMillis() + " ms)");
    }

    /** The time limit of one evaluation when a policy sets none, in milliseconds. */
    public long defaultTimeoutMs() {
        return config.timeout().toMillis();
    }

    /** The most a policy may set as its time limit, in milliseconds. */
    public long maxTimeoutMs() {
        return config.maxTimeout().toMillis();
    }

    /** Compiles the module; null when it compiles and exports a default function, else why not. */
    public ScriptError check(String name, String source) {
        return trials.check(name, source);
    }

    /**
     * Compiles {@code source} in a fresh sandboxed context and runs it against each sample request.
     *
     * @param samples each {@code {"method","path","query","headers":{},"clientIp","body", "context":{"keyId",
     *                "userId","teamId","appId","serviceId","subscriptionId","model"}}}, all optional
     */
    public Validation validate(String name, String source, Map<String, Object> config, boolean readsBody,
                               Long timeoutMs, List<Map<String, Object>> samples) {
        return trials.validate(name, source, config, readsBody, timeoutMs, samples);
    }

    /** Whether a policy that reads request bodies applies to a service (the data plane then buffers REST bodies). */
    public boolean readsBody(Service service) {
        return index != null && service != null && index.readsBody(service.id(), service.teamId());
    }

    @Override
    public Decision evaluate(Exchange exchange) {
        Service service = exchange.attribute(dev.keyway.spi.Attributes.SERVICE).orElse(null);
        if (index == null || service == null) {
            return Decision.proceed();
        }
        PolicyIndex.Applicable applicable = index.applicable(service.id(), service.teamId());
        if (applicable.policies().isEmpty()) {
            return Decision.proceed();
        }
        Evaluator evaluator = evaluator();
        Object[] args = null;
        for (PolicyIndex.Active p : applicable.policies()) {
            Decision d;
            if (!breakers.allows(p.key())) {
                skipped.increment();
                d = failed(p, new Evaluator.Failed(Evaluator.Kind.TIMEOUT, new ScriptError("not run: it was stopped "
                        + Breakers.TRIPS + " times in a row; tried again after 30 s", null, null)));
                if (d != null) {
                    return d;
                }
                continue;
            }
            try {
                evaluator.prepare(applicable.generation());
                Evaluator.Outcome outcome = evaluator.load(p, config.loadTimeout());
                if (outcome == null) {
                    if (args == null) {
                        args = RequestArgs.of(exchange, service);
                    }
                    outcome = evaluator.run(p, RequestArgs.withBody(args, exchange, p));
                }
                d = apply(p, outcome, exchange);
            } catch (RuntimeException e) {
                // Whatever went wrong — the runtime, or a decision the kernel cannot read — is this policy's failure,
                // handled as its settings say (fail closed unless it fails open), never an unhandled stage error.
                LOG.log(Level.FINE, e, () -> "policy " + p.label() + " could not run");
                d = failed(p, new Evaluator.Failed(Evaluator.Kind.ERROR, new ScriptError("the policy runtime "
                        + "failed: " + e.getClass().getSimpleName(), null, null)));
            }
            if (d != null) {
                return d;
            }
            if (args != null) {
                // The next policy sees what this one changed (a rewritten model).
                RequestArgs.refresh(args, exchange);
            }
        }
        return Decision.proceed();
    }

    /** Applies an outcome: a denial to return, or null to go on with the next policy. */
    private Decision apply(PolicyIndex.Active p, Evaluator.Outcome outcome, Exchange exchange) {
        breakers.record(p.key(), outcome instanceof Evaluator.Failed f
                && (f.kind() == Evaluator.Kind.TIMEOUT || f.kind() == Evaluator.Kind.MEMORY));
        if (outcome instanceof Evaluator.Failed f) {
            return failed(p, f);
        }
        Value d = ((Evaluator.Ran) outcome).decision();
        if (d.isString()) {
            allowed.increment();
            return null;
        }
        if (d.getArrayElement(0).asString().equals("deny")) {
            denied.increment();
            return Decision.respond(d.getArrayElement(1).asInt(), d.getArrayElement(2).asString(),
                    d.getArrayElement(3).asString());
        }
        String problem = Changes.apply(d, exchange);
        if (problem != null) {
            return failed(p, new Evaluator.Failed(Evaluator.Kind.INVALID, new ScriptError(problem, null, null)));
        }
        allowed.increment();
        return null;
    }

    private Decision failed(PolicyIndex.Active p, Evaluator.Failed f) {
        String kind = f.kind().name().toLowerCase(java.util.Locale.ROOT);
        metrics.inc("keyway_policy_failures_total", "kind", kind);
        long now = System.nanoTime();
        if (lastLogged.size() > 10_000) {
            lastLogged.clear();
        }
        Long last = lastLogged.get(p.label());
        if (last == null || now - last > LOG_EVERY_NANOS) {
            lastLogged.put(p.label(), now);
            ScriptError e = f.error();
            LOG.warning(() -> "policy " + p.label() + " failed (" + kind + (p.failOpen() ? ", fails open" : "")
                    + "): " + e.message() + (e.line() == null ? "" : " at line " + e.line() + ", column "
                    + e.column()) + " (logged at most once per 10 s per policy version)");
        }
        if (p.failOpen()) {
            return null;
        }
        String where = f.error().line() == null ? "" : " at line " + f.error().line() + ", column "
                + f.error().column();
        return switch (f.kind()) {
            case TIMEOUT -> Decision.respond(503, "policy_timeout", "policy '" + p.name() + "' version "
                    + p.version() + " did not decide within its time limit of " + p.timeout().toMillis() + " ms");
            case INVALID -> Decision.respond(500, "policy_error", "policy '" + p.name() + "' version " + p.version()
                    + " returned an invalid decision");
            case MEMORY -> Decision.respond(500, "policy_error", "policy '" + p.name() + "' version " + p.version()
                    + " used more than its memory allowance");
            case ERROR -> Decision.respond(500, "policy_error", "policy '" + p.name() + "' version " + p.version()
                    + " failed" + where);
        };
    }

    private Evaluator evaluator() {
        Evaluator e = evaluators.get();
        if (e == null) {
            if (Thread.currentThread().isVirtual()) {
                // A context per virtual thread would be one per request, never closed: policies run on the ring.
                throw new IllegalStateException("policies are evaluated on ring threads, not virtual threads");
            }
            e = new Evaluator(sandbox, watchdog, config.loadTimeout(), config.maxAllocationBytes());
            evaluators.set(e);
            all.put(e, Boolean.TRUE);
        }
        return e;
    }

    @Override
    public void close() {
        trials.close();
        watchdog.close();
        for (Evaluator e : all.keySet()) {
            try {
                e.close();
            } catch (RuntimeException ex) {
                LOG.log(Level.FINE, "closing a policy context", ex);
            }
        }
        sandbox.close();
    }
}
