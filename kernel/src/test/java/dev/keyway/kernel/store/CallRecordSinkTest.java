package dev.keyway.kernel.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallRecordSinkTest {

    @Test
    void storesBatchesRemembersTheLatestAndExpiresThemAfterTheTtl(@TempDir Path dir) throws InterruptedException {
        StoreConfig config = TestStores.config(dir, "calls", TestStores.freeDiscoveryRange(), false,
                Duration.ofSeconds(2));
        try (IgniteStore store = IgniteStore.start(config)) {
            List<CallRecordSink.CallRecordJson> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                batch.add(new CallRecordSink.CallRecordJson("r-" + i, "{\"n\":" + i + "}"));
            }
            store.calls().writeBatch(batch);
            store.calls().writeBatch(List.of());

            assertThat(store.calls().count()).isEqualTo(100);
            assertThat(store.calls().recent(3)).containsExactly("{\"n\":99}", "{\"n\":98}", "{\"n\":97}");
            assertThat(TestStores.eventually(Duration.ofSeconds(10), () -> store.calls().count() == 0)).isTrue();
        }
    }
}
