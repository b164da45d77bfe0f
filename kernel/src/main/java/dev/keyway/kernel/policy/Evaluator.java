package dev.keyway.kernel.policy;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One thread's sandboxed context and the policy modules loaded in it. Contexts are single-threaded, so every
 * evaluating thread (each ring consumer, the validation thread) owns one; all share the {@link Sandbox}'s engine,
 * so a module is parsed and compiled once for all of them. The context is replaced when the policies change (old
 * versions and whatever state their modules kept go with it) and after a fault that may have broken it.
 */
final class Evaluator implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Evaluator.class.getName());

    /** How one evaluation ended. */
    sealed interface Outcome {
    }

    /** The policy returned a decision, as the prelude's flat array. */
    record Ran(Value decision) implements Outcome {
    }

    /** The policy failed: it threw, ran out of time, or returned something that is not a decision. */
    record Failed(Kind kind, PolicyRuntime.ScriptError error) implements Outcome {
    }

    enum Kind {
        /** The script threw (or its module did not load). */
        ERROR,
        /** The script ran past its time limit and was stopped. */
        TIMEOUT,
        /** The script returned something that is not a decision. */
        INVALID
    }

    static final int COLD_CALLS = 20;

    private final Sandbox sandbox;
    private final Watchdog watchdog;
    private final Watchdog.Slot slot;
    private volatile Context current;
    private Sandbox.Loaded loaded;
    private long generation = -1;
    private final Map<String, Value> functions = new HashMap<>();
    private final Map<String, Failed> broken = new HashMap<>();
    private final Map<String, Value> configs = new HashMap<>();
    // Per policy in this context: calls that finished in time; -1 once one ran out of time.
    private final Map<String, Integer> warmth = new HashMap<>();
    private final Duration cold;

    /**
     * @param cold the time limit of a policy's first calls in a context ({@value #COLD_CALLS} of them, until one
     *             runs out of time): they run cold — interpreted, each new branch specialised on first use — and can
     *             cost a hundred times a warm call. A runaway script is thus stopped after {@code cold} once, then
     *             after its own limit every time.
     */
    Evaluator(Sandbox sandbox, Watchdog watchdog, Duration cold) {
        this.sandbox = sandbox;
        this.watchdog = watchdog;
        this.cold = cold;
        this.slot = watchdog.slot(this::interrupt);
    }

    private void interrupt() {
        Context c = current;
        if (c == null) {
            return;
        }
        try {
            c.interrupt(Duration.ofSeconds(5));
        } catch (Exception e) {
            // The script is stuck where it cannot be interrupted: cancel the context (the next call opens another).
            LOG.log(Level.WARNING, "a policy could not be interrupted; cancelling its context", e);
            c.close(true);
        }
    }

    /** Makes sure the context matches the policies of {@code gen}; opens a fresh one otherwise. */
    void prepare(long gen) {
        if (loaded == null || generation != gen) {
            reset();
            loaded = sandbox.open();
            current = loaded.context();
            generation = gen;
        }
    }

    private void reset() {
        functions.clear();
        broken.clear();
        configs.clear();
        warmth.clear();
        Sandbox.Loaded old = loaded;
        loaded = null;
        current = null;
        if (old != null) {
            try {
                old.context().close(true);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "closing a policy context", e);
            }
        }
    }

    /** The prelude's log lines since the last call (console.log and context.log). */
    java.util.List<String> logs() {
        Value lines = loaded.prelude().getMember("logs").execute();
        java.util.List<String> out = new java.util.ArrayList<>((int) lines.getArraySize());
        for (long i = 0; i < lines.getArraySize(); i++) {
            out.add(lines.getArrayElement(i).asString());
        }
        return out;
    }

    /** Loads the policy's module if needed; null when it is ready, else why it is not. */
    Failed load(PolicyIndex.Active p, Duration loadTimeout) {
        if (functions.containsKey(p.label())) {
            return null;
        }
        Failed known = broken.get(p.label());
        if (known != null) {
            return known;
        }
        long seq = slot.start(loadTimeout);
        Failed failed;
        try {
            Value exports = loaded.context().eval(p.source());
            Value fn = exports.getMember("default");
            if (fn == null || !fn.canExecute()) {
                failed = new Failed(Kind.INVALID, new PolicyRuntime.ScriptError("the module has no default export "
                        + "function (expected: export default function (request, context) { ... })", null, null));
            } else {
                functions.put(p.label(), fn);
                configs.put(p.label(), loaded.prelude().getMember("config").execute(p.config()));
                return null;
            }
        } catch (PolyglotException e) {
            failed = new Failed(e.isInterrupted() && slot.stoppedByUs(seq) ? Kind.TIMEOUT : Kind.ERROR,
                    Sandbox.error(e));
            if (e.isCancelled() || e.isInternalError() || e.isInterrupted()) {
                reset();
                return failed;
            }
        } finally {
            slot.end();
        }
        broken.put(p.label(), failed);
        return failed;
    }

    /**
     * Runs a loaded policy with the request's arguments (see the prelude's {@code run}). An interrupt the watchdog
     * did not send for this evaluation (one that arrived late, after the evaluation it was meant for) is retried.
     */
    Outcome run(PolicyIndex.Active p, Object[] args) {
        Value fn = functions.get(p.label());
        Object[] all = new Object[args.length + 3];
        all[0] = fn;
        all[1] = p.label();
        System.arraycopy(args, 0, all, 2, args.length);
        all[all.length - 1] = configs.get(p.label());
        int done = warmth.getOrDefault(p.label(), 0);
        Duration limit = done >= 0 && done < COLD_CALLS && cold.compareTo(p.timeout()) > 0 ? cold : p.timeout();
        for (int attempt = 0; ; attempt++) {
            long seq = slot.start(limit);
            try {
                Ran ran = new Ran(loaded.run().execute(all));
                if (done >= 0 && done < COLD_CALLS) {
                    warmth.put(p.label(), done + 1);
                }
                return ran;
            } catch (PolyglotException e) {
                if (e.isInterrupted() && !slot.stoppedByUs(seq) && attempt == 0) {
                    continue;
                }
                if (e.isInterrupted()) {
                    warmth.put(p.label(), -1);
                }
                Kind kind = e.isInterrupted() ? Kind.TIMEOUT
                        : e.isGuestException() && String.valueOf(e.getMessage()).contains("returned an invalid "
                        + "decision") ? Kind.INVALID : Kind.ERROR;
                Failed failed = new Failed(kind, Sandbox.error(e));
                if (e.isCancelled() || e.isInternalError() || e.isExit()) {
                    reset();
                }
                return failed;
            } catch (IllegalStateException e) {
                // The context was cancelled (a script that could not be interrupted): open a new one next time.
                reset();
                return new Failed(Kind.TIMEOUT, new PolicyRuntime.ScriptError("the script did not stop when "
                        + "interrupted", null, null));
            } finally {
                slot.end();
            }
        }
    }

    @Override
    public void close() {
        reset();
        watchdog.release(slot);
    }
}
