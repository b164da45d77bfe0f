package dev.keyway.kernel;

import dev.keyway.kernel.config.KeywayConfig;

import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The launcher's entry point: read the config, start a node, stop it on SIGTERM/SIGINT. */
public final class Keyway {
    private static final Logger LOG = Logger.getLogger(Keyway.class.getName());

    private Keyway() {
    }

    public static void main(String[] args) throws InterruptedException {
        KeywayNode node;
        try {
            node = KeywayNode.start(KeywayConfig.load(), Keyway::announce);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "Keyway failed to start: " + e.getMessage(), e);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "keyway-shutdown"));
        stopped.await();
    }

    /** Printed once, to the console only: the token is never logged again and only its hash is stored. */
    private static void announce(String token) {
        System.out.println("""

                ==============================================================================
                 Keyway admin bootstrap token (shown once; valid until the first admin exists):
                   %s
                 Use it as: Authorization: Bearer <token> on the admin plane.
                ==============================================================================
                """.formatted(token));
    }
}
