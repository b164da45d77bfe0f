package dev.keyway.kernel.ai;

import dev.keyway.kernel.store.StoredDeployment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The order in which a call tries a model's deployments: by priority (0 first), and within one priority a
 * weighted random order, so equal deployments share the load by weight. Deployments whose breaker is open go
 * last; the caller skips them unless the breaker lets a half-open probe through.
 */
final class DeploymentPicker {
    private final Supplier<List<StoredDeployment>> deployments;
    private final CircuitBreakers breakers;

    DeploymentPicker(Supplier<List<StoredDeployment>> deployments, CircuitBreakers breakers) {
        this.deployments = deployments;
        this.breakers = breakers;
    }

    /**
     * The deployments of {@code model} owned by {@code team} (the AI service's team; system-level deployments
     * serve every team), in the order to try them; empty when it has none. Another team's deployment of the same
     * name never receives this team's traffic.
     */
    List<StoredDeployment> order(String model, String team) {
        Map<Integer, List<StoredDeployment>> byPriority = new TreeMap<>();
        for (StoredDeployment d : deployments.get()) {
            if (d.model().equals(model) && (d.teamId() == null || d.teamId().equals(team))) {
                byPriority.computeIfAbsent(d.priority(), p -> new ArrayList<>()).add(d);
            }
        }
        List<StoredDeployment> ordered = new ArrayList<>();
        byPriority.values().forEach(group -> ordered.addAll(weighted(group)));
        // Stable: open breakers move to the end, keeping the order among the rest.
        ordered.sort(Comparator.comparing((StoredDeployment d) -> breakers.open(d.id())));
        return ordered;
    }

    /** A weighted random permutation: each pick chooses among the rest with probability weight / sum. */
    private static List<StoredDeployment> weighted(List<StoredDeployment> group) {
        List<StoredDeployment> rest = new ArrayList<>(group);
        List<StoredDeployment> out = new ArrayList<>(group.size());
        while (!rest.isEmpty()) {
            long total = rest.stream().mapToLong(d -> Math.max(1, d.weight())).sum();
            long r = ThreadLocalRandom.current().nextLong(total);
            for (int i = 0; i < rest.size(); i++) {
                r -= Math.max(1, rest.get(i).weight());
                if (r < 0) {
                    out.add(rest.remove(i));
                    break;
                }
            }
        }
        return out;
    }
}
