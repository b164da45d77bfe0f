package dev.keyway.kernel.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the embedded Ignite node of the store starts (config node {@code store}).
 *
 * <p>When {@code igniteXml} is set, that Spring XML file is the node's configuration and the fields below override
 * it only where they differ from {@link #defaults(Path)}: ports, persistence and region size. That lets tests and a
 * second node on one host move ports without editing the file, while an operator's file stays authoritative.
 *
 * @param dataDir            the node's data folder; Ignite works in {@code <dataDir>/ignite} unless the XML says
 *                           otherwise
 * @param igniteXml          an Ignite Spring XML file, or null to build the default configuration in code
 * @param consistentId       the node's stable name; persistence and the baseline are keyed by it, so it must not
 *                           change between restarts of a persistent node (the XML may set its own)
 * @param discoveryPort      first port of a range of 10 on 127.0.0.1 that nodes find each other in; when not the
 *                           default it also replaces the port range of every ip-finder address of the XML
 * @param communicationPort  first port nodes exchange data on
 * @param dataRegionMaxBytes off-heap size of the default data region (not part of the Java heap)
 * @param persistence        whether the default data region is kept on disk
 * @param callRecordTtl      how long call records are kept in {@code keyway-calls}
 */
public record StoreConfig(Path dataDir, Path igniteXml, String consistentId, int discoveryPort,
                          int communicationPort, long dataRegionMaxBytes, boolean persistence,
                          Duration callRecordTtl) {

    /** Ignite's own discovery default: nodes configured with defaults find each other. */
    public static final int DEFAULT_DISCOVERY_PORT = 47500;
    public static final int DEFAULT_COMMUNICATION_PORT = 47100;
    public static final long DEFAULT_DATA_REGION_MAX_BYTES = 256L * 1024 * 1024;
    public static final boolean DEFAULT_PERSISTENCE = true;
    public static final String DEFAULT_CONSISTENT_ID = "keyway-node-1";
    public static final Duration DEFAULT_CALL_RECORD_TTL = Duration.ofDays(7);

    /** Ignite refuses smaller data regions. */
    static final long MIN_DATA_REGION_BYTES = 10L * 1024 * 1024;

    public StoreConfig {
        Objects.requireNonNull(dataDir, "store.data-dir");
        Objects.requireNonNull(consistentId, "store.consistent-id");
        Objects.requireNonNull(callRecordTtl, "store.call-record-ttl");
        if (consistentId.isBlank()) {
            throw new IllegalArgumentException(
                    "store.consistent-id: '" + consistentId + "' (expected: a non-blank name)");
        }
        checkPort("store.discovery-port", discoveryPort);
        checkPort("store.communication-port", communicationPort);
        if (dataRegionMaxBytes < MIN_DATA_REGION_BYTES) {
            throw new IllegalArgumentException("store.data-region-max-bytes: " + dataRegionMaxBytes
                    + " (expected: >= " + MIN_DATA_REGION_BYTES + ")");
        }
        if (callRecordTtl.toMillis() < 1) {
            throw new IllegalArgumentException(
                    "store.call-record-ttl: " + callRecordTtl + " (expected: at least 1 ms)");
        }
    }

    /** A single persistent node on the default ports, keeping call records for 7 days. */
    public static StoreConfig defaults(Path dataDir) {
        return new StoreConfig(dataDir, null, DEFAULT_CONSISTENT_ID, DEFAULT_DISCOVERY_PORT,
                DEFAULT_COMMUNICATION_PORT, DEFAULT_DATA_REGION_MAX_BYTES, DEFAULT_PERSISTENCE,
                DEFAULT_CALL_RECORD_TTL);
    }

    private static void checkPort(String key, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(key + ": " + port + " (expected: 1..65535)");
        }
    }
}
