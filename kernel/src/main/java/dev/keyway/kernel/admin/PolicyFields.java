package dev.keyway.kernel.admin;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyway.kernel.policy.PolicyRuntime;
import dev.keyway.kernel.store.StoredPolicy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads the fields of policy requests ({@link PolicyRoutes}) and renders policies as the API shows them. Sources
 * appear only where one version is asked for; lists and audit entries carry version numbers, not sources.
 */
final class PolicyFields {
    static final String NAME = "[a-z0-9][a-z0-9-]{0,62}";
    static final String NAME_EXPECTED = "1-63 lower-case letters, digits or '-', starting with a letter or digit";
    static final int MAX_SOURCE_BYTES = 64 * 1024;
    static final int MAX_CONFIG_BYTES = 64 * 1024;
    static final int MIN_PRIORITY = 0;
    static final int MAX_PRIORITY = 10_000;
    static final int DEFAULT_PRIORITY = 100;
    static final Set<String> ATTACHMENT_FIELDS = Set.of("scope", "targetId");

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private PolicyFields() {
    }

    /** The module's text, at most 64 KiB in UTF-8; null (and an error when required) when absent. */
    static String source(Fields f, boolean required) {
        JsonNode n = f.node("source");
        if (n == null || n.isNull()) {
            if (required) {
                f.error("source", "required: the policy's JavaScript module as a string");
            }
            return null;
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            f.error("source", "expected the policy's JavaScript module as a non-empty string");
            return null;
        }
        int bytes = n.asText().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOURCE_BYTES) {
            f.error("source", bytes + " bytes (expected: at most " + MAX_SOURCE_BYTES + " bytes of UTF-8)");
            return null;
        }
        return n.asText();
    }

    /**
     * Compiles {@code source} as policy {@code name}: 400 naming {@code source} with the line and column of the
     * first error when it does not compile or exports no default function.
     */
    static void compile(PolicyRuntime runtime, String name, String source) {
        PolicyRuntime.ScriptError error;
        try {
            error = runtime.check(name, source);
        } catch (IllegalStateException e) {
            throw AdminErrors.of(503, "policy_trials_busy", e.getMessage());
        }
        if (error != null) {
            throw AdminErrors.invalid(Map.of("source", describe(error)));
        }
    }

    static String describe(PolicyRuntime.ScriptError e) {
        String where = e.line() == null ? "" : "line " + e.line() + (e.column() == null ? "" : ", column "
                + e.column()) + ": ";
        return where + e.message();
    }

    /** An optional JSON object read by the policy as {@code context.config}; null when absent. */
    static Map<String, Object> config(Fields f) {
        JsonNode n = f.node("config");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            f.error("config", "expected a JSON object (the policy reads it as context.config)");
            return null;
        }
        int bytes = n.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_CONFIG_BYTES) {
            f.error("config", bytes + " bytes (expected: at most " + MAX_CONFIG_BYTES + " bytes as JSON)");
            return null;
        }
        return Json.MAPPER.convertValue(n, MAP);
    }

    /** An optional boolean; null when absent. */
    static Boolean bool(Fields f, String field) {
        JsonNode n = f.node(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isBoolean()) {
            f.error(field, "expected true or false");
            return null;
        }
        return n.asBoolean();
    }

    /** An optional time limit in 1..{@code max} milliseconds; null when absent (the node's default). */
    static Integer timeoutMs(Fields f, long max) {
        if (!f.has("timeoutMs")) {
            return null;
        }
        int bounded = (int) Math.min(max, Integer.MAX_VALUE);
        int ms = f.integer("timeoutMs", -1, 1, bounded);
        return ms < 0 ? null : ms;
    }

    /** An optional text of at most {@code max} characters; null when absent. */
    static String freeText(Fields f, String field, int max) {
        return f.text(field, false, "(?s).{0," + max + "}", "a string of at most " + max + " characters");
    }

    /** The {@code attachments} array's entries, in order, without duplicates; empty when absent or invalid. */
    static List<StoredPolicy.Attachment> attachments(Fields f) {
        JsonNode n = f.node("attachments");
        List<StoredPolicy.Attachment> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            f.error("attachments", "expected an array of {scope: global|service|team, targetId}");
            return out;
        }
        Set<StoredPolicy.Attachment> seen = new LinkedHashSet<>();
        for (int i = 0; i < n.size(); i++) {
            String prefix = "attachments[" + i + "]";
            if (!(n.get(i) instanceof ObjectNode entry)) {
                f.error(prefix, "expected an object {scope: global|service|team, targetId}");
                continue;
            }
            Fields nested = new Fields(entry, ATTACHMENT_FIELDS);
            StoredPolicy.Attachment a = attachment(nested);
            f.merge(prefix, nested);
            if (a != null && !seen.add(a)) {
                f.error(prefix, "listed twice");
            }
        }
        out.addAll(seen);
        return out;
    }

    /**
     * One attachment's shape from {@code scope} and {@code targetId} (whether the target exists and may be used
     * is the route's check). A team attachment without a target is completed by the route with the policy's team.
     */
    static StoredPolicy.Attachment attachment(Fields f) {
        StoredPolicy.Scope scope = f.choice("scope", StoredPolicy.Scope.class, true);
        String targetId = f.text("targetId", false, "[A-Za-z0-9._-]{1,128}", "a service or team id");
        if (scope == StoredPolicy.Scope.GLOBAL && targetId != null) {
            f.error("targetId", "a global attachment has no target");
            return null;
        }
        if (scope == StoredPolicy.Scope.SERVICE && targetId == null && !f.has("targetId")) {
            f.error("targetId", "required: the id of the service the policy runs for");
            return null;
        }
        return scope == null || !f.ok() ? null : new StoredPolicy.Attachment(scope, targetId);
    }

    /** The samples {@code validate} runs, at most {@code max}; each a JSON object. */
    static List<Map<String, Object>> samples(Fields f, int max) {
        JsonNode n = f.node("samples");
        List<Map<String, Object>> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            f.error("samples", "expected an array of sample requests");
            return out;
        }
        if (n.size() > max) {
            f.error("samples", n.size() + " samples (expected: at most " + max + ")");
            return out;
        }
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isObject()) {
                f.error("samples[" + i + "]", "expected an object {method, path, query, headers, clientIp, body, "
                        + "context}");
                continue;
            }
            out.add(Json.MAPPER.convertValue(n.get(i), MAP));
        }
        return out;
    }

    /** A policy as lists show it: its settings and version numbers, no source. */
    static Map<String, Object> summary(StoredPolicy p) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", p.id());
        v.put("name", p.name());
        v.put("teamId", p.teamId());
        v.put("description", p.description());
        v.put("attachments", p.attachments().stream().map(PolicyFields::attachmentView).toList());
        v.put("failOpen", p.failOpen());
        v.put("timeoutMs", p.timeoutMs());
        v.put("readsBody", p.readsBody());
        v.put("config", p.config());
        v.put("priority", p.priority());
        v.put("activeVersion", p.activeVersion());
        v.put("latestVersion", p.versions().isEmpty() ? 0 : p.versions().getLast().version());
        return v;
    }

    /** A policy with the source of the version in force and every version's metadata. */
    static Map<String, Object> detail(StoredPolicy p) {
        Map<String, Object> v = summary(p);
        StoredPolicy.Version active = p.active();
        v.put("source", active == null ? null : active.source());
        v.put("versions", p.versions().stream().map(x -> version(x, false)).toList());
        return v;
    }

    /** A policy as audit entries record it: the summary and the version numbers kept. */
    static Map<String, Object> audit(StoredPolicy p) {
        if (p == null) {
            return null;
        }
        Map<String, Object> v = summary(p);
        v.put("versions", p.versions().stream().map(StoredPolicy.Version::version).toList());
        return v;
    }

    static Map<String, Object> version(StoredPolicy.Version x, boolean withSource) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("version", x.version());
        v.put("comment", x.comment());
        v.put("createdBy", x.createdBy());
        v.put("createdAt", Instant.ofEpochMilli(x.createdAt()));
        if (withSource) {
            v.put("source", x.source());
        }
        return v;
    }

    static Map<String, Object> attachmentView(StoredPolicy.Attachment a) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("scope", a.scope().name().toLowerCase(Locale.ROOT));
        v.put("targetId", a.targetId());
        return v;
    }
}
