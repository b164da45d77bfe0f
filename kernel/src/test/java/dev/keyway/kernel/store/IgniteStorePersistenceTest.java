package dev.keyway.kernel.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import dev.keyway.spi.Service;
import org.apache.ignite.cluster.ClusterState;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IgniteStorePersistenceTest {

    private static final Path SHIPPED_XML =
            Path.of(System.getProperty("keyway.root"), "ignite-config", "keyway-ignite.xml");

    private static final Service ORDERS =
            dev.keyway.spi.fixture.TestServices.rest("svc-orders", null, "orders");

    @Test
    void keepsEntitiesAndMetaAcrossRestartAndActivatesByItself(@TempDir Path dir) {
        StoreConfig config = TestStores.config(dir, true);
        try (IgniteStore store = IgniteStore.start(config)) {
            assertThat(store.activation()).isEqualTo(IgniteStore.Activation.ACTIVATED_NEW);
            store.entities(Caches.SERVICES, Service.class, Service::id).put(ORDERS);
            store.meta().put("schema-version", "1");
        }

        try (IgniteStore store = IgniteStore.start(config)) {
            assertThat(store.activation()).isNotEqualTo(IgniteStore.Activation.ACTIVATED_NEW);
            assertThat(store.ignite().cluster().state()).isEqualTo(ClusterState.ACTIVE);
            assertThat(store.entities(Caches.SERVICES, Service.class, Service::id).get("svc-orders"))
                    .contains(ORDERS);
            assertThat(store.meta().get("schema-version")).contains("1");
        }
    }

    @Test
    void servicesStoredBeforeVersionsExistedComeBackAsOnePublishedVersion(@TempDir Path dir) {
        StoreConfig config = TestStores.config(dir, true);
        String old = "{\"id\":\"svc-old\",\"teamId\":\"t-1\",\"name\":\"old\",\"pathPrefix\":\"/old\","
                + "\"upstreams\":[\"http://127.0.0.1:9\"],\"connectTimeoutMs\":1000,\"readTimeoutMs\":5000,"
                + "\"retries\":2,\"keyQueryParam\":\"key\"}";
        try (IgniteStore store = IgniteStore.start(config)) {
            store.ignite().<String, String>cache(Caches.SERVICES).put("svc-old", old);
        }
        try (IgniteStore store = IgniteStore.start(config)) {
            Service migrated = store.entities(Caches.SERVICES, Service.class, Service::id).get("svc-old").orElseThrow();
            assertThat(migrated.approval()).isEqualTo(Service.Approval.AUTO);
            assertThat(migrated.keyQueryParam()).isEqualTo("key");
            assertThat(migrated.versions()).containsExactly(new dev.keyway.spi.ServiceVersion("v1", "/old",
                    List.of("http://127.0.0.1:9"), 1000, 5000, 2, dev.keyway.spi.ServiceVersion.Lifecycle.PUBLISHED,
                    null, null, null));
        }
        assertThat(ServiceMigration.migrate(Json.write(ORDERS))).as("current shape: untouched").isNull();
    }

    @Test
    void startsFromTheShippedXmlOnTheConfiguredPortsWithoutLeakingProperties(@TempDir Path dir) {
        StoreConfig free = TestStores.config(dir, true);
        StoreConfig config = new StoreConfig(dir, SHIPPED_XML, free.consistentId(), free.discoveryPort(),
                free.communicationPort(), StoreConfig.DEFAULT_DATA_REGION_MAX_BYTES, true, free.callRecordTtl());
        System.setProperty("keyway.test.secret", "s3cr3t-value");
        try (IgniteStore store = IgniteStore.start(config)) {
            IgniteConfiguration ic = store.ignite().configuration();
            var discovery = (TcpDiscoverySpi) ic.getDiscoverySpi();
            assertThat(discovery.getLocalPort()).isEqualTo(config.discoveryPort());
            assertThat(((TcpDiscoveryVmIpFinder) discovery.getIpFinder()).getRegisteredAddresses())
                    .extracting(a -> a.getPort())
                    .containsExactlyElementsOf(IntStream.range(config.discoveryPort(), config.discoveryPort() + 10)
                            .boxed().toList());
            assertThat(((TcpCommunicationSpi) ic.getCommunicationSpi()).getLocalPort())
                    .isEqualTo(config.communicationPort());
            assertThat(Path.of(ic.getWorkDirectory())).isEqualTo(dir.resolve("ignite").toAbsolutePath());
            assertThat(store.ignite().cluster().localNode().consistentId()).isEqualTo(config.consistentId());
            assertThat(store.ignite().cluster().state()).isEqualTo(ClusterState.ACTIVE);

            var attributes = store.ignite().cluster().localNode().attributes();
            assertThat(attributes).doesNotContainKeys("keyway.test.secret", "PATH", "java.home");
            assertThat(attributes.values()).doesNotContain("s3cr3t-value");

            assertThat(store.meta().putIfAbsent("bootstrap", "a")).isTrue();
            assertThat(store.meta().putIfAbsent("bootstrap", "b")).isFalse();
            assertThat(store.meta().get("bootstrap")).contains("a");
        } finally {
            System.clearProperty("keyway.test.secret");
        }
    }

    @Test
    void shippedXmlDescribesTheProgrammaticDefault() {
        IgniteConfiguration xml = IgniteConfigs.fromXml(SHIPPED_XML);
        IgniteConfiguration code = IgniteConfigs.programmatic();

        assertThat(xml.getLocalHost()).isEqualTo(code.getLocalHost());
        var xmlDisco = (TcpDiscoverySpi) xml.getDiscoverySpi();
        var codeDisco = (TcpDiscoverySpi) code.getDiscoverySpi();
        assertThat(xmlDisco.getLocalAddress()).isEqualTo(codeDisco.getLocalAddress());
        assertThat(xmlDisco.getLocalPort()).isEqualTo(codeDisco.getLocalPort());
        assertThat(xmlDisco.getLocalPortRange()).isEqualTo(codeDisco.getLocalPortRange());
        assertThat(((TcpDiscoveryVmIpFinder) xmlDisco.getIpFinder()).getRegisteredAddresses())
                .containsExactlyElementsOf(((TcpDiscoveryVmIpFinder) codeDisco.getIpFinder()).getRegisteredAddresses());
        var xmlComm = (TcpCommunicationSpi) xml.getCommunicationSpi();
        var codeComm = (TcpCommunicationSpi) code.getCommunicationSpi();
        assertThat(xmlComm.getLocalAddress()).isEqualTo(codeComm.getLocalAddress());
        assertThat(xmlComm.getLocalPort()).isEqualTo(codeComm.getLocalPort());
        assertThat(xmlComm.getMessageQueueLimit()).isEqualTo(codeComm.getMessageQueueLimit());
        assertThat(xml.getClientConnectorConfiguration()).isNull();
        assertThat(xml.getConnectorConfiguration()).isNull();

        DataStorageConfiguration xmlStorage = xml.getDataStorageConfiguration();
        DataStorageConfiguration codeStorage = code.getDataStorageConfiguration();
        assertThat(xmlStorage.getWalSegmentSize()).isEqualTo(codeStorage.getWalSegmentSize());
        assertThat(xmlStorage.getWalSegments()).isEqualTo(codeStorage.getWalSegments());
        assertThat(xmlStorage.getMaxWalArchiveSize()).isEqualTo(codeStorage.getMaxWalArchiveSize());
        DataRegionConfiguration xmlRegion = xmlStorage.getDefaultDataRegionConfiguration();
        DataRegionConfiguration codeRegion = codeStorage.getDefaultDataRegionConfiguration();
        assertThat(xmlRegion.getName()).isEqualTo(codeRegion.getName());
        assertThat(xmlRegion.isPersistenceEnabled()).isEqualTo(codeRegion.isPersistenceEnabled());
        assertThat(xmlRegion.getInitialSize()).isEqualTo(codeRegion.getInitialSize());
        assertThat(xmlRegion.getMaxSize()).isEqualTo(codeRegion.getMaxSize());
    }
}
