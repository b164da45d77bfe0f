package dev.keyway.spi;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A read-only view of HTTP headers. Names compare case-insensitively. */
public interface Headers {

    /** The first value of the header, if present. */
    Optional<String> first(String name);

    /** All values of the header in order; empty when absent. */
    List<String> all(String name);

    /** The header names present, lower case. */
    Set<String> names();
}
