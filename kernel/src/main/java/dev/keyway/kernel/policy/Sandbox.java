package dev.keyway.kernel.policy;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.SourceSection;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The sandbox every policy runs in: one shared {@link Engine} (compiled code is reused by every context) and
 * contexts with no host access at all — no Java classes or objects, no files, network, processes, threads,
 * environment or native code, no polyglot access — and the experimental JavaScript options that bound single
 * allocations (strings and typed arrays of at most 16 Mi elements). The prelude then removes host-flavoured
 * globals ({@code Java}, {@code load}, {@code print}, {@code Polyglot}, ...) and freezes every built-in.
 */
final class Sandbox implements AutoCloseable {
    static final String MAX_LENGTH = Integer.toString(16 * 1024 * 1024);
    private static final Source PRELUDE = prelude();

    private static final int SPARES = 2;

    private final Engine engine;
    // Contexts built ahead, off the ring: opening one (the prelude freezes every built-in) takes tens of
    // milliseconds, which a ring thread would otherwise spend on the first request after each policy change.
    private final java.util.concurrent.BlockingQueue<Loaded> spares = new java.util.concurrent.ArrayBlockingQueue<>(
            SPARES);
    private final java.util.concurrent.Semaphore wanted = new java.util.concurrent.Semaphore(0);
    private volatile boolean closed;
    private Thread builder;

    Sandbox() {
        engine = Engine.newBuilder("js")
                .option("engine.WarnInterpreterOnly", "false")
                .out(OutputStream.nullOutputStream()).err(OutputStream.nullOutputStream())
                .build();
    }

    /**
     * Asks for spare contexts to be built in the background (from the first call on, spares taken are replaced).
     * Nodes that never run a policy never build one.
     */
    synchronized void keepSpares() {
        if (builder == null && !closed) {
            builder = Thread.ofPlatform().daemon().name("keyway-policy-contexts").start(this::build);
        }
        wanted.release();
    }

    private void build() {
        while (!closed) {
            try {
                wanted.acquire();
                wanted.drainPermits();
                while (!closed && spares.remainingCapacity() > 0) {
                    Loaded l = open();
                    if (!spares.offer(l)) {
                        l.context().close(true);
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                java.util.logging.Logger.getLogger(Sandbox.class.getName()).log(java.util.logging.Level.WARNING,
                        "building a spare policy context failed", e);
            }
        }
    }

    /** A ready context: a spare built ahead when there is one, else one opened now. */
    Loaded take() {
        Loaded l = spares.poll();
        keepSpares();
        return l != null ? l : open();
    }

    /** Whether scripts are compiled to machine code (false: the Graal compiler is not on the module path). */
    String implementation() {
        return engine.getImplementationName();
    }

    /** A new sandboxed context with the prelude loaded; returns it with the prelude's functions. */
    Loaded open() {
        Context context = Context.newBuilder("js")
                .engine(engine)
                .allowHostAccess(HostAccess.NONE)
                .allowHostClassLookup(name -> false)
                .allowHostClassLoading(false)
                .allowIO(IOAccess.NONE)
                .allowCreateThread(false)
                .allowCreateProcess(false)
                .allowNativeAccess(false)
                .allowEnvironmentAccess(EnvironmentAccess.NONE)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowValueSharing(false)
                .allowExperimentalOptions(true)
                .option("js.esm-eval-returns-exports", "true")
                .option("js.load", "false")
                .option("js.print", "false")
                .option("js.polyglot-builtin", "false")
                .option("js.java-package-globals", "false")
                .option("js.graal-builtin", "false")
                .option("js.regexp-static-result", "false")
                .option("js.agent-can-block", "false")
                .option("js.atomics", "false")
                .option("js.shared-array-buffer", "false")
                .option("js.string-length-limit", MAX_LENGTH)
                .option("js.max-typed-array-length", MAX_LENGTH)
                .option("js.timer-resolution", "1000000")
                .build();
        try {
            return new Loaded(context, context.eval(PRELUDE));
        } catch (RuntimeException e) {
            context.close(true);
            throw e;
        }
    }

    /** A context and the prelude's {@code run}, {@code config} and {@code logs} functions. */
    record Loaded(Context context, Value prelude) {
        Value run() {
            return prelude.getMember("run");
        }
    }

    /** The module source of a policy version; sources are cached by the engine, so each is parsed once. */
    static Source module(String label, String source) {
        return Source.newBuilder("js", source, label + ".mjs").mimeType("application/javascript+module")
                .cached(true).buildLiteral();
    }

    /** What went wrong in a script, and where (line and column in the policy's own source). */
    static PolicyRuntime.ScriptError error(PolyglotException e) {
        SourceSection at = e.getSourceLocation();
        if (at == null) {
            for (PolyglotException.StackFrame f : e.getPolyglotStackTrace()) {
                if (f.isGuestFrame() && f.getSourceLocation() != null
                        && f.getSourceLocation().getSource().getName().endsWith(".mjs")) {
                    at = f.getSourceLocation();
                    break;
                }
            }
        }
        String message = e.isInterrupted() ? "the script did not finish within its time limit"
                : e.isResourceExhausted() ? "the script exhausted a resource: " + e.getMessage()
                : String.valueOf(e.getMessage());
        if (at == null || !at.isAvailable() || !at.getSource().getName().endsWith(".mjs")) {
            return new PolicyRuntime.ScriptError(message, null, null);
        }
        return new PolicyRuntime.ScriptError(message, at.getStartLine(), at.getStartColumn());
    }

    private static Source prelude() {
        try (InputStream in = Sandbox.class.getResourceAsStream("prelude.js")) {
            if (in == null) {
                throw new IllegalStateException("prelude.js missing from the kernel JAR");
            }
            return Source.newBuilder("js", new String(in.readAllBytes(), StandardCharsets.UTF_8), "keyway-prelude.js")
                    .cached(true).buildLiteral();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread b;
        synchronized (this) {
            b = builder;
        }
        if (b != null) {
            b.interrupt();
        }
        for (Loaded l; (l = spares.poll()) != null; ) {
            l.context().close(true);
        }
        engine.close(true);
    }
}
