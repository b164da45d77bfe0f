package dev.keyway.kernel.admin;

import dev.keyway.kernel.store.StoredKey;
import dev.keyway.kernel.store.StoredSubscription;
import dev.keyway.spi.Service;
import dev.keyway.spi.ServiceVersion;
import dev.keyway.spi.Subscription.Status;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /admin/keys/{id}/test?serviceId=…}: would this key pass the authorize phase for that service? The
 * same rules as the data plane — key scopes (key-user), then the app's subscription (subscription stage) — so an
 * operator sees {@code subscription_pending} here before a caller does.
 */
final class KeyServiceCheck {

    private KeyServiceCheck() {
    }

    /** The check's result for the test body: {@code service}, {@code subscription} and, if refused, a finding. */
    static Map<String, Object> check(StoredKey key, Service service, List<StoredSubscription> all) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("service", Map.of("id", service.id(), "name", service.name(), "servingVersions", service.versions()
                .stream().filter(v -> v.lifecycle().serves()).map(ServiceVersion::version).toList()));
        StoredSubscription sub = all.stream()
                .filter(s -> s.appId().equals(key.appId()) && s.serviceId().equals(service.id()))
                .min(Comparator.comparingInt(KeyServiceCheck::rank)
                        .thenComparing(StoredSubscription::id, Comparator.reverseOrder()))
                .orElse(null);
        if (sub != null) {
            out.put("subscription", Map.of("id", sub.id(), "status", ServiceFields.lower(sub.status())));
        }
        String target = "service '" + service.name() + "' (" + service.id() + ")";
        List<String> services = key.scopes().stream().filter(x -> !x.startsWith(KeyRoutes.MODEL_SCOPE)).toList();
        boolean modelsOnly = services.isEmpty() && !key.scopes().isEmpty();
        if ((modelsOnly && service.kind() == Service.Kind.REST)
                || (!services.isEmpty() && !services.contains(service.id()))) {
            return refused(out, "key_scope_denied", "API key " + key.id() + " is limited to " + key.scopes()
                    + " and may not call " + target, "issue a key whose scopes include the service");
        }
        if (sub == null) {
            return refused(out, "subscription_required", "app " + key.appId() + " has no subscription to " + target,
                    "apply with POST /admin/subscriptions {appId, serviceId}");
        }
        return switch (sub.status()) {
            case APPROVED -> out;
            case PENDING -> refused(out, "subscription_pending", "subscription " + sub.id() + " to " + target
                    + " is pending", "an owner or admin of the service's team approves it (GET /admin/teams/{id}/approvals)");
            case SUSPENDED -> refused(out, "subscription_suspended", "subscription " + sub.id() + " to " + target
                    + " is suspended", "the service's team resumes it (POST /admin/subscriptions/" + sub.id() + "/resume)");
            case REJECTED, REVOKED, CANCELLED -> refused(out, "subscription_required", "subscription " + sub.id()
                    + " to " + target + " was " + ServiceFields.lower(sub.status()), "apply again with POST /admin/subscriptions");
        };
    }

    private static Map<String, Object> refused(Map<String, Object> out, String code, String message, String fix) {
        out.put("ok", false);
        out.put("code", code);
        out.put("message", message);
        out.put("fix", fix);
        return out;
    }

    private static int rank(StoredSubscription s) {
        return s.status() == Status.APPROVED ? 0 : s.live() ? 1 : 2;
    }
}
