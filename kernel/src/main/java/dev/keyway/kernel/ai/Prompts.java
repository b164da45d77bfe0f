package dev.keyway.kernel.ai;

import dev.keyway.spi.PromptTemplate;
import dev.keyway.spi.ai.InvalidRequestException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prompt templates: {@code {{name}}} placeholders, checked when a prompt API is defined and filled when it is
 * called. Filling is one pass over the template: a value is inserted as text and never read again, so a value
 * holding {@code {{other}}} stays literal, and since the rendered text travels as a JSON string value it cannot
 * break the request either.
 */
public final class Prompts {
    /** A variable name: what may stand between the braces. */
    public static final String NAME = "[A-Za-z_][A-Za-z0-9_]{0,63}";

    private Prompts() {
    }

    /**
     * The variable names a template uses, in order of appearance.
     *
     * @throws IllegalArgumentException naming the offset of a {@code {{} that is not a well-formed placeholder
     */
    public static List<String> placeholders(String template) {
        List<String> names = new ArrayList<>();
        int i = 0;
        while ((i = template.indexOf("{{", i)) >= 0) {
            int end = template.indexOf("}}", i + 2);
            String name = end < 0 ? null : template.substring(i + 2, end).strip();
            if (name == null || !name.matches(NAME)) {
                throw new IllegalArgumentException("'{{' at offset " + i + " does not open a {{variable}} "
                        + "(a name of letters, digits and _ , then '}}')");
            }
            names.add(name);
            i = end + 2;
        }
        return names;
    }

    /**
     * The caller's variables checked against the declarations, as text: unknown names, missing required ones and
     * wrong types are refused naming {@code variables.<name>}; defaults fill optional ones left out.
     */
    public static Map<String, String> values(PromptTemplate prompt, Map<String, Object> given) {
        Map<String, PromptTemplate.Variable> declared = new LinkedHashMap<>();
        prompt.variables().forEach(v -> declared.put(v.name(), v));
        for (String name : given.keySet()) {
            if (!declared.containsKey(name)) {
                throw new InvalidRequestException("variables." + name, "unknown variable '" + name + "' (expected "
                        + "one of " + declared.keySet() + ")");
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (PromptTemplate.Variable v : declared.values()) {
            Object value = given.get(v.name());
            if (value == null) {
                if (v.required()) {
                    throw new InvalidRequestException("variables." + v.name(), "variable '" + v.name()
                            + "' is required (" + v.type().name().toLowerCase(java.util.Locale.ROOT) + ")");
                }
                out.put(v.name(), v.dflt() == null ? "" : v.dflt());
                continue;
            }
            out.put(v.name(), text(v, value));
        }
        return out;
    }

    private static String text(PromptTemplate.Variable v, Object value) {
        boolean ok = switch (v.type()) {
            case STRING -> value instanceof String;
            case BOOLEAN -> value instanceof Boolean;
            case INTEGER -> value instanceof Long || (value instanceof BigDecimal d && d.stripTrailingZeros().scale() <= 0);
            case NUMBER -> value instanceof Number;
        };
        if (!ok) {
            throw new InvalidRequestException("variables." + v.name(), "variable '" + v.name() + "' must be "
                    + (v.type() == PromptTemplate.Type.INTEGER ? "an " : "a ")
                    + v.type().name().toLowerCase(java.util.Locale.ROOT));
        }
        return value instanceof BigDecimal d ? d.toPlainString() : value.toString();
    }

    /** The template with each placeholder replaced by its value, in one pass. */
    public static String render(String template, Map<String, String> values) {
        if (template == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(template.length() + 64);
        int i = 0;
        int open;
        while ((open = template.indexOf("{{", i)) >= 0) {
            int end = template.indexOf("}}", open + 2);
            out.append(template, i, open).append(values.getOrDefault(template.substring(open + 2, end).strip(), ""));
            i = end + 2;
        }
        return out.append(template, i, template.length()).toString();
    }
}
