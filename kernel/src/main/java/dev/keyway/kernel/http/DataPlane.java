package dev.keyway.kernel.http;

import dev.keyway.kernel.observe.Metrics;
import dev.keyway.kernel.pipeline.Ring;
import dev.keyway.kernel.record.AiCall;
import dev.keyway.kernel.record.CallRecord;
import dev.keyway.kernel.record.CallRecorder;
import dev.keyway.spi.ApiKey;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Decision;
import dev.keyway.spi.HeaderChanges;
import dev.keyway.spi.Phase;
import dev.keyway.spi.Protocol;
import dev.keyway.spi.Service;
import dev.keyway.spi.ServiceVersion;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The data-plane handler, on the request's virtual thread: match the route, publish the exchange to the ring,
 * wait for the decision, then answer the denial or call the upstream here (never on the ring), and finally
 * hand a call record to the second ring.
 */
public final class DataPlane implements Handler, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DataPlane.class.getName());
    private static final long DECISION_TIMEOUT_SECONDS = 10;
    private static final String WHO_AM_I = "/v1/me";
    private static final io.helidon.http.HeaderName X_REQUEST_ID = HeaderNames.create("X-Request-Id");

    private final Supplier<RouteTable> routes;
    private final Ring ring;
    private final CallRecorder recorder;
    private final Metrics metrics;
    private final long maxBody;
    private final ClientIp clientIp;
    private final Proxy proxy = new Proxy();
    private AiEndpoints ai;
    private LimitGuard limitGuard;
    private PromptEndpoint prompts;
    private dev.keyway.kernel.policy.PolicyRuntime policies;

    public DataPlane(Supplier<RouteTable> routes, Ring ring, CallRecorder recorder, Metrics metrics, long maxBody,
                     ClientIp clientIp) {
        this.routes = routes;
        this.ring = ring;
        this.recorder = recorder;
        this.metrics = metrics;
        this.maxBody = maxBody;
        this.clientIp = clientIp;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        long started = System.nanoTime();
        long startedMillis = System.currentTimeMillis();
        String requestId = RequestIds.keepOrCreate(req.headers().first(X_REQUEST_ID).orElse(null));
        String path = req.path().rawPath();
        String method = req.prologue().method().text();
        boolean whoAmI = path.equals(WHO_AM_I) && method.equals("GET");
        ClientIp.Resolved client = clientIp.resolve(req);
        HttpExchange exchange = new HttpExchange(requestId, protocolOf(path), method, path,
                req.query().rawValue(), client.address(), client.forwardedFor(), req.headers());
        Result result;
        try {
            result = whoAmI ? whoAmI(exchange, res) : handle(exchange, req, res);
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, t, () -> "request " + requestId + " failed");
            result = new Result(500, "internal_error", null, null, null, null);
            if (!res.isSent()) {
                error(res, exchange, new Decision.Respond(500, "internal_error", "internal error", Map.of()));
            }
        }
        long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started);
        metrics.latency("keyway_request_latency", System.nanoTime() - started);
        metrics.inc("keyway_requests_total", "status", Integer.toString(result.status()));
        recorder.record(record(exchange, result, startedMillis, micros));
    }

    /**
     * The error shape callers expect: Anthropic's on {@code /v1/messages}, OpenAI's on every other {@code /v1}
     * route (reserved for the unified AI API), the REST JSON shape elsewhere.
     */
    static Protocol protocolOf(String path) {
        if (path.equals("/v1/messages") || path.startsWith("/v1/messages/")) {
            return Protocol.ANTHROPIC;
        }
        return path.equals("/v1") || path.startsWith("/v1/") ? Protocol.OPENAI : Protocol.REST;
    }

    /** {@code GET /v1/me}: run authenticate and identify only, then say who the key resolves to. */
    private Result whoAmI(HttpExchange exchange, ServerResponse res) throws Exception {
        Decision decision = decide(exchange.upTo(Phase.IDENTIFY));
        if (decision instanceof Decision.Respond denial) {
            return deny(res, exchange, denial, null);
        }
        String body = WhoAmI.render(exchange, limitGuard == null ? List.of() : limitGuard.keyLimits(exchange));
        if (body == null) {
            return deny(res, exchange, Decision.respond(401, "invalid_api_key",
                    "no stage authenticated this request (is the key-auth plugin loaded?)"), null);
        }
        res.status(200);
        res.header("Content-Type", "application/json");
        res.header("X-Request-Id", exchange.requestId());
        res.header("Cache-Control", "no-store");
        res.send(body.getBytes(StandardCharsets.UTF_8));
        return new Result(200, null, null, null, null, null);
    }

    /**
     * Publishes to the ring and waits; a full ring or a slow decision becomes a 503 denial. A chain without an
     * authenticate stage while plugins are required is answered 503 by the ring itself, on the request's own chain.
     */
    private Decision decide(HttpExchange exchange) throws Exception {
        CompletableFuture<Decision> pending = ring.submit(exchange);
        if (pending == null) {
            return Decision.respond(503, "overloaded", "gateway is overloaded, retry later")
                    .withHeader("Retry-After", "1");
        }
        try {
            return pending.get(DECISION_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return Decision.respond(503, "decision_timeout", "gateway could not decide in time");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private Result handle(HttpExchange exchange, ServerRequest req, ServerResponse res) throws Exception {
        if (exchange.protocol() != Protocol.REST) {
            if (ai == null) {
                return deny(res, exchange, Decision.respond(404, "route_not_found", "the AI API is not enabled"), null);
            }
            return ai.handle(exchange, req, res);
        }
        var route = routes.get().match(exchange.path());
        if (route.isEmpty()) {
            return deny(res, exchange, Decision.respond(404, "route_not_found",
                    "no service is published at this path"), null);
        }
        Service service = route.get().service();
        ServiceVersion version = route.get().version();
        String serviceId = service.id();
        exchange.attribute(Attributes.SERVICE, service);
        exchange.attribute(Attributes.SERVICE_VERSION, version);
        if (version.lifecycle() == ServiceVersion.Lifecycle.DRAFT) {
            // Drafts are in the table only so that a draft nested under another version's prefix is not routed
            // there; to callers they do not exist.
            return deny(res, exchange, Decision.respond(404, "route_not_found",
                    "no service is published at this path"), null);
        }
        if (version.lifecycle() == ServiceVersion.Lifecycle.RETIRED) {
            return deny(res, exchange, Lifecycles.retired(service, version), route.get());
        }
        Lifecycles.deprecationHeaders(service, version, exchange);
        OptionalLong length = req.headers().contentLength();
        if (length.isPresent() && length.getAsLong() > maxBody) {
            return deny(res, exchange, Decision.respond(413, "request_too_large",
                    "request body of " + length.getAsLong() + " bytes exceeds the limit of " + maxBody), route.get());
        }
        if (policies != null && policies.readsBody(service)) {
            // A policy reads the body: it is read now (bounded by max-body-bytes) and sent upstream as read — but
            // only for a caller the chain has identified, so no anonymous client makes the node hold bodies.
            Decision identified = decide(exchange.upTo(Phase.IDENTIFY));
            if (identified instanceof Decision.Respond denial) {
                return deny(res, exchange, denial, route.get());
            }
            exchange.upTo(null);
            try {
                exchange.body(AiEndpoints.read(req, maxBody));
            } catch (AiEndpoints.TooLarge e) {
                return deny(res, exchange, Decision.respond(413, "request_too_large", "request body exceeds the "
                        + "limit of " + maxBody + " bytes"), route.get());
            } catch (dev.keyway.spi.ai.InvalidRequestException e) {
                return deny(res, exchange, Decision.respond(400, "invalid_request", e.getMessage()), route.get());
            }
        }
        String promptModel = service.kind() == Service.Kind.PROMPT && version.prompt() != null
                ? version.prompt().model() : null;
        if (promptModel != null) {
            // Policies see the model a prompt API calls (context.model); the prompt fixes it, so it stays.
            exchange.attribute(Attributes.MODEL, promptModel);
        }
        Decision decision = decide(exchange);
        if (decision instanceof Decision.Respond denial) {
            return deny(res, exchange, denial, route.get());
        }
        if (promptModel != null && !promptModel.equals(exchange.attribute(Attributes.MODEL).orElse(promptModel))) {
            return deny(res, exchange, Decision.respond(500, "policy_error", "a policy rewrote the model of prompt "
                    + "API '" + service.name() + "': a prompt API's model is part of its definition (rewrite models "
                    + "on the /v1 AI routes)"), route.get());
        }
        if (service.kind() == Service.Kind.PROMPT && version.prompt() != null) {
            if (prompts == null) {
                return deny(res, exchange, Decision.respond(503, "ai_disabled", "the AI API is not enabled"),
                        route.get());
            }
            return prompts.handle(exchange, req, res, service, version.prompt());
        }
        LimitGuard.Held held = limitGuard == null ? null : limitGuard.admit(exchange, 0, 0);
        if (held != null && held.refusal() != null) {
            return deny(res, exchange, held.refusal(), route.get());
        }
        Proxy.Outcome outcome;
        try {
            outcome = proxy.forward(exchange, route.get(), req, res, maxBody);
        } finally {
            if (held != null) {
                limitGuard.release(held, 0, 0);
            }
        }
        if (outcome.errorCode() != null) {
            if (!res.isSent()) {
                error(res, exchange, Decision.respond(outcome.status(), outcome.errorCode(), outcome.message()));
            }
            metrics.inc("keyway_upstream_errors_total", "code", outcome.errorCode());
        }
        return new Result(outcome.status(), outcome.errorCode(), serviceId, version.version(), outcome.upstream(), null);
    }

    private static Result deny(ServerResponse res, HttpExchange exchange, Decision.Respond denial,
                               RouteTable.Route route) {
        error(res, exchange, denial);
        return new Result(denial.status(), denial.code(), route == null ? null : route.service().id(),
                route == null ? null : route.version().version(), null, null);
    }

    /** Writes an error in the caller's protocol shape with the request id and the stages' response headers. */
    static void error(ServerResponse res, HttpExchange exchange, Decision.Respond denial) {
        error(res, exchange, denial, null);
    }

    /** As {@link #error(ServerResponse, HttpExchange, Decision.Respond)}, naming the request parameter at fault. */
    static void error(ServerResponse res, HttpExchange exchange, Decision.Respond denial, String param) {
        res.status(denial.status());
        res.header("Content-Type", "application/json");
        res.header("X-Request-Id", exchange.requestId());
        applyResponseChanges(exchange, res);
        denial.headers().forEach(res::header);
        res.send(ErrorBodies.render(exchange.protocol(), denial.status(), denial.code(), denial.message(),
                exchange.requestId(), param).getBytes(StandardCharsets.UTF_8));
    }

    static void applyResponseChanges(HttpExchange exchange, ServerResponse res) {
        for (String[] h : exchange.gatewayHeaders()) {
            if (h[2].equals("append")) {
                res.headers().add(io.helidon.http.HeaderValues.create(h[0], h[1]));
            } else {
                res.header(h[0], h[1]);
            }
        }
        for (HeaderChanges.Change c : exchange.responseHeaders().changes()) {
            if (c.isRemoval()) {
                res.headers().remove(HeaderNames.create(c.name()));
            } else {
                res.header(c.name(), c.value());
            }
        }
    }

    private static CallRecord record(HttpExchange ex, Result r, long startedMillis, long micros) {
        ApiKey key = ex.attribute(Attributes.API_KEY).orElse(null);
        return new CallRecord(ex.requestId(), startedMillis, ex.method(), ex.path(), r.serviceId(), r.version(),
                r.status(),
                r.errorCode(), micros, ex.clientAddress(), r.upstream(), key == null ? null : key.id(),
                ex.attribute(Attributes.USER).map(u -> u.id()).orElse(key == null ? null : key.userId()),
                ex.attribute(Attributes.APP).map(a -> a.id()).orElse(key == null ? null : key.appId()),
                ex.attribute(Attributes.TEAM).map(t -> t.id()).orElse(key == null ? null : key.teamId()), r.ai());
    }

    /** Serves the unified AI API on {@code /v1} with these parts (without it, /v1 answers 404). */
    public void enableAi(java.util.function.Supplier<dev.keyway.kernel.ai.AiRoutes> aiRoutes,
                         dev.keyway.kernel.ai.AiCaller caller, dev.keyway.kernel.ai.ModelCatalog catalog,
                         dev.keyway.kernel.config.AiConfig config, dev.keyway.spi.Directories directories,
                         dev.keyway.kernel.audit.LimitAlerts alerts) {
        this.limitGuard = new LimitGuard(directories, System::currentTimeMillis, alerts);
        this.ai = new AiEndpoints(aiRoutes, caller, catalog, config, directories, this::decide, maxBody, limitGuard);
        this.prompts = new PromptEndpoint(caller, catalog, config, maxBody, limitGuard);
    }

    /** Lets policies that read bodies see REST request bodies (read before the chain only for them). */
    public void usePolicies(dev.keyway.kernel.policy.PolicyRuntime runtime) {
        this.policies = runtime;
    }

    @Override
    public void close() {
        proxy.close();
    }

    /** How a request ended, for its call record. */
    record Result(int status, String errorCode, String serviceId, String version, String upstream, AiCall ai) {

        /** An AI call that reached a deployment. */
        static Result ai(int status, HttpExchange exchange, AiCall call) {
            return new Result(status, null, exchange.attribute(Attributes.SERVICE).map(s -> s.id()).orElse(null),
                    exchange.attribute(Attributes.SERVICE_VERSION).map(v -> v.version()).orElse(null),
                    call.deploymentId(), call);
        }
    }
}
