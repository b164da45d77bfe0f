package dev.keyway.spi;

import java.util.Optional;

/**
 * Looks an entity up by id in local memory. Safe to call from a ring thread: it never blocks on the network.
 *
 * @param <T> the entity type
 */
@FunctionalInterface
public interface Directory<T> {

    /** The entity with this id, or empty when there is none (deleted, never existed, mistyped). */
    Optional<T> byId(String id);
}
