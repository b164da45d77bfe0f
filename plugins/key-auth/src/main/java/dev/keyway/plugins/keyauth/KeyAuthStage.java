package dev.keyway.plugins.keyauth;

import dev.keyway.spi.ApiKey;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.KeyDirectory;
import dev.keyway.spi.Phase;
import dev.keyway.spi.Stage;
import dev.keyway.spi.StageContext;
import org.pf4j.Extension;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Authenticates the caller by API key ({@link Phase#AUTHENTICATE}, order 100): finds the key the caller presented
 * (see {@link PresentedKey}), then refuses it when it is unknown, revoked (including past the grace end of a
 * rotation), expired, or used from a client address outside its allowed-IP list.
 *
 * <p>Writes {@link Attributes#API_KEY} when the key is known, also when it is then refused for being revoked,
 * expired or used from the wrong address, so the call record names the key that failed. On success it also
 * removes the header (or the opted-in query parameter, see {@link dev.keyway.spi.Service#keyQueryParam()}) the
 * key came in from the upstream request: the gateway's secret is not the upstream's business. Messages name the key by id and display prefix, never by the secret; an unknown key is not echoed at
 * all. Needs no attribute from an earlier stage. Fails closed: anything it cannot verify is a 401.
 */
@Extension
public final class KeyAuthStage implements Stage {
    static final String INVALID_API_KEY = "invalid_api_key";
    static final String KEY_REVOKED = "key_revoked";
    static final String KEY_EXPIRED = "key_expired";
    static final String KEY_IP_NOT_ALLOWED = "key_ip_not_allowed";

    private final Clock clock;
    private KeyDirectory keys;

    /** The constructor PF4J uses: the system clock in UTC. */
    public KeyAuthStage() {
        this(Clock.systemUTC());
    }

    /** For tests: decides revocation and expiry by {@code clock}. */
    KeyAuthStage(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public String name() {
        return "key-auth";
    }

    @Override
    public Phase phase() {
        return Phase.AUTHENTICATE;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public void start(StageContext context) {
        KeyAuthConfig.from(context.config());
        keys = Objects.requireNonNull(context.directories().keys(), "directories.keys");
    }

    @Override
    public Decision apply(Exchange exchange) {
        if (keys == null) {
            throw new IllegalStateException("key-auth: apply called before start");
        }
        String queryParam = exchange.attribute(Attributes.SERVICE).map(s -> s.keyQueryParam()).orElse(null);
        return switch (PresentedKey.in(exchange.headers(), exchange.rawQuery(), queryParam)) {
            case PresentedKey.Absent() -> Decision.respond(401, INVALID_API_KEY,
                    "no API key was presented (expected: an Authorization: Bearer <key>, x-api-key or "
                            + "x-goog-api-key header)");
            case PresentedKey.Repeated(String header) -> Decision.respond(401, INVALID_API_KEY,
                    "the " + header + " header was sent more than once (expected: exactly one API key)");
            case PresentedKey.Found found -> check(exchange, found);
        };
    }

    private Decision check(Exchange exchange, PresentedKey.Found found) {
        Optional<ApiKey> match = keys.bySecret(found.secret());
        if (match.isEmpty()) {
            return Decision.respond(401, INVALID_API_KEY, "the API key in the " + found.header()
                    + " header is not recognised (expected: an API key issued by this gateway)");
        }
        ApiKey key = match.get();
        exchange.attribute(Attributes.API_KEY, key);
        Instant now = clock.instant();
        if (key.revokedAt(now)) {
            return Decision.respond(401, KEY_REVOKED, key.status() == ApiKey.Status.REVOKED
                    ? describe(key) + " was revoked (expected: an active key; create a new one)"
                    : describe(key) + " was replaced by a rotation and stopped working at " + key.revokeAt()
                            + " (expected: the replacement key)");
        }
        if (key.expiredAt(now)) {
            return Decision.respond(401, KEY_EXPIRED, describe(key) + " expired at " + key.expiresAt()
                    + " (expected: an unexpired key; create a new one or extend its expiry)");
        }
        if (!key.allowedIps().isEmpty() && !dev.keyway.spi.IpRange.anyContains(key.allowedIps(), exchange.clientAddress())) {
            return Decision.respond(403, KEY_IP_NOT_ALLOWED, describe(key) + " may not be used from "
                    + exchange.clientAddress() + " (expected: an address in the key's allowed-IP list; ask the "
                    + "key's owner to add it)");
        }
        stripCredential(exchange, found);
        return Decision.proceed();
    }

    /**
     * Removes the key from everything that goes upstream: the place it was found, and any other key header (or
     * the service's key parameter) carrying the same secret, as SDKs often send a key twice.
     */
    private static void stripCredential(Exchange exchange, PresentedKey.Found found) {
        for (String header : PresentedKey.HEADERS) {
            for (String value : exchange.headers().all(header)) {
                String secret = header.equals(PresentedKey.AUTHORIZATION) ? PresentedKey.bearerToken(value)
                        : value.strip();
                if (secret.equals(found.secret())) {
                    exchange.upstreamHeaders().remove(header);
                }
            }
        }
        if (found.queryParam() != null) {
            exchange.removeQueryParameter(found.queryParam());
        }
        // A copy in any query parameter (percent-encoded or not) goes too: the secret is never forwarded.
        for (String name : PresentedKey.parametersHolding(exchange.rawQuery(), found.secret())) {
            exchange.removeQueryParameter(name);
        }
    }

    /** "API key k-123 (kw-AbC1…)": the non-secret id and display prefix. */
    private static String describe(ApiKey key) {
        boolean hasPrefix = key.prefix() != null && !key.prefix().isBlank();
        return "API key " + key.id() + (hasPrefix ? " (" + key.prefix() + "…)" : "");
    }
}
