package dev.keyway.spi;

import java.util.List;
import java.util.Objects;

/**
 * An ordered list of header edits a stage asks for; the kernel applies them in order. Written on a ring thread,
 * read by the kernel after the chain has decided.
 */
public interface HeaderChanges {

    /** Sets {@code name} to {@code value}, replacing earlier values. */
    void set(String name, String value);

    /** Removes every value of {@code name}. */
    void remove(String name);

    /** The edits so far, in order. */
    List<Change> changes();

    /**
     * One edit.
     *
     * @param name  header name
     * @param value the new value, or null to remove the header
     */
    record Change(String name, String value) {
        public Change {
            Objects.requireNonNull(name, "name");
        }

        public boolean isRemoval() {
            return value == null;
        }
    }
}
