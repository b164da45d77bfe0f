package dev.keyway.kernel.http;

import dev.keyway.kernel.ai.AiCaller;
import dev.keyway.kernel.ai.AiRoutes;
import dev.keyway.kernel.ai.ModelCatalog;
import dev.keyway.kernel.config.AiConfig;
import dev.keyway.kernel.record.AiCall;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Phase;
import dev.keyway.spi.Protocol;
import dev.keyway.spi.ServiceVersion;
import dev.keyway.spi.Subscription;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.EmbeddingRequest;
import dev.keyway.spi.ai.EmbeddingResult;
import dev.keyway.spi.ai.InvalidRequestException;
import dev.keyway.spi.ai.UnsupportedParameterException;
import dev.keyway.spi.ai.wire.OpenAiWire;
import dev.keyway.spi.json.Json;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The unified AI API on the data plane: {@code POST /v1/chat/completions} (OpenAI), {@code POST /v1/messages}
 * (Anthropic), {@code POST /v1/embeddings} and {@code GET /v1/models}. The model names the AI service (as a path
 * prefix names a REST service); the chain runs as for REST (key, owner, subscription); then {@link AiCaller}
 * tries the model's deployments on this virtual thread and the answer goes back in the caller's protocol.
 */
final class AiEndpoints {
    private static final String DROP_PARAMS = "x-keyway-drop-params";

    /** Runs the chain for an exchange (the data plane's ring hand-off). */
    @FunctionalInterface
    interface Decider {
        Decision decide(HttpExchange exchange) throws Exception;
    }

    private final Supplier<AiRoutes> routes;
    private final AiCaller caller;
    private final ModelCatalog catalog;
    private final AiConfig config;
    private final Directories directories;
    private final Decider decider;
    private final long maxBody;
    private final LimitGuard limits;

    AiEndpoints(Supplier<AiRoutes> routes, AiCaller caller, ModelCatalog catalog, AiConfig config,
                Directories directories, Decider decider, long maxBody, LimitGuard limits) {
        this.limits = limits;
        this.routes = routes;
        this.caller = caller;
        this.catalog = catalog;
        this.config = config;
        this.directories = directories;
        this.decider = decider;
        this.maxBody = maxBody;
    }

    /** Handles a {@code /v1} request other than {@code /v1/me}. */
    DataPlane.Result handle(HttpExchange exchange, ServerRequest req, ServerResponse res) throws Exception {
        String path = exchange.path();
        String method = exchange.method();
        try {
            if (method.equals("POST") && path.equals("/v1/chat/completions")) {
                return chat(exchange, req, res, new AiInbound.OpenAi());
            }
            if (method.equals("POST") && path.equals("/v1/messages")) {
                return chat(exchange, req, res, new AiInbound.Anthropic());
            }
            if (method.equals("POST") && path.equals("/v1/embeddings")) {
                return embeddings(exchange, req, res);
            }
            if (method.equals("GET") && path.equals("/v1/models")) {
                return models(exchange, res);
            }
        } catch (InvalidRequestException e) {
            return invalid(res, exchange, e);
        }
        return deny(res, exchange, Decision.respond(404, "route_not_found", "no AI route " + method + " " + path
                + " (expected: POST /v1/chat/completions, POST /v1/messages, POST /v1/embeddings, GET /v1/models)"));
    }

    private DataPlane.Result chat(HttpExchange exchange, ServerRequest req, ServerResponse res, AiInbound inbound)
            throws Exception {
        Map<String, Object> body = body(exchange, req);
        ChatRequest request = inbound.decode(body, dropParams(req));
        Optional<AiRoutes.Route> route = route(request.model());
        DataPlane.Result refused = admit(exchange, res, route, request.model());
        if (refused != null) {
            return refused;
        }
        if (!chosenModel(exchange, request.model()).equals(request.model())) {
            request = request.withModel(chosenModel(exchange, request.model()));
        }
        String team = route.get().service().teamId();
        long maxOut = request.maxTokens() != null ? request.maxTokens() : config.defaultMaxTokens();
        long promptTokens = Budgets.promptTokens(request);
        LimitGuard.Held held = limits.admit(exchange, promptTokens + maxOut,
                Budgets.costMicros(caller.deployments(request.model(), team), catalog, promptTokens, maxOut));
        if (held.refusal() != null) {
            return deny(res, exchange, held.refusal());
        }
        if (request.maxTokens() == null && held.budgeted()) {
            // The reservation assumed at most maxOut output tokens: ask every provider to stop there.
            request = new ChatRequest(request.model(), request.messages(), request.tools(), request.toolChoice(),
                    request.temperature(), request.topP(), request.topK(), (int) maxOut, request.stop(),
                    request.seed(), request.user(), request.responseFormat(), request.stream(), request.extra(),
                    request.dropUnsupported());
        }
        ChatRequest sent = request;
        DataPlane.Result result = null;
        try {
            AiCaller.Attempt attempt = caller.call(sent.model(), team, sent,
                    (provider, r, deployment) -> provider.chat(forProvider(r, provider, inbound).withModel(
                            deployment.model()), deployment));
            result = switch (attempt) {
                case AiCaller.Attempt.Invalid i -> invalid(res, exchange, i.reason());
                case AiCaller.Attempt.Failed f -> failed(res, exchange, f);
                case AiCaller.Attempt.Answered a -> AiAnswers.chat(exchange, res, a, sent, inbound, catalog, caller,
                        config);
            };
            return result;
        } finally {
            limits.release(held, Budgets.tokens(result), Budgets.costMicros(result));
        }
    }

    /**
     * Parameters of another protocol than the provider's cannot pass as they are: refused (400 naming the first)
     * unless the caller opted into dropping them.
     */
    private static ChatRequest forProvider(ChatRequest r, dev.keyway.spi.ai.AiProvider provider, AiInbound inbound) {
        r = strictTools(r, provider);
        if (r.extra().isEmpty() || provider.wire() == inbound.protocol()) {
            return r;
        }
        if (!r.dropUnsupported()) {
            throw new UnsupportedParameterException(r.extra().keySet().iterator().next(), provider.id());
        }
        return new ChatRequest(r.model(), r.messages(), r.tools(), r.toolChoice(), r.temperature(), r.topP(), r.topK(),
                r.maxTokens(), r.stop(), r.seed(), r.user(), r.responseFormat(), r.stream(), Map.of(), true);
    }

    /** OpenAI's strict tool schemas: only OpenAI-wire providers take them; others refuse (or drop) the flag. */
    private static ChatRequest strictTools(ChatRequest r, dev.keyway.spi.ai.AiProvider provider) {
        if (provider.wire() == Protocol.OPENAI || r.tools().stream().noneMatch(t -> Boolean.TRUE.equals(t.strict()))) {
            return r;
        }
        if (!r.dropUnsupported()) {
            int i = 0;
            while (!Boolean.TRUE.equals(r.tools().get(i).strict())) {
                i++;
            }
            throw new UnsupportedParameterException("tools[" + i + "].function.strict", provider.id());
        }
        List<dev.keyway.spi.ai.Tool> tools = r.tools().stream()
                .map(t -> new dev.keyway.spi.ai.Tool(t.name(), t.description(), t.parameters())).toList();
        return new ChatRequest(r.model(), r.messages(), tools, r.toolChoice(), r.temperature(), r.topP(), r.topK(),
                r.maxTokens(), r.stop(), r.seed(), r.user(), r.responseFormat(), r.stream(), r.extra(), true);
    }

    private DataPlane.Result embeddings(HttpExchange exchange, ServerRequest req, ServerResponse res) throws Exception {
        Map<String, Object> json = body(exchange, req);
        // The OpenAI SDKs ask for base64 by default: the gateway asks providers for floats and encodes them itself.
        Object format = json.remove("encoding_format");
        if (format != null && !"float".equals(format) && !"base64".equals(format)) {
            throw new InvalidRequestException("encoding_format", "encoding_format must be float or base64");
        }
        boolean base64 = "base64".equals(format);
        EmbeddingRequest request = OpenAiWire.decodeEmbeddingsRequest(json);
        Optional<AiRoutes.Route> route = route(request.model());
        DataPlane.Result refused = admit(exchange, res, route, request.model());
        if (refused != null) {
            return refused;
        }
        if (!chosenModel(exchange, request.model()).equals(request.model())) {
            request = request.withModel(chosenModel(exchange, request.model()));
        }
        String team = route.get().service().teamId();
        long inputTokens = request.input().stream().mapToLong(t -> t.length() / 3 + 1).sum();
        LimitGuard.Held held = limits.admit(exchange, inputTokens, Budgets.costMicros(
                caller.deployments(request.model(), team), catalog, inputTokens, 0));
        if (held.refusal() != null) {
            return deny(res, exchange, held.refusal());
        }
        DataPlane.Result result = null;
        try {
            result = embed(exchange, res, request, team, base64);
            return result;
        } finally {
            limits.release(held, Budgets.tokens(result), Budgets.costMicros(result));
        }
    }

    private DataPlane.Result embed(HttpExchange exchange, ServerResponse res, EmbeddingRequest request, String team,
                                   boolean base64) {
        AiCaller.Attempt attempt = caller.call(request.model(), team, request,
                (provider, r, deployment) ->
                provider.embeddings(r.withModel(deployment.model()), deployment));
        return switch (attempt) {
            case AiCaller.Attempt.Invalid i -> invalid(res, exchange, i.reason());
            case AiCaller.Attempt.Failed f -> failed(res, exchange, f);
            case AiCaller.Attempt.Answered a -> {
                EmbeddingResult result;
                try {
                    result = a.provider().embeddingsResult(AiAnswers.readBody(a, config));
                } catch (IOException | RuntimeException e) {
                    caller.failedAfterAnswer(a.deployment().id());
                    yield deny(res, exchange, Decision.respond(502, "upstream_error", "deployment "
                            + a.deployment().id() + " answered something that is not a valid " + a.provider().id()
                            + " answer (" + e.getClass().getSimpleName() + ")"));
                }
                long input = result.usage().inputTokens() == null ? 0 : result.usage().inputTokens();
                BigDecimal cost = catalog.cost(a.deployment().provider(), a.deployment().upstreamModel(), input, 0);
                AiCall call = new AiCall(request.model(), a.deployment().provider(), a.deployment().id(),
                        a.deployment().upstreamModel(), result.usage().inputTokens(), null, cost, false);
                AiAnswers.headers(exchange, res, call, config);
                res.status(200);
                res.header("Content-Type", "application/json");
                Map<String, Object> answer = new LinkedHashMap<>(OpenAiWire.encodeEmbeddingsResult(result,
                        request.model()));
                if (base64) {
                    base64(answer, result);
                }
                res.send(Json.write(answer).getBytes(StandardCharsets.UTF_8));
                yield DataPlane.Result.ai(200, exchange, call);
            }
        };
    }

    /** Replaces each vector by base64 of its little-endian float32 values, as OpenAI answers base64 requests. */
    @SuppressWarnings("unchecked")
    private static void base64(Map<String, Object> answer, EmbeddingResult result) {
        List<Object> data = new ArrayList<>();
        for (Object item : (List<Object>) answer.get("data")) {
            data.add(new LinkedHashMap<>((Map<String, Object>) item));
        }
        answer.put("data", data);
        for (int i = 0; i < data.size(); i++) {
            double[] v = result.vectors().get(i);
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (double d : v) {
                buf.putFloat((float) d);
            }
            ((Map<String, Object>) data.get(i)).put("embedding", java.util.Base64.getEncoder().encodeToString(buf.array()));
        }
    }

    /** {@code GET /v1/models}: the models the calling key may use (approved subscriptions, within its scopes). */
    private DataPlane.Result models(HttpExchange exchange, ServerResponse res) throws Exception {
        Decision decision = decider.decide(exchange.upTo(Phase.IDENTIFY));
        if (decision instanceof Decision.Respond denial) {
            return deny(res, exchange, denial);
        }
        var app = exchange.attribute(Attributes.APP);
        var key = exchange.attribute(Attributes.API_KEY);
        if (app.isEmpty() || key.isEmpty()) {
            return deny(res, exchange, Decision.respond(401, "invalid_api_key",
                    "no stage authenticated this request (is the key-auth plugin loaded?)"));
        }
        List<Map<String, Object>> data = new ArrayList<>();
        for (AiRoutes.Route r : routes.get().all()) {
            boolean subscribed = directories.subscriptions().find(app.get().id(), r.service().id())
                    .filter(s -> s.status() == Subscription.Status.APPROVED).isPresent();
            List<String> services = key.get().scopes().stream().filter(s -> !s.startsWith("model:")).toList();
            boolean scoped = (services.isEmpty() || services.contains(r.service().id()))
                    && modelAllowed(key.get(), r.model());
            if (r.version().lifecycle().serves() && subscribed && scoped) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", r.model());
                m.put("object", "model");
                m.put("created", 0);
                m.put("owned_by", r.service().name());
                data.add(m);
            }
        }
        data.sort(java.util.Comparator.comparing(m -> (String) m.get("id")));
        res.status(200);
        res.header("Content-Type", "application/json");
        res.header("X-Request-Id", exchange.requestId());
        res.send(Json.write(Map.of("object", "list", "data", data)).getBytes(StandardCharsets.UTF_8));
        return new DataPlane.Result(200, null, null, null, null, null);
    }

    private Optional<AiRoutes.Route> route(String model) {
        return routes.get().match(model);
    }

    /**
     * Resolves the model to its AI service and runs the chain; null when the call may go on, else the denial's
     * result (already answered).
     */
    private DataPlane.Result admit(HttpExchange exchange, ServerResponse res, Optional<AiRoutes.Route> route,
                                   String model) throws Exception {
        if (route.isEmpty() || route.get().version().lifecycle() == ServiceVersion.Lifecycle.DRAFT) {
            return deny(res, exchange, Decision.respond(404, "model_not_found", "the model '" + model
                    + "' is not offered by this gateway (GET /v1/models lists the models your key may use)"));
        }
        exchange.attribute(Attributes.SERVICE, route.get().service());
        exchange.attribute(Attributes.SERVICE_VERSION, route.get().version());
        if (route.get().version().lifecycle() == ServiceVersion.Lifecycle.RETIRED) {
            String successor = route.get().version().successor();
            String models = successor == null ? "" : route.get().service().version(successor)
                    .map(v -> "; use one of " + v.models()).orElse("");
            return deny(res, exchange, Decision.respond(410, "version_retired", "the model '" + model
                    + "' is retired" + models));
        }
        if (route.get().version().lifecycle() == ServiceVersion.Lifecycle.DEPRECATED) {
            Lifecycles.deprecationHeaders(route.get().service(), route.get().version(), exchange);
        }
        exchange.attribute(Attributes.MODEL, model);
        Decision decision = decider.decide(exchange);
        if (decision instanceof Decision.Respond denial) {
            return deny(res, exchange, denial);
        }
        var key = exchange.attribute(Attributes.API_KEY);
        if (key.isPresent() && !modelAllowed(key.get(), model)) {
            return deny(res, exchange, Decision.respond(403, "model_not_allowed", "API key " + key.get().id()
                    + " may use only the models " + modelScopes(key.get()) + ", not '" + model + "'"));
        }
        String chosen = exchange.attribute(Attributes.MODEL).orElse(model);
        if (!chosen.equals(model)) {
            // A policy rewrote the model: the rewrite stays within the called service (whose subscription the chain
            // checked) and within the key's model scopes.
            Optional<AiRoutes.Route> to = route(chosen);
            if (to.isEmpty() || !to.get().service().id().equals(route.get().service().id())
                    || to.get().version().lifecycle() == ServiceVersion.Lifecycle.DRAFT
                    || to.get().version().lifecycle() == ServiceVersion.Lifecycle.RETIRED) {
                return deny(res, exchange, Decision.respond(500, "policy_error", "a policy rewrote the model to '"
                        + chosen + "', which service '" + route.get().service().name() + "' does not serve (a rewrite "
                        + "must name a model of the called service)"));
            }
            if (key.isPresent() && !modelAllowed(key.get(), chosen)) {
                return deny(res, exchange, Decision.respond(403, "model_not_allowed", "a policy rewrote the model to '"
                        + chosen + "', which API key " + key.get().id() + " may not use"));
            }
        }
        return null;
    }

    /** The model to call: the caller's, or the one a policy rewrote it to (checked by {@link #admit}). */
    private static String chosenModel(HttpExchange exchange, String asked) {
        return exchange.attribute(Attributes.MODEL).orElse(asked);
    }

    /** A key whose scopes name models ({@code model:<name>}) may use only those. */
    static boolean modelAllowed(dev.keyway.spi.ApiKey key, String model) {
        List<String> models = modelScopes(key);
        return models.isEmpty() || models.contains(model);
    }

    private static List<String> modelScopes(dev.keyway.spi.ApiKey key) {
        return key.scopes().stream().filter(s -> s.startsWith("model:")).map(s -> s.substring(6)).toList();
    }

    private Map<String, Object> body(HttpExchange exchange, ServerRequest req) {
        return json(exchange, req, maxBody, false);
    }

    /**
     * The request body as a JSON object, at most {@code maxBody} bytes ({@link TooLarge} above); an empty body is
     * an empty object when {@code emptyIsObject}. Bad JSON is a 400 naming where it broke, never quoting it.
     */
    static Map<String, Object> json(HttpExchange exchange, ServerRequest req, long maxBody, boolean emptyIsObject) {
        byte[] bytes = exchange.body().orElse(null);
        if (bytes == null) {
            bytes = read(req, maxBody);
            exchange.body(bytes);
        }
        if (bytes.length == 0 && emptyIsObject) {
            return Map.of();
        }
        try {
            return Json.parseObject(new String(bytes, StandardCharsets.UTF_8));
        } catch (Json.ParseException e) {
            throw new InvalidRequestException(null, "the request body is not a JSON object (" + e.getMessage() + ")");
        }
    }

    /** The whole request body, at most {@code maxBody} bytes ({@link TooLarge} above). */
    static byte[] read(ServerRequest req, long maxBody) {
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBody + 1));
        } catch (IOException e) {
            throw new InvalidRequestException(null, "the request body could not be read");
        }
        if (bytes.length > maxBody) {
            throw new TooLarge(maxBody);
        }
        return bytes;
    }

    private static boolean dropParams(ServerRequest req) {
        return req.headers().first(io.helidon.http.HeaderNames.create(DROP_PARAMS))
                .map(v -> v.equalsIgnoreCase("true")).orElse(false);
    }

    private static DataPlane.Result invalid(ServerResponse res, HttpExchange exchange, InvalidRequestException e) {
        if (e instanceof TooLarge) {
            return deny(res, exchange, Decision.respond(413, "request_too_large", e.getMessage()));
        }
        String code = e instanceof UnsupportedParameterException ? "unsupported_parameter" : "invalid_request_error";
        DataPlane.error(res, exchange, Decision.respond(400, code, e.getMessage()), e.param());
        return new DataPlane.Result(400, code, serviceOf(exchange), null, null, null);
    }

    private static DataPlane.Result failed(ServerResponse res, HttpExchange exchange, AiCaller.Attempt.Failed f) {
        Decision.Respond denial = Decision.respond(f.status(), f.code(), f.message());
        if (f.status() == 429 || f.status() == 503) {
            // The provider's hint when it gave one; an overloaded provider without one: try again in a second.
            long seconds = f.retryAfterMillis() >= 0 ? Math.max(1, (f.retryAfterMillis() + 999) / 1000) : 1;
            denial = denial.withHeader("Retry-After", Long.toString(seconds));
        }
        DataPlane.error(res, exchange, denial, null);
        return new DataPlane.Result(f.status(), f.code(), serviceOf(exchange), null,
                f.deployment() == null ? null : f.deployment().baseUrl(), null);
    }

    private static DataPlane.Result deny(ServerResponse res, HttpExchange exchange, Decision.Respond denial) {
        DataPlane.error(res, exchange, denial, null);
        return new DataPlane.Result(denial.status(), denial.code(), serviceOf(exchange), null, null, null);
    }

    private static String serviceOf(HttpExchange exchange) {
        return exchange.attribute(Attributes.SERVICE).map(s -> s.id()).orElse(null);
    }

    /** A body over the limit: 413 rather than 400. */
    static final class TooLarge extends InvalidRequestException {
        TooLarge(long max) {
            super(null, "request body exceeds the limit of " + max + " bytes");
        }
    }

    static boolean isAi(Protocol protocol) {
        return protocol == Protocol.OPENAI || protocol == Protocol.ANTHROPIC;
    }
}
