package dev.keyway.spi;

/**
 * The phases of the pipeline, in the order they run. Within a phase stages run by {@link Stage#order()}.
 */
public enum Phase {
    /** Find the credential and check it: key exists, status, expiry, client IP. */
    AUTHENTICATE,
    /** Resolve who is calling: the key's user, team and app exist and are active. */
    IDENTIFY,
    /** Check the caller may use the target: subscription approval, key scopes, models. */
    AUTHORIZE,
    /** Rate limits, token quotas and budgets. */
    LIMIT,
    /** Custom policy (JavaScript) written by operators. */
    POLICY,
    /** Change the request or response: headers, model rewrites. Runs last, just before the upstream call. */
    TRANSFORM;

    /** The lower-case name used in config, logs and the admin API. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
