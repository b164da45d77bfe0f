package dev.keyway.kernel.pipeline;

import dev.keyway.spi.Decision;
import dev.keyway.spi.Exchange;

import java.util.concurrent.CompletableFuture;

/** A ring slot. Filled by a translator, read and cleared by the one consumer that owns its sequence. */
final class RequestEvent {
    Exchange exchange;
    Chain chain;
    CompletableFuture<Decision> result;
    boolean authenticationRequired;

    void clear() {
        exchange = null;
        chain = null;
        result = null;
        authenticationRequired = false;
    }
}
