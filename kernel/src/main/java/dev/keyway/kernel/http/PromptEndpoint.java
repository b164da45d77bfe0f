package dev.keyway.kernel.http;

import dev.keyway.kernel.ai.AiCaller;
import dev.keyway.kernel.ai.ModelCatalog;
import dev.keyway.kernel.ai.Prompts;
import dev.keyway.kernel.config.AiConfig;
import dev.keyway.spi.Decision;
import dev.keyway.spi.PromptTemplate;
import dev.keyway.spi.Service;
import dev.keyway.spi.ai.ChatMessage;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.InvalidRequestException;
import dev.keyway.spi.json.Json;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A prompt API call: {@code POST <prefix>} with {@code {"variables":{…}, "stream": false}}. The variables are
 * checked against the declarations (400 naming the one at fault), the templates filled, and the model called
 * through the owning team's deployments like any AI call (retries, fallback, usage and cost in the call record).
 */
final class PromptEndpoint {
    private final AiCaller caller;
    private final ModelCatalog catalog;
    private final AiConfig config;
    private final long maxBody;
    private final LimitGuard limits;

    PromptEndpoint(AiCaller caller, ModelCatalog catalog, AiConfig config, long maxBody, LimitGuard limits) {
        this.limits = limits;
        this.caller = caller;
        this.catalog = catalog;
        this.config = config;
        this.maxBody = maxBody;
    }

    DataPlane.Result handle(HttpExchange exchange, ServerRequest req, ServerResponse res, Service service,
                            PromptTemplate prompt) throws IOException {
        if (!exchange.method().equals("POST")) {
            return deny(res, exchange, Decision.respond(405, "method_not_allowed", "a prompt API takes POST "
                    + "{\"variables\":{…}}").withHeader("Allow", "POST"), null);
        }
        var apiKey = exchange.attribute(dev.keyway.spi.Attributes.API_KEY);
        if (apiKey.isPresent() && !AiEndpoints.modelAllowed(apiKey.get(), prompt.model())) {
            return deny(res, exchange, Decision.respond(403, "model_not_allowed", "API key " + apiKey.get().id()
                    + " may not use model '" + prompt.model() + "', which this prompt API calls"), null);
        }
        ChatRequest request;
        try {
            Map<String, Object> body = body(exchange, req);
            Map<String, Object> variables = body.get("variables") == null ? Map.of()
                    : Json.object(body.get("variables"), "variables");
            for (String key : body.keySet()) {
                if (!key.equals("variables") && !key.equals("stream")) {
                    throw new InvalidRequestException(key, "unknown field '" + key + "' (expected variables, stream)");
                }
            }
            boolean stream = Boolean.TRUE.equals(Json.bool(body.get("stream"), "stream"))
                    || req.headers().first(io.helidon.http.HeaderNames.ACCEPT).orElse("").contains("text/event-stream");
            Map<String, String> values = Prompts.values(prompt, variables);
            List<ChatMessage> messages = new ArrayList<>();
            if (prompt.system() != null) {
                messages.add(ChatMessage.text(ChatMessage.Role.SYSTEM, Prompts.render(prompt.system(), values)));
            }
            messages.add(ChatMessage.text(ChatMessage.Role.USER, Prompts.render(prompt.user(), values)));
            request = new ChatRequest(prompt.model(), messages, List.of(), null, prompt.temperature(), null, null,
                    prompt.maxTokens(), List.of(), null, null, null, stream, Map.of(), false);
        } catch (AiEndpoints.TooLarge e) {
            return deny(res, exchange, Decision.respond(413, "request_too_large", e.getMessage()), null);
        } catch (InvalidRequestException e) {
            return deny(res, exchange, Decision.respond(400, "invalid_request", e.getMessage()), e.param());
        } catch (IllegalArgumentException e) {
            return deny(res, exchange, Decision.respond(400, "invalid_request", e.getMessage()), null);
        }
        long maxOut = request.maxTokens() != null ? request.maxTokens() : config.defaultMaxTokens();
        long promptTokens = Budgets.promptTokens(request);
        LimitGuard.Held held = limits.admit(exchange, promptTokens + maxOut, Budgets.costMicros(
                caller.deployments(prompt.model(), service.teamId()), catalog, promptTokens, maxOut));
        if (held.refusal() != null) {
            return deny(res, exchange, held.refusal(), null);
        }
        DataPlane.Result result = null;
        try {
            AiCaller.Attempt attempt = caller.call(prompt.model(), service.teamId(), request,
                    (provider, r, deployment) -> provider.chat(r.withModel(deployment.model()), deployment));
            result = switch (attempt) {
                case AiCaller.Attempt.Invalid i -> deny(res, exchange, Decision.respond(400, "invalid_request",
                        i.reason().getMessage()), i.reason().param());
                case AiCaller.Attempt.Failed f -> deny(res, exchange, Decision.respond(f.status(), f.code(),
                        f.message()), null);
                case AiCaller.Attempt.Answered a -> AiAnswers.chat(exchange, res, a, request, new AiInbound.Prompt(),
                        catalog, caller, config);
            };
            return result;
        } finally {
            limits.release(held, Budgets.tokens(result), Budgets.costMicros(result));
        }
    }

    private Map<String, Object> body(HttpExchange exchange, ServerRequest req) {
        return AiEndpoints.json(exchange, req, maxBody, true);
    }

    private static DataPlane.Result deny(ServerResponse res, HttpExchange exchange, Decision.Respond denial,
                                         String param) {
        DataPlane.error(res, exchange, param == null ? denial
                : Decision.respond(denial.status(), denial.code(), denial.message() + " (" + param + ")"), null);
        return new DataPlane.Result(denial.status(), denial.code(),
                exchange.attribute(dev.keyway.spi.Attributes.SERVICE).map(Service::id).orElse(null),
                exchange.attribute(dev.keyway.spi.Attributes.SERVICE_VERSION).map(v -> v.version()).orElse(null),
                null, null);
    }
}
