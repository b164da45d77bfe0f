package dev.keyway.kernel.ai;

import dev.keyway.kernel.config.AiConfig;
import dev.keyway.kernel.store.StoredDeployment;
import dev.keyway.spi.ai.AiProvider;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.Deployment;
import dev.keyway.spi.ai.InvalidRequestException;
import dev.keyway.spi.ai.UpstreamError;
import dev.keyway.spi.ai.UpstreamRequest;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Calls a model's deployments until one answers: retries with backoff on 429, 5xx and 529 (honouring
 * Retry-After up to a bound), then falls back to the next deployment; never retries 400/401/403. Each call runs
 * on the request's virtual thread, never on a ring thread. It returns before any byte reaches the caller: the
 * caller streams a {@link Attempt.Answered} response itself, so no retry can happen after the first byte.
 */
public final class AiCaller implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AiCaller.class.getName());

    private final AiConfig config;
    private final Supplier<Map<String, AiProvider>> providers;
    private final DeploymentPicker picker;
    private final CircuitBreakers breakers;
    private final Credentials credentials;
    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            // HTTP/1.1: no h2c upgrade offer on every plain-http request (providers over https negotiate by ALPN).
            .version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();

    public AiCaller(AiConfig config, Supplier<Map<String, AiProvider>> providers,
                    Supplier<List<StoredDeployment>> deployments, Credentials credentials) {
        this.config = config;
        this.providers = providers;
        this.breakers = new CircuitBreakers(config.breakerFailures(), config.breakerOpenFor(), System::nanoTime);
        this.picker = new DeploymentPicker(deployments, breakers);
        this.credentials = credentials;
    }

    /** How a call ended before anything was sent to the caller. */
    public sealed interface Attempt {
        /**
         * A deployment answered with success; its body is still unread.
         *
         * @param deployment the deployment that answered
         * @param provider   its wire format
         * @param response   the open response (status &lt; 400)
         */
        record Answered(StoredDeployment deployment, AiProvider provider, HttpResponse<InputStream> response)
                implements Attempt {
        }

        /** The request cannot be sent as asked (a 400 for the caller, naming the parameter). */
        record Invalid(InvalidRequestException reason) implements Attempt {
        }

        /**
         * Every deployment failed, or none could be tried.
         *
         * @param status           the status for the caller
         * @param code             the error code
         * @param message          what happened (never a credential)
         * @param retryAfterMillis a hint for the caller, or -1
         * @param deployment       the last deployment tried, or null
         */
        record Failed(int status, String code, String message, long retryAfterMillis, StoredDeployment deployment)
                implements Attempt {
        }
    }

    /**
     * Tries {@code model}'s deployments in order.
     *
     * @param model   the model name the caller used (deployments are keyed by it)
     * @param team    the team owning the AI service that granted the model: only its deployments serve it
     * @param request what to send; {@code build} turns it into a provider's request for a deployment
     */
    public <R> Attempt call(String model, String team, R request, Build<R> build) {
        List<StoredDeployment> order = picker.order(model, team);
        if (order.isEmpty()) {
            return new Attempt.Failed(503, "no_deployment", "model '" + model + "' has no deployment (an "
                    + "operator adds one with POST /admin/ai/deployments)", -1, null);
        }
        Attempt.Failed last = null;
        InvalidRequestException invalid = null;
        int refusedAsInvalid = 0;
        for (StoredDeployment d : order) {
            boolean probe = breakers.open(d.id());
            if (!breakers.allow(d.id())) {
                last = new Attempt.Failed(503, "circuit_open", "deployment " + d.id() + " failed repeatedly; its "
                        + "circuit breaker is open for " + config.breakerOpenFor().toSeconds() + " s", -1, d);
                continue;
            }
            try {
                Object outcome = tryDeployment(d, request, build);
                if (outcome instanceof Attempt.Answered answered) {
                    return answered;
                }
                if (outcome instanceof InvalidRequestException e) {
                    // This provider cannot take the request as asked; another deployment may.
                    invalid = e;
                    refusedAsInvalid++;
                    continue;
                }
                if (outcome instanceof Final f) {
                    return f.failed();
                }
                last = (Attempt.Failed) outcome;
            } finally {
                if (probe) {
                    // A half-open probe that ended without a verdict must not keep the breaker shut for good.
                    breakers.release(d.id());
                }
            }
        }
        if (invalid != null && refusedAsInvalid == order.size()) {
            return new Attempt.Invalid(invalid);
        }
        return last != null ? last : new Attempt.Invalid(invalid);
    }

    /**
     * One deployment: an {@link Attempt.Answered}, an {@link InvalidRequestException} (this provider cannot take the
     * request), an {@link Attempt.Failed} (try the next one) or a {@link Final} failure.
     */
    private <R> Object tryDeployment(StoredDeployment d, R request, Build<R> build) {
        AiProvider provider = providers.get().get(d.provider());
        if (provider == null) {
            breakers.failure(d.id());
            return new Attempt.Failed(503, "provider_unavailable", "deployment " + d.id() + " needs provider '"
                    + d.provider() + "', which no loaded plugin contributes", -1, d);
        }
        UpstreamRequest upstream;
        try {
            Map<String, String> settings = new java.util.HashMap<>(d.settings());
            // The node's default for providers that need max_tokens, unless the deployment names its own.
            settings.putIfAbsent("default-max-tokens", Integer.toString(config.defaultMaxTokens()));
            Deployment deployment = new Deployment(d.id(), d.provider(), d.baseUrl(), d.upstreamModel(),
                    credentials.secret(d.credentialId()).orElse(null), settings);
            upstream = build.build(provider, request, deployment);
        } catch (InvalidRequestException e) {
            return e;
        } catch (RuntimeException e) {
            // A credential that does not decrypt here, or a provider refusing the deployment's settings. The
            // exception's message may quote a setting or a secret: only its class is logged.
            breakers.failure(d.id());
            LOG.warning(() -> "deployment " + d.id() + " cannot be called: " + e.getClass().getName());
            return new Attempt.Failed(503, "deployment_unusable", "deployment " + d.id() + " cannot be called on "
                    + "this node (its credential or settings are unusable; see the server log)", -1, d);
        }
        Attempt.Failed last = null;
        for (int attempt = 1; attempt <= config.maxAttempts(); attempt++) {
            if (attempt > 1 && breakers.open(d.id())) {
                break; // opened by this call's own failures (or a concurrent call's): no more attempts here
            }
            HttpResponse<InputStream> response;
            try {
                response = client.send(request(upstream), HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpTimeoutException e) {
                breakers.failure(d.id());
                return new Attempt.Failed(504, "upstream_timeout", "deployment " + d.id() + " did not answer "
                        + "within " + config.timeout().toSeconds() + " s", -1, d);
            } catch (IOException e) {
                breakers.failure(d.id());
                last = new Attempt.Failed(502, "upstream_unreachable", "deployment " + d.id()
                        + " could not be reached (" + e.getClass().getSimpleName() + ")", -1, d);
                if (!sleep(backoff(attempt, -1), attempt)) {
                    break;
                }
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Final(new Attempt.Failed(503, "interrupted", "request interrupted", -1, d));
            } catch (RuntimeException e) {
                // E.g. a header value the HTTP client refuses: its message quotes the value (a credential).
                breakers.failure(d.id());
                LOG.warning(() -> "deployment " + d.id() + ": request refused by the HTTP client ("
                        + e.getClass().getName() + ")");
                return new Attempt.Failed(503, "deployment_unusable", "deployment " + d.id() + " cannot be called "
                        + "(its credential or settings are unusable; see the server log)", -1, d);
            }
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                breakers.success(d.id());
                return new Attempt.Answered(d, provider, response);
            }
            if (status < 400) {
                close(response);
                breakers.failure(d.id());
                return new Attempt.Failed(502, "upstream_error", "deployment " + d.id() + " answered " + status
                        + " (redirects are not followed)", -1, d);
            }
            UpstreamError error = readError(provider, response);
            boolean credential = error.status() == 401 || error.status() == 403;
            last = new Attempt.Failed(callerStatus(error.status()), code(error), "provider '" + d.provider()
                    + "' (deployment " + d.id() + ") answered " + error.status() + ": " + (credential
                    ? "it refused the deployment's credential" : error.message()), error.retryAfterMillis(), d);
            if (credential || error.status() == 404) {
                // The deployment is misconfigured (its credential, its model name), not the caller's request:
                // never retried there, but another deployment may serve.
                breakers.failure(d.id());
                return last;
            }
            if (!error.retryable()) {
                // The caller's request is at fault (the deployment itself answered): no attempt elsewhere helps.
                breakers.success(d.id());
                return new Final(last);
            }
            breakers.failure(d.id());
            long wait = backoff(attempt, error.retryAfterMillis());
            if (wait > config.maxRetryAfter().toMillis() || !sleep(wait, attempt)) {
                break;
            }
        }
        return last;
    }

    /** A failure after which no other deployment is tried (the caller's request is at fault, or interrupted). */
    private record Final(Attempt.Failed failed) {
    }

    private static void close(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException e) {
            // Nothing left to do with it.
        }
    }

    /** Turns the neutral request into a provider's request for one deployment. */
    @FunctionalInterface
    public interface Build<R> {
        UpstreamRequest build(AiProvider provider, R request, Deployment deployment);
    }

    /** The deployments that may serve {@code model} for {@code team} (for reserving budgets at their prices). */
    public List<StoredDeployment> deployments(String model, String team) {
        return picker.order(model, team);
    }

    /** Whether {@code deployment}'s breaker is open. */
    public boolean breakerOpen(String deployment) {
        return breakers.open(deployment);
    }

    /** A deployment failed after it had answered (a broken stream): counts towards its breaker. */
    public void failedAfterAnswer(String deployment) {
        breakers.failure(deployment);
    }

    private HttpRequest request(UpstreamRequest upstream) {
        HttpRequest.Builder b = HttpRequest.newBuilder(upstream.uri()).timeout(config.timeout())
                .method(upstream.method(), upstream.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(upstream.body()));
        upstream.headers().forEach(b::header);
        return b.build();
    }

    private static UpstreamError readError(AiProvider provider, HttpResponse<InputStream> response) {
        byte[] body;
        try (InputStream in = response.body()) {
            body = in.readNBytes(64 * 1024);
        } catch (IOException e) {
            body = new byte[0];
        }
        try {
            return provider.error(response.statusCode(), response.headers().map(), body);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "provider " + provider.id() + " could not read its error", e);
            int s = response.statusCode();
            return new UpstreamError(s, null, "upstream answered " + s, s == 429 || s >= 500, -1);
        }
    }

    /**
     * What the caller sees: the provider's 400-class answers about the request as they are; a rejected credential
     * or unknown upstream model (401, 403, 404: the deployment's fault, not the caller's key) as 502; 529 and 503
     * (overloaded) as 503; other 5xx as 502.
     */
    private static int callerStatus(int upstream) {
        if (upstream == 529 || upstream == 503) {
            return 503;
        }
        if (upstream == 401 || upstream == 403 || upstream == 404) {
            return 502;
        }
        return upstream >= 500 ? 502 : upstream;
    }

    private static String code(UpstreamError e) {
        return switch (e.status()) {
            case 429 -> "rate_limit_exceeded";
            case 529, 503 -> "upstream_overloaded";
            case 401, 403 -> "upstream_auth_failed";
            case 404 -> "upstream_model_not_found";
            default -> e.status() >= 500 ? "upstream_error" : "invalid_request_error";
        };
    }

    private long backoff(int attempt, long retryAfterMillis) {
        long exponential = config.backoff().toMillis() << Math.min(attempt - 1, 10);
        return Math.max(exponential, retryAfterMillis);
    }

    /** Sleeps before attempt {@code attempt + 1}; false when there is none left on this deployment. */
    private boolean sleep(long millis, int attempt) {
        if (attempt >= config.maxAttempts()) {
            return false;
        }
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
