package dev.keyway.kernel.store;

import java.net.InetSocketAddress;
import java.net.MalformedURLException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

import org.apache.ignite.IgniteCheckedException;
import org.apache.ignite.IgniteLogger;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.internal.IgnitionEx;
import org.apache.ignite.logger.java.JavaLogger;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;

/**
 * Builds the node's {@link IgniteConfiguration}: the default in code (kept identical to
 * {@code ignite-config/keyway-ignite.xml}) or an operator's Spring XML, then the settings the kernel enforces.
 */
final class IgniteConfigs {

    static final String LOOPBACK = "127.0.0.1";
    static final int DISCOVERY_PORT_RANGE = 10;
    static final int WAL_SEGMENT_BYTES = 16 * 1024 * 1024;
    static final int WAL_SEGMENTS = 4;
    static final long MAX_WAL_ARCHIVE_BYTES = 64L * 1024 * 1024;
    static final long INITIAL_REGION_BYTES = 64L * 1024 * 1024;
    // Bounds the per-connection outbound queue; 0 (Ignite's default) is unbounded and warned about at start.
    static final int MESSAGE_QUEUE_LIMIT = 1024;

    private IgniteConfigs() {
    }

    /** The configuration {@code keyway-ignite.xml} describes, with the default ports and sizes. */
    static IgniteConfiguration programmatic() {
        var ipFinder = new TcpDiscoveryVmIpFinder();
        ipFinder.setAddresses(List.of(range(LOOPBACK, StoreConfig.DEFAULT_DISCOVERY_PORT, DISCOVERY_PORT_RANGE)));
        var discovery = new TcpDiscoverySpi();
        discovery.setLocalAddress(LOOPBACK);
        discovery.setLocalPort(StoreConfig.DEFAULT_DISCOVERY_PORT);
        discovery.setLocalPortRange(DISCOVERY_PORT_RANGE);
        discovery.setIpFinder(ipFinder);

        var communication = new TcpCommunicationSpi();
        communication.setLocalAddress(LOOPBACK);
        communication.setLocalPort(StoreConfig.DEFAULT_COMMUNICATION_PORT);
        communication.setMessageQueueLimit(MESSAGE_QUEUE_LIMIT);

        var region = new DataRegionConfiguration();
        region.setName("default");
        region.setPersistenceEnabled(StoreConfig.DEFAULT_PERSISTENCE);
        region.setInitialSize(INITIAL_REGION_BYTES);
        region.setMaxSize(StoreConfig.DEFAULT_DATA_REGION_MAX_BYTES);
        var storage = new DataStorageConfiguration();
        storage.setWalSegmentSize(WAL_SEGMENT_BYTES);
        storage.setWalSegments(WAL_SEGMENTS);
        storage.setMaxWalArchiveSize(MAX_WAL_ARCHIVE_BYTES);
        storage.setDefaultDataRegionConfiguration(region);

        return new IgniteConfiguration()
                .setLocalHost(LOOPBACK)
                .setDiscoverySpi(discovery)
                .setCommunicationSpi(communication)
                .setDataStorageConfiguration(storage)
                // The thin-client (10800) and REST (11211) connectors have no authentication here: off.
                .setClientConnectorConfiguration(null)
                .setConnectorConfiguration(null);
    }

    /** The first IgniteConfiguration bean of a Spring XML file. */
    static IgniteConfiguration fromXml(Path xml) {
        if (!Files.isRegularFile(xml)) {
            throw new IllegalArgumentException(
                    "store.ignite-xml: " + xml + " (expected: an existing Ignite Spring XML file)");
        }
        try {
            return IgnitionEx.loadConfiguration(xml.toUri().toURL()).get1();
        } catch (IgniteCheckedException | MalformedURLException e) {
            throw new IllegalArgumentException("store.ignite-xml: " + xml + ": " + e.getMessage(), e);
        }
    }

    /** Applies what the kernel enforces whatever the XML says; see {@link StoreConfig} for what overrides what. */
    static IgniteConfiguration enforce(IgniteConfiguration ic, StoreConfig cfg, String instanceName) {
        ic.setIgniteInstanceName(instanceName);
        ic.setClientMode(false);
        // No arguments: no environment variable or system property becomes a node attribute (pitfall 4).
        ic.setIncludeProperties();
        ic.setGridLogger(new CheckedJavaLogger(Logger.getLogger("")));
        ic.setMetricsLogFrequency(0);
        if (ic.getWorkDirectory() == null) {
            ic.setWorkDirectory(cfg.dataDir().resolve("ignite").toAbsolutePath().toString());
        }
        if (ic.getConsistentId() == null) {
            ic.setConsistentId(cfg.consistentId());
        }
        if (cfg.discoveryPort() != StoreConfig.DEFAULT_DISCOVERY_PORT
                && ic.getDiscoverySpi() instanceof TcpDiscoverySpi discovery) {
            movePorts(discovery, cfg.discoveryPort());
        }
        if (cfg.communicationPort() != StoreConfig.DEFAULT_COMMUNICATION_PORT
                && ic.getCommunicationSpi() instanceof TcpCommunicationSpi communication) {
            communication.setLocalPort(cfg.communicationPort());
        }
        DataStorageConfiguration storage = ic.getDataStorageConfiguration();
        if (storage == null) {
            storage = new DataStorageConfiguration();
            ic.setDataStorageConfiguration(storage);
        }
        DataRegionConfiguration region = storage.getDefaultDataRegionConfiguration();
        if (cfg.persistence() != StoreConfig.DEFAULT_PERSISTENCE) {
            region.setPersistenceEnabled(cfg.persistence());
        }
        if (cfg.dataRegionMaxBytes() != StoreConfig.DEFAULT_DATA_REGION_MAX_BYTES) {
            region.setMaxSize(cfg.dataRegionMaxBytes());
        }
        // Ignite refuses a region whose initial size exceeds its maximum.
        region.setInitialSize(Math.min(region.getInitialSize(), region.getMaxSize()));
        return ic;
    }

    /**
     * Moves discovery to a new first port: the local port, and the port of every ip-finder address, on every
     * host it lists (a cluster moves its discovery ports together). The ip finder must list the node's own
     * address: a node missing from it never becomes the first node and retries joining forever.
     */
    private static void movePorts(TcpDiscoverySpi discovery, int port) {
        int range = Math.max(1, discovery.getLocalPortRange());
        discovery.setLocalPort(port);
        if (!(discovery.getIpFinder() instanceof TcpDiscoveryVmIpFinder finder)) {
            return;
        }
        Set<String> addresses = new LinkedHashSet<>();
        for (InetSocketAddress a : finder.getRegisteredAddresses()) {
            addresses.add(range(a.getHostString(), port, range));
        }
        finder.setAddresses(new ArrayList<>(addresses));
    }

    private static String range(String host, int firstPort, int count) {
        return host + ":" + firstPort + ".." + (firstPort + count - 1);
    }

    /**
     * Ignite's JUL logger, minus its complaint "Logging at INFO level without checking if INFO level is
     * enabled", which it logs as a WARNING (with the message) whenever Ignite code skips that check while
     * {@code org.apache.ignite} is at WARNING, as the kernel configures it.
     */
    private static final class CheckedJavaLogger extends JavaLogger {
        // false: do not let Ignite reconfigure JUL; the kernel owns logging.
        CheckedJavaLogger(Logger impl) {
            super(impl, false);
        }

        @Override
        public IgniteLogger getLogger(Object category) {
            return new CheckedJavaLogger(category == null ? Logger.getLogger("")
                    : Logger.getLogger(category instanceof Class<?> c ? c.getName() : String.valueOf(category)));
        }

        @Override
        public void info(String msg) {
            if (isInfoEnabled()) {
                super.info(msg);
            }
        }

        @Override
        public void debug(String msg) {
            if (isDebugEnabled()) {
                super.debug(msg);
            }
        }

        @Override
        public void trace(String msg) {
            if (isTraceEnabled()) {
                super.trace(msg);
            }
        }
    }
}
