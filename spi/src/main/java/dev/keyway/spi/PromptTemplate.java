package dev.keyway.spi;

import java.util.List;
import java.util.Objects;

/**
 * A prompt API's definition: a model and templates that turn a caller's variables into a chat request. Callers
 * {@code POST {"variables":{…}}} to the version's path and get the model's answer as JSON (or SSE).
 *
 * @param model       the model name or alias (served by the owning team's deployments)
 * @param system      the system message template, or null; {@code {{name}}} marks a variable
 * @param user        the user message template
 * @param variables   the declared variables; templates use no others
 * @param temperature sampling temperature, or null for the provider's default
 * @param maxTokens   the most output tokens, or null
 */
public record PromptTemplate(String model, String system, String user, List<Variable> variables, Double temperature,
                             Integer maxTokens) {

    public PromptTemplate {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(user, "user");
        variables = variables == null ? List.of() : List.copyOf(variables);
    }

    /**
     * A declared variable.
     *
     * @param name     the name used in templates
     * @param type     what values it takes
     * @param required whether a caller must give it
     * @param dflt     the value used when an optional variable is not given (text form), or null
     */
    public record Variable(String name, Type type, boolean required, String dflt) {
        public Variable {
            Objects.requireNonNull(name, "name");
            type = type == null ? Type.STRING : type;
        }
    }

    /** Variable types: values are checked against them before anything is rendered. */
    public enum Type { STRING, NUMBER, INTEGER, BOOLEAN }
}
