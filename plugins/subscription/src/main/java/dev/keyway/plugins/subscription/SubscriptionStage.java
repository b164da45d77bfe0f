package dev.keyway.plugins.subscription;

import dev.keyway.spi.ApiKey;
import dev.keyway.spi.App;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.Phase;
import dev.keyway.spi.Service;
import dev.keyway.spi.Stage;
import dev.keyway.spi.StageContext;
import dev.keyway.spi.Subscription;
import org.pf4j.Extension;

import java.util.Objects;
import java.util.Optional;

/**
 * Lets an app call a service only while its subscription to that service is approved ({@link Phase#AUTHORIZE},
 * order 100). Key scopes are key-user's job, not this stage's.
 *
 * <p>Needs {@link Attributes#SERVICE}, written by the kernel before the chain runs, and {@link Attributes#APP},
 * written by key-user in the identify phase; reads {@link Attributes#API_KEY} (key-auth) only to name the key when
 * the app is missing. Without the service or the app the request is refused (fail closed). Writes
 * {@link Attributes#SUBSCRIPTION}, and only when the subscription is {@link Subscription.Status#APPROVED}.
 *
 * <p>The subscription is looked up on every request, never cached here: an approval, suspension or revocation
 * counts from the next request on. Messages name the app, subscription, service and key by id, never a secret.
 */
@Extension
public final class SubscriptionStage implements Stage {
    static final String SUBSCRIPTION_REQUIRED = "subscription_required";
    static final String SUBSCRIPTION_PENDING = "subscription_pending";
    static final String SUBSCRIPTION_SUSPENDED = "subscription_suspended";

    private static final String APPLY = "apply with POST /admin/subscriptions";
    private static final String APPLY_AGAIN = "apply again with POST /admin/subscriptions";

    private Directories directories;

    @Override
    public String name() {
        return "subscription";
    }

    @Override
    public Phase phase() {
        return Phase.AUTHORIZE;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public void start(StageContext context) {
        SubscriptionConfig.from(context.config());
        directories = Objects.requireNonNull(context.directories(), "directories");
    }

    @Override
    public Decision apply(Exchange exchange) {
        if (directories == null) {
            throw new IllegalStateException("subscription: apply called before start");
        }
        Optional<Service> resolved = exchange.attribute(Attributes.SERVICE);
        if (resolved.isEmpty()) {
            return Decision.respond(403, SUBSCRIPTION_REQUIRED, "no service was resolved for this request "
                    + "(expected: a route of a service matched before the chain ran)");
        }
        Service service = resolved.get();
        String target = "service '" + service.name() + "' (" + service.id() + ")";

        Optional<App> identified = exchange.attribute(Attributes.APP);
        if (identified.isEmpty()) {
            String caller = exchange.attribute(Attributes.API_KEY).map(ApiKey::id)
                    .map(id -> "API key " + id + " was not resolved to an app")
                    .orElse("no API key or app was resolved for this request");
            return Decision.respond(403, SUBSCRIPTION_REQUIRED, caller + ", so no subscription to " + target
                    + " can be checked (expected: key-user to resolve the key's app in the identify phase)");
        }
        App app = identified.get();

        Optional<Subscription> found = directories.subscriptions().find(app.id(), service.id());
        if (found.isEmpty()) {
            return Decision.respond(403, SUBSCRIPTION_REQUIRED,
                    "app " + app.id() + " has no subscription to " + target + "; " + APPLY);
        }
        Subscription subscription = found.get();
        if (!subscription.appId().equals(app.id()) || !subscription.serviceId().equals(service.id())) {
            throw new IllegalStateException("subscription directory answered subscription " + subscription.id()
                    + " of app " + subscription.appId() + " to service " + subscription.serviceId()
                    + " when asked for app " + app.id() + " and service " + service.id());
        }
        String subject = "app " + app.id() + "'s subscription " + subscription.id() + " to " + target;
        return switch (subscription.status()) {
            case APPROVED -> {
                exchange.attribute(Attributes.SUBSCRIPTION, subscription);
                yield Decision.proceed();
            }
            case PENDING -> Decision.respond(403, SUBSCRIPTION_PENDING,
                    subject + " is pending approval by the service's team");
            case SUSPENDED -> Decision.respond(403, SUBSCRIPTION_SUSPENDED,
                    subject + " is suspended by the service's team");
            case REJECTED -> Decision.respond(403, SUBSCRIPTION_REQUIRED, subject + " was rejected; " + APPLY_AGAIN);
            case REVOKED -> Decision.respond(403, SUBSCRIPTION_REQUIRED, subject + " was revoked; " + APPLY_AGAIN);
            case CANCELLED -> Decision.respond(403, SUBSCRIPTION_REQUIRED,
                    subject + " was cancelled; " + APPLY_AGAIN);
        };
    }
}
