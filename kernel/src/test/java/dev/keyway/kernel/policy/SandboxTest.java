package dev.keyway.kernel.policy;

import dev.keyway.kernel.config.PolicyConfig;
import dev.keyway.kernel.observe.Metrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile and broken scripts in the real sandbox (GraalJS on the module path, as the gateway runs): each is
 * contained — reported with its kind and, where the runtime knows it, the line and column — and the runtime
 * answers the next script normally.
 */
class SandboxTest {
    static PolicyRuntime runtime;
    static final String OK = "export default function (request, context) { return context.allow(); }";

    @BeforeAll
    static void start() {
        runtime = new PolicyRuntime(new PolicyConfig(Duration.ofMillis(50), Duration.ofMillis(500),
                Duration.ofSeconds(1), 64L << 20), null, new Metrics());
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    static Map<String, Object> one(String source, Map<String, Object> sample) {
        PolicyRuntime.Validation v = runtime.validate("t", source, Map.of(), false, null, List.of(sample));
        assertThat(v.error()).as("compiles").isNull();
        return v.results().get(0);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> error(Map<String, Object> result) {
        assertThat(result).containsKey("error");
        return (Map<String, Object>) result.get("error");
    }

    /** After any hostile script, an ordinary one still runs. */
    static void stillServes() {
        assertThat(one(OK, Map.of())).containsEntry("decision", "allow");
    }

    @Test
    void anInfiniteLoopIsStoppedAtItsTimeLimit() {
        long t0 = System.nanoTime();
        Map<String, Object> e = error(one("export default function () { while (true) {} }", Map.of()));
        assertThat(e).containsEntry("kind", "timeout");
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms").isLessThan(2_000);
        stillServes();
    }

    @Test
    void aScriptThatKeepsAllocatingIsStoppedAtItsAllowance() {
        // Well within its time (the first calls get 500 ms), far beyond 64 MiB: stopped for memory, not time.
        Map<String, Object> e = error(one("export default function () {\n  const keep = [];\n"
                + "  for (;;) { keep.push(new Array(1 << 16).fill(7)); }\n}", Map.of()));
        assertThat(e).containsEntry("kind", "memory");
        assertThat((String) e.get("message")).contains("64 MiB");
        stillServes();
    }

    @Test
    void deepRecursionIsAnErrorNotACrash() {
        Map<String, Object> e = error(one("export default function () {\n  function f(n) { return f(n + 1) + 1; }\n"
                + "  return f(0);\n}", Map.of()));
        assertThat(e).containsEntry("kind", "error");
        assertThat((String) e.get("message")).contains("RangeError");
        stillServes();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "let s = 'x'; for (let i = 0; i < 40; i++) { s += s; } return context.allow();",
            "return new ArrayBuffer(2e9) && context.allow();",
            "return new Uint8Array(1 << 30) && context.allow();",
            "return 'x'.repeat(1 << 29) && context.allow();",
            "const a = []; for (;;) { a.push(new Array(100000).fill(1)); }",
            "return new Array(1e9).fill(0) && context.allow();"})
    void hugeAllocationsAreRefusedOrStopped(String body) {
        Map<String, Object> e = error(one("export default function (request, context) { " + body + " }", Map.of()));
        assertThat(e.get("kind")).isIn("error", "timeout", "memory");
        stillServes();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Java.type('java.lang.System').exit(1)",
            "require('fs')",
            "load('/etc/passwd')",
            "eval(\"Java.type('java.lang.Runtime')\")",
            "Polyglot.eval('js', '1')",
            "print('x')",
            "new Function(\"return Java.type('java.io.File')\")()",
            "globalThis.constructor.constructor(\"return Java\")().type('java.lang.System')",
            "Packages.java.lang.System.exit(1)"})
    void hostAccessIsNotThere(String attempt) {
        Map<String, Object> e = error(one("export default function (request, context) {\n  " + attempt
                + ";\n  return context.allow();\n}", Map.of()));
        assertThat(e).containsEntry("kind", "error");
        assertThat((String) e.get("message")).containsAnyOf("ReferenceError", "TypeError", "not defined",
                "not a function", "not allowed");
        stillServes();
    }

    @Test
    void importsCannotReachFilesOrNetwork() {
        PolicyRuntime.ScriptError e = runtime.check("t", "import fs from 'fs';\nexport default function () {}");
        assertThat(e).isNotNull();
        PolicyRuntime.ScriptError e2 = runtime.check("t", "import x from 'https://example.com/x.mjs';\n"
                + "export default function () {}");
        assertThat(e2).isNotNull();
    }

    @Test
    void theRequestViewAndTheBuiltInsCannotBeChanged() {
        String pollute = "export default function (request, context) {\n"
                + "  try { request.headers['x-injected'] = '1'; } catch (e) { }\n"
                + "  try { request.path = '/admin'; } catch (e) { }\n"
                + "  try { Object.prototype.polluted = 'yes'; } catch (e) { }\n"
                + "  try { Array.prototype.includes = () => true; } catch (e) { }\n"
                + "  try { globalThis.shared = 1; } catch (e) { }\n"
                + "  try { JSON.parse = () => ({}); } catch (e) { }\n"
                + "  return context.allow({ responseHeaders: { 'x-path': request.path, 'x-h': String(request.headers"
                + "['x-injected']), 'x-p': String(({}).polluted), 'x-i': String([1].includes(2)),"
                + " 'x-g': String(globalThis.shared) } });\n}";
        @SuppressWarnings("unchecked")
        Map<String, Object> headers = (Map<String, Object>) one(pollute, Map.of("path", "/x")).get("responseHeaders");
        assertThat(headers).containsEntry("x-path", "/x").containsEntry("x-h", "undefined")
                .containsEntry("x-p", "undefined").containsEntry("x-i", "false").containsEntry("x-g", "undefined");
    }

    @Test
    void hiddenBuiltInsAreFrozenAndBlockingPrimitivesAreGone() {
        String probe = "export default function (request, context) {\n"
                + "  const p = Object.getPrototypeOf;\n"
                + "  const hidden = [p([][Symbol.iterator]()), p(p([][Symbol.iterator]())), p(''[Symbol.iterator]()),\n"
                + "    p(new Map().entries()), p(new Set().values()), p(function* () {}), p(p(function* () {}())),\n"
                + "    p(async function () {}), p(async function* () {}), p(p(async function* () {}()))];\n"
                + "  const frozen = hidden.every(h => Object.isFrozen(h));\n"
                + "  return context.allow({ responseHeaders: { 'x-frozen': String(frozen), 'x-gone': typeof Atomics\n"
                + "    + typeof SharedArrayBuffer + typeof WeakRef + typeof FinalizationRegistry } });\n}";
        @SuppressWarnings("unchecked")
        Map<String, Object> headers = (Map<String, Object>) one(probe, Map.of()).get("responseHeaders");
        assertThat(headers).containsEntry("x-frozen", "true")
                .containsEntry("x-gone", "undefinedundefinedundefinedundefined");
    }

    @Test
    void queryNamesThatShadowBuiltInsAreOrdinaryNames() {
        @SuppressWarnings("unchecked")
        Map<String, Object> headers = (Map<String, Object>) one("export default function (request, context) {\n"
                + "  return context.allow({ responseHeaders: { 'x-q': request.query['__proto__'] + '/'\n"
                + "    + request.query.constructor + '/' + request.queryAll('toString').length + '/'\n"
                + "    + String(request.header('constructor')) } });\n}",
                Map.of("query", "__proto__=1&constructor=2&toString=3&toString=4", "headers", Map.of("a", "b")))
                .get("responseHeaders");
        assertThat(headers).containsEntry("x-q", "1/2/2/undefined");
    }

    @Test
    void aDecisionIsReadOnceSoAGetterCannotChangeItAfterTheChecks() {
        Map<String, Object> r = one("export default function (request, context) {\n  let n = 0;\n"
                + "  return { action: 'deny', get status() { return n++ === 0 ? 403 : 200; }, code: 'once' };\n}",
                Map.of());
        assertThat(r).containsEntry("decision", "deny").containsEntry("status", 403);
        Map<String, Object> e = error(one("export default function (request, context) {\n"
                + "  return context.allow({ setHeaders: { 'x-a': 'caf\u00e9\u0007' } });\n}", Map.of()));
        assertThat(e).as("non-ASCII and control characters in header values").containsEntry("kind", "invalid");
    }

    @Test
    void errorsNameTheLineAndColumn() {
        Map<String, Object> e = error(one("export default function (request, context) {\n  const x = 1;\n"
                + "  throw new Error('boom');\n}", Map.of()));
        assertThat(e).containsEntry("kind", "error").containsEntry("line", 3);
        assertThat((String) e.get("message")).contains("boom");
        PolicyRuntime.ScriptError syntax = runtime.check("t", "export default function (r) {\n  return {;\n}");
        assertThat(syntax).isNotNull();
        assertThat(syntax.line()).isEqualTo(2);
    }

    @Test
    void garbageIsReportedAsAnInvalidDecision() {
        for (String ret : List.of("undefined", "42", "'allow'", "{ action: 'maybe' }", "{ action: 'deny', status: 200,"
                + " code: 'x' }", "{ action: 'deny', status: 403, code: 'Bad Code' }",
                "{ action: 'allow', setHeaders: { 'content-length': '1' } }",
                "{ action: 'allow', setHeaders: { 'x-a': 'a\\r\\nInjected: 1' } }", "Promise.resolve(1)",
                "{ action: 'allow', extra: 1 }")) {
            Map<String, Object> e = error(one("export default function () { return " + ret + "; }", Map.of()));
            assertThat(e).as(ret).containsEntry("kind", "invalid");
        }
        assertThat(runtime.check("t", "export const x = 1;")).as("no default export").isNotNull();
    }

    @Test
    void decisionsAreRead() {
        Map<String, Object> deny = one("export default function (request, context) {\n"
                + "  return request.header('X-Tier') === 'free' && request.body.prompt.length > 5\n"
                + "    ? context.deny(403, 'prompt_too_long', 'free keys send at most 5 characters')\n"
                + "    : context.allow({ setHeaders: { 'x-tier': 'paid' }, removeHeaders: ['x-debug'] });\n}",
                Map.of("headers", Map.of("X-Tier", "free"), "body", Map.of("prompt", "abcdefgh")));
        assertThat(deny).containsEntry("decision", "deny").containsEntry("status", 403)
                .containsEntry("code", "prompt_too_long");
    }

    @Test
    void credentialsAreRedactedFromTheView() {
        Map<String, Object> r = one("export default function (request, context) {\n"
                + "  return context.deny(400, 'echo', String(request.headers.authorization));\n}",
                Map.of("headers", Map.of("Authorization", "Bearer kw-secret")));
        // Trials pass sample headers as they are; the live path redacts (RequestArgs), checked here directly.
        assertThat(r).containsEntry("code", "echo");
        assertThat(RequestArgs.withoutParam("a=1&key=kw-secret&b=2", "key")).isEqualTo("a=1&b=2");
        assertThat(RequestArgs.withoutParam("k%65y=kw-secret", "key")).isEmpty();
    }
}
