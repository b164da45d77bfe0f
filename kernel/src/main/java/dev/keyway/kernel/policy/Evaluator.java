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
        /** The script allocated more than its allowance and was stopped. */
        MEMORY,
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
    private final long maxBytes;

    /**
     * @param maxBytes the most one evaluation (or module load) may allocate
     * @param cold the time limit of a policy's first calls in a context ({@value #COLD_CALLS} of them, until one
     *             runs out of time): they run cold — interpreted, each new branch specialised on first use — and can
     *             cost a hundred times a warm call. A runaway script is thus stopped after {@code cold} once, then
     *             after its own limit every time.
     */
    Evaluator(Sandbox sandbox, Watchdog watchdog, Duration cold, long maxBytes) {
        this.sandbox = sandbox;
        this.watchdog = watchdog;
        this.cold = cold;
        this.maxBytes = maxBytes;
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
        if (generation != gen) {
            // What this thread learnt about the old policies (broken modules, runaways) goes with them.
            broken.clear();
            warmth.clear();
            closeContext();
        }
        if (loaded == null) {
            loaded = sandbox.take();
            current = loaded.context();
            generation = gen;
        }
    }

    /**
     * Drops the context (and every module loaded in it); the next {@link #prepare} opens a fresh one. What is known
     * of the current policies (modules that do not load, scripts that ran out of time) is kept.
     */
    private void closeContext() {
        functions.clear();
        configs.clear();
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
        if (loaded == null) {
            return java.util.List.of();
        }
        Value lines = loaded.prelude().getMember("logs").execute();
        java.util.List<String> out = new java.util.ArrayList<>((int) lines.getArraySize());
        for (long i = 0; i < lines.getArraySize(); i++) {
            out.add(lines.getArrayElement(i).asString());
        }
        return out;
    }

    /** Loads the policy's module if needed; null when it is ready, else why it is not. */
    Failed load(PolicyIndex.Active p, Duration loadTimeout) {
        if (functions.containsKey(p.key())) {
            return null;
        }
        Failed known = broken.get(p.key());
        if (known != null) {
            return known;
        }
        Failed failed = null;
        for (int attempt = 0; failed == null; attempt++) {
            Failed f = loadOnce(p, loadTimeout, attempt == 0);
            if (f == RETRY) {
                continue;
            }
            if (f == null) {
                return null;
            }
            failed = f;
        }
        broken.put(p.key(), failed);
        return failed;
    }

    private static final Failed RETRY = new Failed(Kind.ERROR, new PolicyRuntime.ScriptError("retry", null, null));

    private Failed loadOnce(PolicyIndex.Active p, Duration loadTimeout, boolean mayRetry) {
        long seq = slot.start(loadTimeout, maxBytes);
        Failed failed;
        try {
            Value exports = loaded.context().eval(p.source());
            Value fn = exports.getMember("default");
            if (fn == null || !fn.canExecute()) {
                failed = new Failed(Kind.INVALID, new PolicyRuntime.ScriptError("the module has no default export "
                        + "function (expected: export default function (request, context) { ... })", null, null));
            } else {
                functions.put(p.key(), fn);
                configs.put(p.key(), loaded.prelude().getMember("config").execute(p.config()));
                return null;
            }
        } catch (PolyglotException e) {
            boolean ours = slot.stoppedByUs(seq);
            if (e.isInterrupted() || e.isCancelled() || e.isInternalError()) {
                // Whatever the module left queued or half-built goes with the context.
                closeContext();
                if (e.isInterrupted() && !ours && mayRetry) {
                    prepareAgain();
                    return RETRY;
                }
            }
            failed = e.isInterrupted() && ours ? stopped() : new Failed(Kind.ERROR, Sandbox.error(e));
        } finally {
            slot.end();
        }
        return failed;
    }

    /** How the watchdog's stop is reported: out of time, or out of memory allowance. */
    private Failed stopped() {
        return slot.reason() == Watchdog.Reason.MEMORY
                ? new Failed(Kind.MEMORY, new PolicyRuntime.ScriptError("the script allocated more than its allowance "
                + "of " + (maxBytes >> 20) + " MiB", null, null))
                : new Failed(Kind.TIMEOUT, new PolicyRuntime.ScriptError("the script did not finish within its time "
                + "limit", null, null));
    }

    private void prepareAgain() {
        loaded = sandbox.take();
        current = loaded.context();
    }

    /**
     * Runs a loaded policy with the request's arguments (see the prelude's {@code run}). An interrupt the watchdog
     * did not send for this evaluation (one that arrived late, after the evaluation it was meant for) is retried.
     */
    Outcome run(PolicyIndex.Active p, Object[] args) {
        Value fn = functions.get(p.key());
        Object[] all = new Object[args.length + 3];
        all[0] = fn;
        all[1] = p.label();
        System.arraycopy(args, 0, all, 2, args.length);
        all[all.length - 1] = configs.get(p.key());
        int done = warmth.getOrDefault(p.key(), 0);
        Duration limit = done >= 0 && done < COLD_CALLS && cold.compareTo(p.timeout()) > 0 ? cold : p.timeout();
        for (int attempt = 0; ; attempt++) {
            long seq = slot.start(limit, maxBytes);
            try {
                Ran ran = new Ran(loaded.run().execute(all));
                if (done >= 0 && done < COLD_CALLS) {
                    warmth.put(p.key(), done + 1);
                }
                return ran;
            } catch (PolyglotException e) {
                if (e.isInterrupted()) {
                    // An interrupted script may have left promise jobs queued, which would run at the end of the
                    // next evaluation in this context (another policy's): the context goes, a fresh one follows.
                    closeContext();
                    if (!slot.stoppedByUs(seq) && attempt == 0) {
                        // An interrupt meant for an earlier evaluation that arrived late: run this one again.
                        prepareAgain();
                        if (load(p, cold) != null) {
                            return broken.get(p.key());
                        }
                        fn = functions.get(p.key());
                        all[0] = fn;
                        all[all.length - 1] = configs.get(p.key());
                        continue;
                    }
                    warmth.put(p.key(), -1);
                }
                if (e.isInterrupted()) {
                    return stopped();
                }
                Kind kind = e.isGuestException() && String.valueOf(e.getMessage()).contains("returned an invalid "
                        + "decision") ? Kind.INVALID : Kind.ERROR;
                Failed failed = new Failed(kind, Sandbox.error(e));
                if (e.isCancelled() || e.isInternalError() || e.isExit()) {
                    closeContext();
                }
                return failed;
            } catch (IllegalStateException e) {
                // The context was cancelled (a script that could not be interrupted): open a new one next time.
                closeContext();
                return new Failed(Kind.TIMEOUT, new PolicyRuntime.ScriptError("the script did not stop when "
                        + "interrupted", null, null));
            } finally {
                slot.end();
            }
        }
    }

    @Override
    public void close() {
        closeContext();
        watchdog.release(slot);
    }
}
