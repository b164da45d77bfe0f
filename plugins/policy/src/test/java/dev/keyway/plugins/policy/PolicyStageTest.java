package dev.keyway.plugins.policy;

import dev.keyway.spi.Decision;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Phase;
import dev.keyway.spi.PolicyEngine;
import dev.keyway.spi.StageConfig;
import dev.keyway.spi.StageContext;
import dev.keyway.spi.fixture.InMemoryDirectories;
import dev.keyway.spi.fixture.TestExchange;
import dev.keyway.spi.fixture.TestStageContext;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyStageTest {
    private final Directories directories = new InMemoryDirectories().directories();

    @Test
    void runsInThePolicyPhase() {
        PolicyStage stage = new PolicyStage();
        assertThat(stage.phase()).isEqualTo(Phase.POLICY);
        assertThat(stage.name()).isEqualTo("policy");
    }

    @Test
    void withoutAnEngineEveryRequestIsRefused() {
        PolicyStage stage = new PolicyStage();
        stage.start(new TestStageContext(Map.of(), directories));
        Decision d = stage.apply(new TestExchange());
        assertThat(d).isInstanceOfSatisfying(Decision.Respond.class, r -> {
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.code()).isEqualTo(PolicyStage.ENGINE_UNAVAILABLE);
        });
    }

    @Test
    void beforeStartEveryRequestIsRefused() {
        Decision d = new PolicyStage().apply(new TestExchange());
        assertThat(d).isInstanceOfSatisfying(Decision.Respond.class, r -> assertThat(r.status()).isEqualTo(503));
    }

    @Test
    void theEnginesVerdictIsTheStagesVerdict() {
        AtomicInteger calls = new AtomicInteger();
        PolicyEngine engine = exchange -> {
            calls.incrementAndGet();
            return exchange.path().startsWith("/deny") ? Decision.respond(403, "nope", "denied") : Decision.proceed();
        };
        PolicyStage stage = new PolicyStage();
        stage.start(context(engine));
        assertThat(stage.apply(new TestExchange().path("/ok"))).isEqualTo(Decision.proceed());
        assertThat(stage.apply(new TestExchange().path("/deny/x"))).isInstanceOfSatisfying(Decision.Respond.class,
                r -> assertThat(r.code()).isEqualTo("nope"));
        assertThat(calls).hasValue(2);
    }

    @Test
    void anySettingIsRefused() {
        assertThatThrownBy(() -> new PolicyStage().start(new TestStageContext(Map.of("timeout", "5"), directories)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("policy.timeout");
    }

    private StageContext context(PolicyEngine engine) {
        return new StageContext() {
            @Override
            public StageConfig config() {
                return StageConfig.of(Map.of());
            }

            @Override
            public Directories directories() {
                return directories;
            }

            @Override
            public Optional<PolicyEngine> policies() {
                return Optional.of(engine);
            }
        };
    }
}
