package dev.keyway.kernel.http;

import dev.keyway.spi.ApiKey;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Counters;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Limit;
import dev.keyway.spi.Service;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The limits that need to see a call end: requests in flight ({@code concurrent}), and for AI calls tokens and
 * cost, which are reserved before the call (a prompt estimate plus the most output the call may produce, at the
 * highest price it may be billed at) and settled with the provider's real usage afterwards. Concurrent calls thus
 * cannot overshoot a hard budget by more than one call's estimate error. Requests per window are counted by the
 * rate-limit stage on the ring; this runs on the request's thread after the chain decided.
 */
final class LimitGuard {
    private final Directories directories;
    private final LongSupplier clockMs;
    private final dev.keyway.kernel.audit.LimitAlerts alerts;
    private final java.util.function.Function<String, String> serviceTeam;

    LimitGuard(Directories directories, LongSupplier clockMs, dev.keyway.kernel.audit.LimitAlerts alerts) {
        this.directories = directories;
        this.clockMs = clockMs;
        this.alerts = alerts;
        this.serviceTeam = id -> directories.services().byId(id).map(Service::teamId).orElse(null);
    }

    /** The limits on every service for the exchange's key, user, app and team (for {@code GET /v1/me}). */
    List<Limit> keyLimits(HttpExchange exchange) {
        ApiKey key = exchange.attribute(Attributes.API_KEY).orElse(null);
        return directories.limits().applicable(null, key == null ? null : key.id(),
                exchange.attribute(Attributes.USER).map(u -> u.id()).orElse(null),
                exchange.attribute(Attributes.APP).map(a -> a.id()).orElse(null),
                exchange.attribute(Attributes.TEAM).map(t -> t.id()).orElse(null), null);
    }

    /** What a call holds until it ends; {@link #release} settles it. */
    static final class Held {
        private final List<Taken> taken = new ArrayList<>();
        private Decision.Respond refusal;
        private Taken tightestTokens;

        Decision.Respond refusal() {
            return refusal;
        }

        /** Whether a token or cost limit holds a reservation for this call. */
        boolean budgeted() {
            return taken.stream().anyMatch(t -> t.limit().metric() == Limit.Metric.TOKENS
                    || t.limit().metric() == Limit.Metric.COST);
        }
    }

    private record Taken(Limit limit, String key, long amount, long count, long windowStart) {
        long left() {
            return limit.max() - count;
        }
    }

    /**
     * Takes one in-flight slot of every concurrent limit, and {@code tokens} and {@code costMicros} of every token
     * and cost limit (0 for REST calls). On refusal nothing stays taken and {@link Held#refusal()} says why.
     */
    Held admit(HttpExchange exchange, long tokens, long costMicros) {
        Held held = new Held();
        Service service = exchange.attribute(Attributes.SERVICE).orElse(null);
        if (service == null) {
            return held;
        }
        ApiKey key = exchange.attribute(Attributes.API_KEY).orElse(null);
        String appId = exchange.attribute(Attributes.APP).map(a -> a.id()).orElse(null);
        List<Limit> limits = directories.limits().applicable(service.id(), key == null ? null : key.id(),
                exchange.attribute(Attributes.USER).map(u -> u.id()).orElse(null), appId,
                exchange.attribute(Attributes.TEAM).map(t -> t.id()).orElse(null),
                exchange.attribute(Attributes.SUBSCRIPTION).map(s -> s.id()).orElse(null));
        Counters counters = directories.counters();
        try {
            return admit(exchange, held, service, appId, limits, counters, tokens, costMicros);
        } catch (RuntimeException e) {
            // Whatever was taken before the failure goes back: a slot or a reservation must never leak.
            release(held, 0, 0);
            throw e;
        }
    }

    private Held admit(HttpExchange exchange, Held held, Service service, String appId, List<Limit> limits,
                       Counters counters, long tokens, long costMicros) {
        List<Taken> exceeded = new ArrayList<>(0);
        for (Limit limit : limits) {
            long amount = switch (limit.metric()) {
                case CONCURRENT -> 1;
                case TOKENS -> tokens;
                case COST -> costMicros;
                case REQUESTS -> 0;
            };
            if (amount <= 0) {
                continue;
            }
            String counter = limit.metric().name().toLowerCase(java.util.Locale.ROOT) + ":" + limit.id() + ":"
                    + (limit.subject() == Limit.Subject.APP && "*".equals(limit.subjectId()) ? appId
                    : limit.subjectId());
            long count;
            try {
                count = counters.add(counter, amount, window(limit), limit.max(), limit.mode(), limit.onStoreDown());
            } catch (IllegalStateException e) {
                release(held, 0, 0);
                held.refusal = Decision.respond(503, "limit_store_unavailable", "limit " + limit.id() + " cannot be "
                        + "counted: the cluster store is unreachable, and this limit fails closed").withHeader(
                        "Retry-After", "1");
                return held;
            }
            Taken t = new Taken(limit, counter, amount, count, windowStart(limit));
            held.taken.add(t);
            if (count > limit.max() && !limit.soft()) {
                // Every limit is counted before refusing, so the refusal can name the tightest of them.
                exceeded.add(t);
                continue;
            }
            if (alerts != null && !limit.alertAt().isEmpty()) {
                String team = serviceTeam.apply(service.id());
                // Off the request's path: an audit write must neither slow nor fail the call.
                Thread.ofVirtual().start(() -> alerts.check(limit, counter, t.windowStart(), count, team));
            }
            if (limit.metric() == Limit.Metric.TOKENS && (held.tightestTokens == null
                    || limit.max() - count < held.tightestTokens.limit().max() - held.tightestTokens.count())) {
                held.tightestTokens = t;
            }
        }
        if (!exceeded.isEmpty()) {
            release(held, 0, 0);
            Taken tightest = exceeded.stream().min(TIGHTEST).orElseThrow();
            long wait = exceeded.stream().mapToLong(x -> reset(x.limit())).max().orElse(1);
            held.refusal = refuse(tightest, service, wait);
            return held;
        }
        if (held.tightestTokens != null) {
            Taken t = held.tightestTokens;
            exchange.responseHeaders().set("x-ratelimit-limit-tokens", Long.toString(t.limit().max()));
            exchange.responseHeaders().set("x-ratelimit-remaining-tokens",
                    Long.toString(Math.max(0, t.limit().max() - t.count())));
            exchange.responseHeaders().set("x-ratelimit-reset-tokens", resetSeconds(t.limit()) + "s");
        }
        return held;
    }

    /**
     * Ends a call: gives back its in-flight slots and replaces the reserved tokens and cost by what the call really
     * used ({@code tokens}, {@code costMicros}; 0 for a call that failed before the provider answered).
     */
    void release(Held held, long tokens, long costMicros) {
        Counters counters = directories.counters();
        for (Taken t : held.taken) {
            long actual = switch (t.limit().metric()) {
                case TOKENS -> tokens;
                case COST -> costMicros;
                default -> 0;
            };
            if (actual < 0) {
                // Usage unknown although a provider answered (a broken stream, a client gone): the call is
                // billed by the provider, so its reservation stays counted.
                actual = t.amount();
            }
            long delta = actual - t.amount();
            if (delta < 0 && t.limit().metric() != Limit.Metric.CONCURRENT && windowStart(t.limit()) != t.windowStart()) {
                // The window the reservation was taken in has ended: giving back into the new one would
                // credit it with units it never lent.
                continue;
            }
            if (delta != 0) {
                try {
                    counters.add(t.key(), delta, window(t.limit()), t.limit().max(), t.limit().mode(),
                            Limit.OnStoreDown.LOCAL);
                } catch (RuntimeException e) {
                    // Settling is best effort: the reservation stays counted (errs on the safe side).
                }
            }
        }
        held.taken.clear();
    }

    /**
     * The tightest of several exceeded limits: the least left after this call (for limits of one metric), else the
     * least left as a share of the limit; ties go to the shortest window — as the rate-limit stage names them.
     */
    private static final java.util.Comparator<Taken> TIGHTEST = (a, b) -> {
        int c = a.limit().metric() == b.limit().metric() ? Long.compare(a.left(), b.left())
                : Double.compare((double) a.left() / a.limit().max(), (double) b.left() / b.limit().max());
        return c != 0 ? c : window(a.limit()).compareTo(window(b.limit()));
    };

    private long reset(Limit l) {
        return l.metric() == Limit.Metric.CONCURRENT ? 1 : resetSeconds(l);
    }

    /**
     * Refuses naming {@code t}; {@code wait} is the longest wait among the exceeded limits, since retrying when
     * only the named one has room would be refused again.
     */
    private Decision.Respond refuse(Taken t, Service service, long wait) {
        Limit l = t.limit();
        // Tokens per minute are a rate; tokens per day or month, and any cost, are a quota.
        boolean quota = l.metric() == Limit.Metric.COST
                || (l.metric() == Limit.Metric.TOKENS && l.window().compareTo(java.time.Duration.ofHours(1)) > 0);
        String what = switch (l.metric()) {
            case CONCURRENT -> l.max() + " requests in flight at once";
            case TOKENS -> l.max() + " tokens per " + l.window();
            case COST -> String.format(java.util.Locale.ROOT, "%.6f USD per %s", l.max() / 1_000_000.0, l.window());
            case REQUESTS -> l.max() + " requests per " + l.window();
        };
        long reset = Math.max(wait, reset(l));
        Decision.Respond r = Decision.respond(429, quota ? "insufficient_quota" : "rate_limit_exceeded", "limit "
                        + l.id() + " (at most " + what + " for " + l.subject().name().toLowerCase(java.util.Locale.ROOT)
                        + " " + l.subjectId() + " on service '" + service.name() + "') does not leave room for this "
                        + "call; retry in " + reset + " s")
                .withHeader("Retry-After", Long.toString(reset));
        if (l.metric() == Limit.Metric.TOKENS) {
            r = r.withHeader("x-ratelimit-limit-tokens", Long.toString(l.max()))
                    .withHeader("x-ratelimit-remaining-tokens", Long.toString(Math.max(0, l.max() - (t.count()
                            - t.amount()))))
                    .withHeader("x-ratelimit-reset-tokens", reset(l) + "s");
        }
        return r;
    }

    private long windowStart(Limit l) {
        long windowMs = window(l).toMillis();
        long now = clockMs.getAsLong();
        return now - Math.floorMod(now, windowMs);
    }

    /** In-flight counts live in one window as long as a month: given back on release, they never roll over. */
    private static java.time.Duration window(Limit l) {
        return l.metric() == Limit.Metric.CONCURRENT ? java.time.Duration.ofDays(3650) : l.window();
    }

    private long resetSeconds(Limit l) {
        long windowMs = l.window().toMillis();
        long now = clockMs.getAsLong();
        long end = now - Math.floorMod(now, windowMs) + windowMs;
        return Math.max(1, (end - now + 999) / 1000);
    }
}
