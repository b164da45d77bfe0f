package dev.keyway.spi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A service a team publishes, as the data plane sees it. What callers reach is one of its {@link ServiceVersion}s;
 * subscriptions and key scopes are per service, so one approval covers every version.
 *
 * @param id            service id
 * @param teamId        owning team, or null for a system-level service (system admins only)
 * @param name          unique display name
 * @param kind          what sits behind it
 * @param description   free text for the catalog, or null
 * @param tags          catalog tags (lower case), possibly empty
 * @param visibility    who finds it in the catalog and may subscribe
 * @param approval      whether subscriptions are approved at once or wait for the owning team
 * @param keyQueryParam the query parameter an API key may be sent in for this service (e.g. {@code key}, as
 *                      Google's APIs do), or null: keys in the query string are ignored (the default, since URLs
 *                      end up in logs and browser history)
 * @param versions      its versions, never empty; each has its own path prefix and lifecycle state
 */
public record Service(String id, String teamId, String name, Kind kind, String description, List<String> tags,
                      Visibility visibility, Approval approval, String keyQueryParam, List<ServiceVersion> versions) {

    public Service {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        kind = kind == null ? Kind.REST : kind;
        tags = tags == null ? List.of() : List.copyOf(tags);
        visibility = visibility == null ? Visibility.TEAM : visibility;
        approval = approval == null ? Approval.MANUAL : approval;
        versions = List.copyOf(Objects.requireNonNull(versions, "versions"));
        if (versions.isEmpty()) {
            throw new IllegalArgumentException("a service has at least one version");
        }
    }

    /** The version named {@code version}, if any. */
    public Optional<ServiceVersion> version(String version) {
        return versions.stream().filter(v -> v.version().equals(version)).findFirst();
    }

    /** What sits behind a service. */
    public enum Kind {
        /** An HTTP API, reached under its versions' path prefixes. */
        REST,
        /** Models on the unified {@code /v1} AI API, reached by model name; its versions list the models. */
        AI,
        /** A prompt API: a model and templates behind a REST path; callers post variables, get the answer. */
        PROMPT
    }

    /** Who finds a service in the catalog and may apply for it. */
    public enum Visibility {
        /** Only the owning team. */
        TEAM,
        /** Every team. */
        PUBLIC
    }

    /** How subscriptions are approved. */
    public enum Approval {
        /** Approved the moment an app applies. */
        AUTO,
        /** Pending until an owner or admin of the owning team approves. */
        MANUAL
    }
}
