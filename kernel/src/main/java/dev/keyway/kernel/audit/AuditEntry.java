package dev.keyway.kernel.audit;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * One admin mutation: who did what to which object, with the object before and after (secrets redacted).
 *
 * @param id         time-ordered id
 * @param at         when
 * @param actorId    the acting user's id ("bootstrap" for the bootstrap token, "system" for the node itself)
 * @param actorName  the acting user's name
 * @param action     e.g. {@code user.create}, {@code key.rotate}
 * @param targetType e.g. {@code user}, {@code key}
 * @param targetId   the object's id
 * @param teamId     the team the object belongs to, or null for system-level objects
 * @param before     the object before, or null
 * @param after      the object after, or null
 */
public record AuditEntry(String id, Instant at, String actorId, String actorName, String action, String targetType,
                         String targetId, String teamId, JsonNode before, JsonNode after) {
}
