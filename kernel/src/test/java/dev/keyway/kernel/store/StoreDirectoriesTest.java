package dev.keyway.kernel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import dev.keyway.spi.ApiKey;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Service;
import dev.keyway.spi.Subscription;
import dev.keyway.spi.Team;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreDirectoriesTest {

    @TempDir
    static Path dir;

    private static IgniteStore store;
    private static KeyHasher hasher;
    private static Directories directories;

    @BeforeAll
    static void start() {
        store = IgniteStore.start(TestStores.config(dir.resolve("data"), false));
        hasher = KeyHasher.fromFile(dir.resolve("pepper.key"));
        directories = StoreDirectories.of(store, hasher);
    }

    @AfterAll
    static void stop() {
        if (store != null) {
            store.close();
        }
    }

    private static ApiKey key(String id, ApiKey.Status status) {
        return new ApiKey(id, "kw-AbC1", "wxyz", "u-1", "t-1", "app-1", status,
                Instant.parse("2030-01-01T00:00:00Z"), List.of("10.0.0.0/8"), List.of("svc-orders"), null);
    }

    private static EntityCache<StoredKey> keys() {
        return store.entities(Caches.KEYS, StoredKey.class, StoredKey::id);
    }

    @Test
    void findsAKeyByItsSecretAndNotByAWrongOne() {
        ApiKey key = key("k-1", ApiKey.Status.ACTIVE);
        try (var logs = new dev.keyway.kernel.testing.LogCapture()) {
            keys().put(StoredKey.of(key, hasher.hash("kw-secret")));

            assertThat(directories.keys().bySecret("kw-secret")).contains(key);
            assertThat(directories.keys().bySecret("kw-secreT")).isEmpty();
            assertThat(directories.keys().bySecret("")).isEmpty();
            assertThat(directories.keys().bySecret(null)).isEmpty();
            assertThat(directories.keys().byId("k-1")).contains(key);
            assertThat(logs.text()).doesNotContain("kw-secret").doesNotContain(hasher.hash("kw-secret"));
        }
    }

    @Test
    void aReplacedOrDeletedKeyNoLongerMatchesItsOldSecret() {
        keys().put(StoredKey.of(key("k-2", ApiKey.Status.ACTIVE), hasher.hash("kw-old")));
        assertThat(directories.keys().bySecret("kw-old")).isPresent();

        ApiKey rotated = key("k-2", ApiKey.Status.ACTIVE);
        keys().put(StoredKey.of(rotated, hasher.hash("kw-new")));
        assertThat(directories.keys().bySecret("kw-old")).isEmpty();
        assertThat(directories.keys().bySecret("kw-new")).contains(rotated);

        keys().remove("k-2");
        assertThat(directories.keys().bySecret("kw-new")).isEmpty();
        assertThat(directories.keys().byId("k-2")).isEmpty();
    }

    @Test
    void storedKeysKeepEveryFieldAndNeverPrintTheirHash() throws Exception {
        StoredKey stored = StoredKey.of(key("k-3", ApiKey.Status.REVOKED), hasher.hash("kw-3"));
        String json = Json.write(stored);

        assertThat(Json.read(json, StoredKey.class)).isEqualTo(stored);
        assertThat(json).contains("\"expiresAt\":\"2030-01-01T00:00:00Z\"");
        assertThat(stored.toString()).doesNotContain(stored.hash());
    }

    @Test
    void subscriptionLookupPrefersTheApprovedOneOfAnAppsSubscriptions() {
        var subscriptions = store.entities(Caches.SUBSCRIPTIONS, StoredSubscription.class, StoredSubscription::id);
        subscriptions.put(sub("s-1", Subscription.Status.CANCELLED));
        assertThat(directories.subscriptions().find("app-9", "svc-9")).map(Subscription::id).contains("s-1");

        subscriptions.put(sub("s-2", Subscription.Status.APPROVED));
        assertThat(directories.subscriptions().find("app-9", "svc-9")).map(Subscription::id).contains("s-2");

        subscriptions.put(sub("s-2", Subscription.Status.SUSPENDED));
        assertThat(directories.subscriptions().find("app-9", "svc-9")).map(Subscription::status)
                .contains(Subscription.Status.SUSPENDED);

        subscriptions.remove("s-2");
        assertThat(directories.subscriptions().find("app-9", "svc-9")).map(Subscription::id).contains("s-1");
        assertThat(directories.subscriptions().find("app-9", "svc-other")).isEmpty();
    }

    private static StoredSubscription sub(String id, Subscription.Status status) {
        return new StoredSubscription(id, "app-9", "t-9", "svc-9", "t-1", status, null, "u-1", Instant.EPOCH,
                Instant.EPOCH, List.of());
    }

    @Test
    void entityDirectoriesReadTheStore() {
        var team = new StoredTeam("t-7", "Seven", null, Team.Status.ACTIVE, List.of(), null, null);
        store.entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id).put(team);
        var service = dev.keyway.spi.fixture.TestServices.rest("svc-7", "t-7", "seven");
        store.entities(Caches.SERVICES, Service.class, Service::id).put(service);

        assertThat(directories.teams().byId("t-7")).contains(team.toTeam());
        assertThat(directories.services().byId("svc-7")).contains(service);
        assertThat(directories.users().byId("nobody")).isEmpty();
        assertThat(directories.apps().byId(null)).isEmpty();
    }

    @Test
    void pepperFileIsCreatedOnceOwnerOnlyAndReused(@TempDir Path tmp) throws Exception {
        Path pepper = tmp.resolve("secrets/pepper.key");
        KeyHasher first = KeyHasher.fromFile(pepper);
        String content = Files.readString(pepper);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pepper))).isEqualTo("rw-------");
        KeyHasher second = KeyHasher.fromFile(pepper);
        assertThat(Files.readString(pepper)).isEqualTo(content);
        assertThat(second.hash("kw-secret")).isEqualTo(first.hash("kw-secret"));
        assertThat(KeyHasher.fromFile(tmp.resolve("other.key")).hash("kw-secret")).isNotEqualTo(first.hash("kw-secret"));
        assertThat(first.hash("kw-secret")).matches("[A-Za-z0-9_-]{43}");
    }

    @Test
    void aTooShortPepperFailsWithoutQuotingIt(@TempDir Path tmp) throws Exception {
        Path pepper = tmp.resolve("pepper.key");
        Files.writeString(pepper, "c2hvcnQ=");

        assertThatThrownBy(() -> KeyHasher.fromFile(pepper))
                .hasMessageContaining("at least 32 bytes")
                .hasMessageNotContaining("c2hvcnQ");
    }

    @Test
    void localCountersCountWithinEpochAlignedWindowsAndDropEndedOnes() {
        AtomicLong now = new AtomicLong(120_000 + 59_000);
        var counters = new LocalCounters(now::get, Runnable::run);
        Duration minute = Duration.ofMinutes(1);

        assertThat(counters.add("rpm:k-1", 1, minute)).isEqualTo(1);
        assertThat(counters.add("rpm:k-1", 2, minute)).isEqualTo(3);
        assertThat(counters.add("rpm:k-2", 1, minute)).isEqualTo(1);
        assertThat(counters.add("rpm:k-1", 1, Duration.ofSeconds(1))).isEqualTo(1);

        now.addAndGet(1_000);
        assertThat(counters.add("rpm:k-1", 1, minute)).isEqualTo(1);
        assertThat(counters.add("rpm:k-1", -1, minute)).isZero();

        counters.evictEnded(now.get());
        assertThat(counters.size()).as("only k-1's current minute is left").isEqualTo(1);
        now.addAndGet(LocalCounters.SWEEP_EVERY_MS + 60_000);
        counters.add("rpm:k-3", 1, minute);
        assertThat(counters.size()).isEqualTo(1);
    }
}
