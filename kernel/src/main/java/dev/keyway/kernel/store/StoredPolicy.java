package dev.keyway.kernel.store;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A JavaScript policy as stored: every uploaded version (the newest at the end), the one in force, and where it is
 * attached. A policy runs on a request when one of its attachments covers the request's service.
 *
 * @param id            the policy id
 * @param name          a unique, human name (errors and logs name the policy by it and its version)
 * @param teamId        the owning team, or null for a system policy (only system admins manage those)
 * @param description   free text, or null
 * @param attachments   where it applies; empty means detached (stored, not run)
 * @param failOpen      whether a policy that fails (throws, times out, returns garbage) lets the request through;
 *                      false (fail closed) by default
 * @param timeoutMs     the time limit of one evaluation in milliseconds, or null for the node's default
 * @param readsBody     whether the policy reads the request body (REST request bodies are buffered only then)
 * @param config        values the policy reads as {@code context.config} (e.g. a list of gold-tier apps)
 * @param priority      order among the policies on one request: lower runs first (ties by name)
 * @param activeVersion the version in force
 * @param versions      every version, oldest first
 */
public record StoredPolicy(String id, String name, String teamId, String description, List<Attachment> attachments,
                           boolean failOpen, Integer timeoutMs, boolean readsBody, Map<String, Object> config,
                           int priority, int activeVersion, List<Version> versions) {
    public StoredPolicy {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        attachments = attachments == null ? List.of() : List.copyOf(attachments);
        config = config == null ? Map.of() : config;
        versions = versions == null ? List.of() : List.copyOf(versions);
    }

    /** The version in force, or null when it is missing (never, for a policy written through the admin API). */
    public Version active() {
        for (Version v : versions) {
            if (v.version() == activeVersion) {
                return v;
            }
        }
        return null;
    }

    /** Where a policy applies. */
    public enum Scope {
        /** Every service. */
        GLOBAL,
        /** One service ({@code targetId} is its id). */
        SERVICE,
        /** Every service of one team ({@code targetId} is the team's id). */
        TEAM
    }

    /**
     * One attachment.
     *
     * @param scope    global, a service or a team's services
     * @param targetId the service or team id; null for global
     */
    public record Attachment(Scope scope, String targetId) {
        public Attachment {
            Objects.requireNonNull(scope, "scope");
        }
    }

    /**
     * One uploaded version.
     *
     * @param version   1, 2, ...
     * @param source    the JavaScript module
     * @param comment   what changed, or null
     * @param createdBy the user id that uploaded it
     * @param createdAt epoch milliseconds
     */
    public record Version(int version, String source, String comment, String createdBy, long createdAt) {
        public Version {
            Objects.requireNonNull(source, "source");
        }
    }
}
