package dev.keyway.kernel.store;

import dev.keyway.spi.App;

import java.time.Instant;
import java.util.Objects;

/** An app (consumer) as {@code keyway-apps} stores it. It belongs to one team. */
public record StoredApp(String id, String teamId, String name, String description, App.Status status,
                        Instant createdAt, Instant updatedAt) {

    public StoredApp {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(teamId, "teamId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
    }

    /** The app as stages see it. */
    public App toApp() {
        return new App(id, teamId, name, status);
    }
}
