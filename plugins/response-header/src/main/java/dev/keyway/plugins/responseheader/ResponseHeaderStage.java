package dev.keyway.plugins.responseheader;

import dev.keyway.spi.Decision;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.Phase;
import dev.keyway.spi.Stage;
import dev.keyway.spi.StageContext;
import org.pf4j.Extension;

/**
 * Example stage: sets the configured headers on every response, including the gateway's own error responses.
 * Runs last ({@link Phase#TRANSFORM}, order 900), so it only sees requests every earlier stage let through; a
 * denial by an earlier stage ends the chain before it runs.
 */
@Extension
public final class ResponseHeaderStage implements Stage {
    private ResponseHeaderConfig config;

    @Override
    public String name() {
        return "response-header";
    }

    @Override
    public Phase phase() {
        return Phase.TRANSFORM;
    }

    @Override
    public int order() {
        return 900;
    }

    @Override
    public void start(StageContext context) {
        config = ResponseHeaderConfig.from(context.config());
    }

    @Override
    public Decision apply(Exchange exchange) {
        config.headers().forEach(exchange.responseHeaders()::set);
        return Decision.proceed();
    }
}
