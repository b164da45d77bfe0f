package dev.keyway.plugins.ratelimit;

import dev.keyway.spi.ApiKey;
import dev.keyway.spi.App;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Counters;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.Limit;
import dev.keyway.spi.Phase;
import dev.keyway.spi.Service;
import dev.keyway.spi.Stage;
import dev.keyway.spi.StageContext;
import dev.keyway.spi.Subscription;
import dev.keyway.spi.Team;
import dev.keyway.spi.User;
import org.pf4j.Extension;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Refuses a request with 429 once a {@link Limit.Metric#REQUESTS} limit covering it is used up
 * ({@link Phase#LIMIT}, order 100). Limits of other metrics (tokens, cost, concurrency) are counted elsewhere.
 *
 * <p>Needs {@link Attributes#SERVICE}, written by the kernel before the chain runs; without it there is nothing to
 * limit and the request proceeds. Reads {@link Attributes#API_KEY} (key-auth), {@link Attributes#USER},
 * {@link Attributes#TEAM} and {@link Attributes#APP} (key-user) and {@link Attributes#SUBSCRIPTION} (subscription)
 * when present, to ask the {@link dev.keyway.spi.LimitDirectory} which limits apply; an absent one is passed as
 * null. Writes no attributes.
 *
 * <p>Every applicable limit counts the request on its own counter, {@code req:<limit id>:<subject id>} (a
 * service's per-app default, subject id {@code *}, counts per app). When any count passes its limit's max, the
 * request is refused and its increments are taken back on every limit, so a refused request consumes nothing.
 * The tightest limit (least left after this request; ties: the shortest window) is named in the refusal and
 * reported in the {@code x-ratelimit-*-requests} headers, on success and refusal alike. Windows are fixed and
 * aligned to the epoch, as {@link Counters} counts them.
 *
 * <p>Fails closed: when the limit directory or the counters throw, so does {@code apply} (the kernel answers 500).
 * Messages name the limit, its subject and the service by id or name, never a secret.
 */
@Extension
public final class RateLimitStage implements Stage {
    static final String RATE_LIMIT_EXCEEDED = "rate_limit_exceeded";
    static final String LIMIT_HEADER = "x-ratelimit-limit-requests";
    static final String REMAINING_HEADER = "x-ratelimit-remaining-requests";
    static final String RESET_HEADER = "x-ratelimit-reset-requests";
    static final String RETRY_AFTER_HEADER = "Retry-After";

    /** Least left first, then the shortest window: the limit a caller runs into first. */
    private static final Comparator<Count> TIGHTEST =
            Comparator.comparingLong(Count::left).thenComparing(c -> c.limit().window());

    private final LongSupplier clockMs;
    private Directories directories;

    /** The stage PF4J creates: windows are read off the system clock. */
    public RateLimitStage() {
        this(System::currentTimeMillis);
    }

    /** A stage reading the time, in epoch milliseconds, from {@code clockMs} (tests move it). */
    RateLimitStage(LongSupplier clockMs) {
        this.clockMs = Objects.requireNonNull(clockMs, "clockMs");
    }

    @Override
    public String name() {
        return "rate-limit";
    }

    @Override
    public Phase phase() {
        return Phase.LIMIT;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public void start(StageContext context) {
        RateLimitConfig.from(context.config());
        directories = Objects.requireNonNull(context.directories(), "directories");
    }

    @Override
    public Decision apply(Exchange exchange) {
        if (directories == null) {
            throw new IllegalStateException("rate-limit: apply called before start");
        }
        Optional<Service> resolved = exchange.attribute(Attributes.SERVICE);
        if (resolved.isEmpty()) {
            return Decision.proceed();
        }
        Service service = resolved.get();
        String appId = exchange.attribute(Attributes.APP).map(App::id).orElse(null);
        List<Limit> applicable = Objects.requireNonNull(directories.limits().applicable(service.id(),
                exchange.attribute(Attributes.API_KEY).map(ApiKey::id).orElse(null),
                exchange.attribute(Attributes.USER).map(User::id).orElse(null), appId,
                exchange.attribute(Attributes.TEAM).map(Team::id).orElse(null),
                exchange.attribute(Attributes.SUBSCRIPTION).map(Subscription::id).orElse(null)),
                "limit directory answered null");

        List<Limit> limits = applicable.stream().filter(l -> l.metric() == Limit.Metric.REQUESTS).toList();
        if (limits.isEmpty()) {
            return Decision.proceed();
        }
        // Name every counter before counting, so a misconfigured limit refuses the request before it consumes.
        List<String> keys = limits.stream().map(l -> counterKey(l, service, appId)).toList();
        long now = clockMs.getAsLong();
        List<Count> counts;
        try {
            counts = count(limits, keys, now);
        } catch (IllegalStateException e) {
            // A cluster-mode limit that fails closed while the cluster store is unreachable (onStoreDown: deny).
            return Decision.respond(503, "limit_store_unavailable", "a limit on this request cannot be counted: the "
                    + "cluster store is unreachable and the limit fails closed; retry shortly")
                    .withHeader(RETRY_AFTER_HEADER, "1");
        }
        Count tightest = counts.stream().min(TIGHTEST).orElseThrow();
        if (tightest.left() >= 0) {
            exchange.responseHeaders().set(LIMIT_HEADER, Long.toString(tightest.limit().max()));
            exchange.responseHeaders().set(REMAINING_HEADER, Long.toString(tightest.left()));
            exchange.responseHeaders().set(RESET_HEADER, tightest.resetSeconds() + "s");
            return Decision.proceed();
        }
        undo(counts);
        return Decision.respond(429, RATE_LIMIT_EXCEEDED, "limit " + tightest.limit().id() + " ("
                        + describe(tightest.limit(), service, appId) + ") is exhausted; retry in "
                        + tightest.resetSeconds() + " s")
                .withHeader(RETRY_AFTER_HEADER, Long.toString(tightest.resetSeconds()))
                .withHeader(LIMIT_HEADER, Long.toString(tightest.limit().max()))
                .withHeader(REMAINING_HEADER, "0")
                .withHeader(RESET_HEADER, tightest.resetSeconds() + "s");
    }

    /** Adds this request to every limit; if the counters fail part way, takes back what was added, then throws. */
    private List<Count> count(List<Limit> limits, List<String> keys, long now) {
        Counters counters = directories.counters();
        List<Count> counts = new ArrayList<>(limits.size());
        try {
            for (int i = 0; i < limits.size(); i++) {
                Limit limit = limits.get(i);
                long windowMs = limit.window().toMillis();
                long end = now - Math.floorMod(now, windowMs) + windowMs;
                counts.add(new Count(limit, keys.get(i), counters.add(keys.get(i), 1, limit.window(), limit.max(),
                        limit.mode(), limit.onStoreDown()), end - now));
            }
        } catch (RuntimeException e) {
            try {
                undo(counts);
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        return counts;
    }

    private void undo(List<Count> counts) {
        for (Count c : counts) {
            directories.counters().add(c.key(), -1, c.limit().window(), c.limit().max(), c.limit().mode(),
                    dev.keyway.spi.Limit.OnStoreDown.LOCAL);
        }
    }

    private static String counterKey(Limit limit, Service service, String appId) {
        if (limit.window().toMillis() <= 0) {
            throw new IllegalStateException("limit " + limit.id() + ": window " + limit.window()
                    + " (expected: at least 1 ms)");
        }
        String subject = limit.subjectId();
        if (isPerAppDefault(limit)) {
            if (appId == null) {
                throw new IllegalStateException("limit directory answered limit " + limit.id() + ", the per-app "
                        + "default of service " + service.id() + ", for a request with no app to count it for");
            }
            subject = appId;
        }
        return "req:" + limit.id() + ":" + subject;
    }

    private static boolean isPerAppDefault(Limit limit) {
        return limit.subject() == Limit.Subject.APP && "*".equals(limit.subjectId());
    }

    /** E.g. {@code at most 100 requests per 1 minute for app a-9 on service 'orders'}. */
    private static String describe(Limit limit, Service service, String appId) {
        String id = limit.subjectId();
        String who = switch (limit.subject()) {
            case KEY -> "key " + id;
            case USER -> "user " + id;
            case APP -> isPerAppDefault(limit) ? "app " + appId + " (the service's per-app default)" : "app " + id;
            case TEAM -> "team " + id;
            case SERVICE -> "all callers together";
            case SUBSCRIPTION -> "subscription " + id;
        };
        // A service limit names its service as subject; a subscription belongs to the service being called.
        String on = switch (limit.subject()) {
            case SERVICE -> id;
            case SUBSCRIPTION -> limit.serviceId() == null ? service.id() : limit.serviceId();
            default -> limit.serviceId();
        };
        String where = on == null ? "on every service"
                : "on service " + (on.equals(service.id()) ? "'" + service.name() + "'" : on);
        return "at most " + limit.max() + (limit.max() == 1 ? " request" : " requests") + " per "
                + window(limit) + " for " + who + " " + where;
    }

    private static String window(Limit limit) {
        long ms = limit.window().toMillis();
        long[] units = {86_400_000, 3_600_000, 60_000, 1_000};
        String[] names = {"day", "hour", "minute", "second"};
        for (int i = 0; i < units.length; i++) {
            if (ms % units[i] == 0) {
                long n = ms / units[i];
                return n + " " + names[i] + (n == 1 ? "" : "s");
            }
        }
        return ms + " ms";
    }

    /**
     * One limit's count after this request.
     *
     * @param untilResetMs milliseconds until the limit's current window ends; always at least 1
     */
    private record Count(Limit limit, String key, long count, long untilResetMs) {

        /** What is left after this request; negative when the request went past the max. */
        long left() {
            return limit.max() - count;
        }

        /** Whole seconds until the window ends, rounded up: at least 1. */
        long resetSeconds() {
            return Math.max(1, (untilResetMs + 999) / 1000);
        }
    }
}
