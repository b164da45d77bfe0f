package dev.keyway.kernel.admin;

import dev.keyway.kernel.audit.AuditLog;
import dev.keyway.kernel.identity.LoginThrottle;
import dev.keyway.kernel.keys.KeyUsage;
import dev.keyway.kernel.observe.Metrics;
import dev.keyway.kernel.pipeline.Chain;
import dev.keyway.kernel.plugin.PluginHost;
import dev.keyway.kernel.store.IgniteStore;
import dev.keyway.kernel.store.KeyHasher;

import java.time.Clock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What the admin routes work with, in one place.
 *
 * @param auth    authenticates callers
 * @param metrics the node's metrics
 * @param ready   whether the node is ready (for /health)
 * @param chain   the current stage chain
 * @param plugins the plugin host
 * @param store   the store
 * @param audit   the admin audit log
 * @param hasher  hashes API key secrets
 * @param clock   the time source (tests fix it)
 * @param keyUsage when keys were issued and last used
 * @param throttle counts failed password checks (login and password changes) per user and client IP
 * @param clientIp resolves the caller's IP (the socket peer unless it is a trusted proxy)
 * @param credentials provider credentials (sealed with the master key)
 * @param models   the model catalog
 * @param policies compiles and tries JavaScript policies (validation before upload)
 */
public record AdminContext(AdminAuth auth, Metrics metrics, BooleanSupplier ready, Supplier<Chain> chain,
                           PluginHost plugins, IgniteStore store, AuditLog audit, KeyHasher hasher, Clock clock,
                           KeyUsage keyUsage, LoginThrottle throttle,
                           dev.keyway.kernel.http.ClientIp clientIp, dev.keyway.kernel.ai.Credentials credentials,
                           dev.keyway.kernel.ai.ModelCatalog models,
                           dev.keyway.kernel.policy.PolicyRuntime policies) {

    /** Appends an audit entry for a change made by {@code actor}. */
    void audit(Principal actor, String action, String targetType, String targetId, String teamId, Object before,
               Object after) {
        audit.append(actor.userId(), actor.username(), action, targetType, targetId, teamId, before, after);
    }
}
