package dev.keyway.kernel.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyway.spi.User;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads the fields of user requests from a JSON body. Each reader puts what is wrong into {@code errors}, keyed
 * by the field's name, and returns null then, so a request reports all its mistakes at once. Messages never
 * quote a password.
 */
public final class UserFields {
    private static final Pattern USERNAME = Pattern.compile("[a-z0-9._-]{3,64}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final int MAX_EMAIL = 254;
    private static final int MAX_DISPLAY_NAME = 128;

    private UserFields() {
    }

    /** Adds an error for every field of {@code body} not in {@code allowed}. */
    public static void rejectUnknown(ObjectNode body, Set<String> allowed, Map<String, String> errors) {
        body.fieldNames().forEachRemaining(f -> {
            if (!allowed.contains(f)) {
                errors.put(f, "unknown field (expected one of " + new TreeSet<>(allowed) + ")");
            }
        });
    }

    /** A required non-blank text field, as sent. */
    public static String requiredText(ObjectNode body, String field, Map<String, String> errors) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            errors.put(field, "required text");
            return null;
        }
        return n.asText();
    }

    /** The required username, lower-cased: 3-64 of a-z, 0-9, '.', '_', '-'. */
    public static String username(ObjectNode body, Map<String, String> errors) {
        String raw = requiredText(body, "username", errors);
        if (raw == null) {
            return null;
        }
        String username = raw.strip().toLowerCase(Locale.ROOT);
        if (!USERNAME.matcher(username).matches()) {
            errors.put("username", "expected 3-64 characters of a-z, 0-9, '.', '_' or '-'");
            return null;
        }
        return username;
    }

    /** An email address, or null when absent and not {@code required}. */
    public static String email(ObjectNode body, boolean required, Map<String, String> errors) {
        if (!required && !body.has("email")) {
            return null;
        }
        String email = requiredText(body, "email", errors);
        if (email != null && (email.strip().length() > MAX_EMAIL || !EMAIL.matcher(email.strip()).matches())) {
            errors.put("email", "expected an address like name@example.com (at most " + MAX_EMAIL + " characters)");
            return null;
        }
        return email == null ? null : email.strip();
    }

    /** The optional display name: up to 128 characters, no control characters. */
    public static String displayName(ObjectNode body, Map<String, String> errors) {
        if (!body.has("displayName")) {
            return null;
        }
        String name = requiredText(body, "displayName", errors);
        if (name != null && (name.strip().length() > MAX_DISPLAY_NAME || name.chars().anyMatch(Character::isISOControl))) {
            errors.put("displayName", "expected at most " + MAX_DISPLAY_NAME + " characters, no control characters");
            return null;
        }
        return name == null ? null : name.strip();
    }

    /** The required password, checked against {@code policy} for {@code username} (null: not known yet). */
    public static String password(ObjectNode body, String username, PasswordPolicy policy,
                                  Map<String, String> errors) {
        JsonNode n = body.get("password");
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            errors.put("password", "required text");
            return null;
        }
        var violations = policy.violations(n.asText(), username);
        if (!violations.isEmpty()) {
            errors.put("password", "password " + String.join("; ", violations));
            return null;
        }
        return n.asText();
    }

    /** The optional system role: admin or user. */
    public static User.Role role(ObjectNode body, Map<String, String> errors) {
        return oneOf(body, "role", User.Role.class, errors);
    }

    /** The optional status: active or disabled. */
    public static User.Status status(ObjectNode body, Map<String, String> errors) {
        return oneOf(body, "status", User.Status.class, errors);
    }

    private static <E extends Enum<E>> E oneOf(ObjectNode body, String field, Class<E> type,
                                               Map<String, String> errors) {
        if (!body.has(field)) {
            return null;
        }
        JsonNode n = body.get(field);
        for (E e : type.getEnumConstants()) {
            if (n.isTextual() && e.name().equalsIgnoreCase(n.asText())) {
                return e;
            }
        }
        TreeSet<String> names = new TreeSet<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        errors.put(field, "expected one of " + names);
        return null;
    }
}
