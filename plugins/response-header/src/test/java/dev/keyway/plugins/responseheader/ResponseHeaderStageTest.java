package dev.keyway.plugins.responseheader;

import dev.keyway.spi.Decision;
import dev.keyway.spi.Directories;
import dev.keyway.spi.HeaderChanges;
import dev.keyway.spi.StageContext;
import dev.keyway.spi.fixture.InMemoryDirectories;
import dev.keyway.spi.fixture.TestExchange;
import dev.keyway.spi.fixture.TestStageContext;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResponseHeaderStageTest {

    @Test
    void setsConfiguredHeadersAndProceeds() {
        ResponseHeaderStage stage = started(Map.of("headers", "x-served-by=keyway, x-tier = gold"));
        TestExchange exchange = new TestExchange();

        Decision decision = stage.apply(exchange);

        assertThat(decision).isEqualTo(Decision.proceed());
        assertThat(exchange.responseHeaders().changes()).containsExactlyInAnyOrder(
                new HeaderChanges.Change("x-served-by", "keyway"), new HeaderChanges.Change("x-tier", "gold"));
        assertThat(exchange.upstreamHeaders().changes()).isEmpty();
    }

    @Test
    void refusesMissingConfig() {
        assertThatThrownBy(() -> started(Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("headers: missing");
    }

    @Test
    void refusesMalformedPairs() {
        assertThatThrownBy(() -> started(Map.of("headers", "novalue")))
                .hasMessageContaining("'novalue' (expected: name=value)");
        assertThatThrownBy(() -> started(Map.of("headers", "bad name=x")))
                .hasMessageContaining("expected: an HTTP header name");
    }

    private static ResponseHeaderStage started(Map<String, String> values) {
        ResponseHeaderStage stage = new ResponseHeaderStage();
        Directories directories = new InMemoryDirectories().directories();
        stage.start(new TestStageContext(values, directories));
        return stage;
    }
}
