package dev.keyway.kernel.pipeline;

import dev.keyway.spi.Decision;
import dev.keyway.spi.Phase;
import dev.keyway.spi.Stage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChainBuilderTest {

    @Test
    void ordersByPhaseThenOrder() {
        Chain chain = ChainBuilder.build(List.of(
                entry("p1", "transform-a", Phase.TRANSFORM, 1),
                entry("p2", "limit-b", Phase.LIMIT, 20),
                entry("p3", "auth", Phase.AUTHENTICATE, 500),
                entry("p4", "limit-a", Phase.LIMIT, 10),
                entry("p5", "identify", Phase.IDENTIFY, 0)));

        assertThat(chain.entries()).extracting(e -> e.stage().name())
                .containsExactly("auth", "identify", "limit-a", "limit-b", "transform-a");
    }

    @Test
    void duplicatePhaseAndOrderNamesBothStages() {
        assertThatThrownBy(() -> ChainBuilder.build(List.of(
                entry("key-auth", "key-auth", Phase.AUTHENTICATE, 10),
                entry("other-auth", "other-auth", Phase.AUTHENTICATE, 10))))
                .isInstanceOf(ChainBuilder.ChainConflictException.class)
                .hasMessageContaining("duplicate stage order (authenticate, 10)")
                .hasMessageContaining("'key-auth' (authenticate, 10) from plugin 'key-auth'")
                .hasMessageContaining("'other-auth' (authenticate, 10) from plugin 'other-auth'");
    }

    @Test
    void sameOrderInDifferentPhasesIsFine() {
        Chain chain = ChainBuilder.build(List.of(entry("a", "a", Phase.LIMIT, 10), entry("b", "b", Phase.POLICY, 10)));
        assertThat(chain.entries()).hasSize(2);
    }

    @Test
    void duplicateNamesAreRefused() {
        assertThatThrownBy(() -> ChainBuilder.build(List.of(
                entry("x", "same", Phase.LIMIT, 1), entry("y", "same", Phase.POLICY, 2))))
                .hasMessageContaining("duplicate stage name 'same'");
    }

    static Chain.Entry entry(String plugin, String name, Phase phase, int order) {
        return new Chain.Entry(plugin, RingTest.stage(name, phase, order, exchange -> Decision.proceed()));
    }
}
