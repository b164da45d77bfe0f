package dev.keyway.kernel.http;

import dev.keyway.spi.HeaderChanges;

import java.util.ArrayList;
import java.util.List;

/** Header edits in a list; the list is allocated only when a stage asks for an edit. */
final class ListHeaderChanges implements HeaderChanges {
    private List<Change> changes;

    @Override
    public void set(String name, String value) {
        add(new Change(name, value == null ? "" : value));
    }

    @Override
    public void remove(String name) {
        add(new Change(name, null));
    }

    private void add(Change change) {
        if (changes == null) {
            changes = new ArrayList<>(4);
        }
        changes.add(change);
    }

    @Override
    public List<Change> changes() {
        return changes == null ? List.of() : changes;
    }
}
