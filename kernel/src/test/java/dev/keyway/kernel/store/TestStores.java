package dev.keyway.kernel.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Store configurations on free loopback ports, polling, and log capture for the store tests. */
final class TestStores {

    private TestStores() {
    }

    /** A config on free ports: discovery gets a first port whose range of 10 is free. */
    static StoreConfig config(Path dataDir, String consistentId, int discoveryPort, boolean persistence,
                              Duration callRecordTtl) {
        return new StoreConfig(dataDir, null, consistentId, discoveryPort, freePort(), 64L * 1024 * 1024,
                persistence, callRecordTtl);
    }

    static StoreConfig config(Path dataDir, boolean persistence) {
        return config(dataDir, "keyway-test", freeDiscoveryRange(), persistence, Duration.ofDays(1));
    }

    static int freePort() {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A first port p such that p..p+9 are all free on 127.0.0.1 right now. */
    static int freeDiscoveryRange() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int first = freePort();
            if (first + IgniteConfigs.DISCOVERY_PORT_RANGE <= 65535 && allFree(first)) {
                return first;
            }
        }
        throw new IllegalStateException("no free range of " + IgniteConfigs.DISCOVERY_PORT_RANGE + " ports found");
    }

    private static boolean allFree(int first) {
        for (int port = first; port < first + IgniteConfigs.DISCOVERY_PORT_RANGE; port++) {
            try (var socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /** Polls {@code condition} every 20 ms for up to {@code timeout}; true when it held. */
    static boolean eventually(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
