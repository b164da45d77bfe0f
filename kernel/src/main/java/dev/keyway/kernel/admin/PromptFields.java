package dev.keyway.kernel.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyway.kernel.ai.Prompts;
import dev.keyway.spi.PromptTemplate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Parses a prompt API version's {@code prompt}: model, templates and declared variables. Templates may use only
 * declared variables; defaults must fit their type. Failures are reported as {@code prompt.<field>}.
 */
final class PromptFields {
    private static final Set<String> FIELDS = Set.of("model", "system", "user", "variables", "temperature",
            "maxTokens");
    private static final Set<String> VARIABLE_FIELDS = Set.of("name", "type", "required", "default");

    private PromptFields() {
    }

    /** The prompt in the version body {@code f}, or null (with errors recorded in {@code f}). */
    static PromptTemplate parse(Fields f) {
        JsonNode node = f.node("prompt");
        if (!(node instanceof ObjectNode body)) {
            f.error("prompt", "required for a prompt API: {model, system, user, variables, temperature, maxTokens}");
            return null;
        }
        Fields p = new Fields(body, FIELDS);
        String model = p.text("model", true, ServiceFields.MODEL_NAME, "a model name or alias");
        String system = p.text("system", false, "(?s).{1,20000}", "a template of at most 20000 characters");
        String user = p.text("user", true, "(?s).{1,20000}", "a template of at most 20000 characters");
        List<PromptTemplate.Variable> variables = variables(p);
        Double temperature = null;
        JsonNode t = body.get("temperature");
        if (t != null && !t.isNull()) {
            if (!t.isNumber() || t.asDouble() < 0 || t.asDouble() > 2) {
                p.error("temperature", "expected a number in 0..2");
            } else {
                temperature = t.asDouble();
            }
        }
        Integer maxTokens = body.has("maxTokens") ? p.integer("maxTokens", 0, 1, 1_000_000) : null;
        Set<String> declared = new HashSet<>();
        variables.forEach(v -> declared.add(v.name()));
        for (String field : new String[]{"system", "user"}) {
            String template = field.equals("system") ? system : user;
            if (template == null) {
                continue;
            }
            try {
                for (String name : Prompts.placeholders(template)) {
                    if (!declared.contains(name)) {
                        p.error(field, "uses {{" + name + "}}, which is not declared in variables");
                    }
                }
            } catch (IllegalArgumentException e) {
                p.error(field, e.getMessage());
            }
        }
        f.merge("prompt", p);
        return model == null || user == null || !p.ok() ? null
                : new PromptTemplate(model, system, user, variables, temperature, maxTokens);
    }

    private static List<PromptTemplate.Variable> variables(Fields p) {
        List<PromptTemplate.Variable> out = new ArrayList<>();
        JsonNode list = p.node("variables");
        if (list == null || list.isNull()) {
            return out;
        }
        if (!list.isArray()) {
            p.error("variables", "expected an array of {name, type, required, default}");
            return out;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof ObjectNode o)) {
                p.error("variables[" + i + "]", "expected an object");
                continue;
            }
            Fields v = new Fields(o, VARIABLE_FIELDS);
            String name = v.text("name", true, Prompts.NAME, "a name of letters, digits and _");
            PromptTemplate.Type type = v.choice("type", PromptTemplate.Type.class, false);
            type = type == null ? PromptTemplate.Type.STRING : type;
            JsonNode req = o.get("required");
            if (req != null && !req.isBoolean()) {
                v.error("required", "expected true or false");
            }
            boolean required = req == null || req.asBoolean(true);
            String dflt = null;
            JsonNode d = o.get("default");
            if (d != null && !d.isNull()) {
                boolean fits = switch (type) {
                    case STRING -> d.isTextual();
                    case BOOLEAN -> d.isBoolean();
                    case INTEGER -> d.isIntegralNumber();
                    case NUMBER -> d.isNumber();
                };
                if (!fits) {
                    v.error("default", "expected a " + type.name().toLowerCase(Locale.ROOT));
                } else if (required) {
                    v.error("default", "a required variable has no default");
                }
                dflt = d.asText();
            }
            if (name != null && !names.add(name)) {
                v.error("name", "declared twice");
            }
            p.merge("variables[" + i + "]", v);
            if (name != null && v.ok()) {
                out.add(new PromptTemplate.Variable(name, type, required, dflt));
            }
        }
        return out;
    }
}
