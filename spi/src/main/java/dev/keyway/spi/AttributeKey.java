package dev.keyway.spi;

import java.util.Objects;

/**
 * A typed key for per-request state on an {@link Exchange}. Keys compare by identity: declare each one once as a
 * constant (see {@link Attributes}) and share the constant.
 *
 * @param <T> the type of the value stored under this key
 */
public final class AttributeKey<T> {
    private final String name;
    private final Class<T> type;

    private AttributeKey(String name, Class<T> type) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
    }

    /** A new key. {@code name} is for logs and debugging only; two keys with one name are still different. */
    public static <T> AttributeKey<T> of(String name, Class<T> type) {
        return new AttributeKey<>(name, type);
    }

    public String name() {
        return name;
    }

    public Class<T> type() {
        return type;
    }

    @Override
    public String toString() {
        return "AttributeKey[" + name + ": " + type.getSimpleName() + "]";
    }
}
