package dev.keyway.plugins.policy;

import dev.keyway.spi.Decision;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.Phase;
import dev.keyway.spi.PolicyEngine;
import dev.keyway.spi.Stage;
import dev.keyway.spi.StageContext;
import org.pf4j.Extension;

import java.util.TreeSet;

/**
 * Runs the JavaScript policies attached to the called service ({@link Phase#POLICY}, order 100): the kernel's
 * {@link PolicyEngine} evaluates them in a sandbox with a time limit; this stage puts them in the chain.
 *
 * <p>Fails closed: a kernel without a policy engine answers 503 {@code policy_engine_unavailable} rather than
 * letting requests skip policies. The plugin is required by default, so it can be neither missing at start nor
 * unloaded while the node runs. It has no settings (policies are data in the store, managed at
 * {@code /admin/policies}); any key set under {@code plugins.config.policy} is refused at start.
 */
@Extension
public final class PolicyStage implements Stage {
    static final String ENGINE_UNAVAILABLE = "policy_engine_unavailable";

    private PolicyEngine engine;

    @Override
    public String name() {
        return "policy";
    }

    @Override
    public Phase phase() {
        return Phase.POLICY;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public void start(StageContext context) {
        TreeSet<String> unknown = new TreeSet<>(context.config().asMap().keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("policy." + unknown.first()
                    + ": unknown setting (expected: none; policies are managed at /admin/policies)");
        }
        engine = context.policies().orElse(null);
    }

    @Override
    public Decision apply(Exchange exchange) {
        PolicyEngine e = engine;
        if (e == null) {
            return Decision.respond(503, ENGINE_UNAVAILABLE, "this gateway has no JavaScript policy engine, so "
                    + "policies cannot be enforced (expected: the kernel's policy runtime)");
        }
        return e.evaluate(exchange);
    }
}
