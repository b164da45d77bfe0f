package dev.keyway.kernel.admin;

import dev.keyway.kernel.policy.PolicyRuntime;
import dev.keyway.kernel.store.Caches;
import dev.keyway.kernel.store.EntityCache;
import dev.keyway.kernel.store.StoredPolicy;
import dev.keyway.kernel.store.StoredTeam;
import dev.keyway.spi.Service;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JavaScript policies ({@code /admin/policies}): create, read, change settings, upload versions, roll back,
 * attach, detach, delete, and try a script against sample requests ({@code POST /admin/policies/validate}).
 *
 * <p>A policy with a team belongs to it: the team's members read it, its owners and admins change it, and it
 * attaches only to that team ({@code scope: team}) or to the team's services ({@code scope: service}). A policy
 * without a team is a system policy: only system admins see and change it, and only it may attach globally.
 * Other teams' policies answer 404, like missing ones.
 *
 * <p>Every source is compiled before it is stored (400 naming {@code source} with line and column when it does
 * not compile). Every write is compare-and-set (a concurrent change answers 409) and returns once every node's
 * snapshot has it, so the next request anywhere runs what was answered; each is audit-logged with version
 * numbers, not sources. Attaching what is already attached and detaching what is not are no-ops answering 200
 * with the policy (no write, no audit entry), so scripts may repeat them. A policy keeps its newest
 * {@value #MAX_VERSIONS} versions: uploading one more drops the oldest that is not in force.
 */
final class PolicyRoutes {
    static final int MAX_VERSIONS = 50;
    static final int MAX_SAMPLES = 20;
    private static final Set<String> CREATE_FIELDS = Set.of("name", "teamId", "description", "source", "comment",
            "attachments", "failOpen", "timeoutMs", "readsBody", "config", "priority");
    private static final Set<String> UPDATE_FIELDS = Set.of("name", "description", "attachments", "failOpen",
            "timeoutMs", "readsBody", "config", "priority");
    private static final Set<String> VERSION_FIELDS = Set.of("source", "comment");
    private static final Set<String> VALIDATE_FIELDS = Set.of("source", "config", "readsBody", "timeoutMs",
            "samples");

    private final AdminContext context;
    private final EntityCache<StoredPolicy> policies;
    private final EntityCache<Service> services;
    private final EntityCache<StoredTeam> teams;

    PolicyRoutes(AdminContext context) {
        this.context = context;
        this.policies = context.store().entities(Caches.POLICIES, StoredPolicy.class, StoredPolicy::id);
        this.services = context.store().entities(Caches.SERVICES, Service.class, Service::id);
        this.teams = context.store().entities(Caches.TEAMS, StoredTeam.class, StoredTeam::id);
    }

    void register(HttpRules rules, AdminPlane.Guard guard) {
        rules.post("/admin/policies/validate", guard.wrap(this::validate))
                .post("/admin/policies", guard.wrap(this::create))
                .get("/admin/policies", guard.wrap((req, res, who) -> Json.send(res, 200, Map.of("data",
                        policies.all().stream().filter(p -> who.canSee(p.teamId()))
                                .sorted(Comparator.comparing(StoredPolicy::name))
                                .map(PolicyFields::summary).toList()))))
                .get("/admin/policies/{id}", guard.wrap((req, res, who) -> Json.send(res, 200,
                        PolicyFields.detail(find(req, who)))))
                .get("/admin/policies/{id}/versions/{n}", guard.wrap(this::version))
                .put("/admin/policies/{id}", guard.wrap(this::update))
                .post("/admin/policies/{id}/versions", guard.wrap(this::addVersion))
                .post("/admin/policies/{id}/rollback", guard.wrap(this::rollback))
                .post("/admin/policies/{id}/attach", guard.wrap((req, res, who) -> attach(req, res, who, true)))
                .post("/admin/policies/{id}/detach", guard.wrap((req, res, who) -> attach(req, res, who, false)))
                .delete("/admin/policies/{id}", guard.wrap(this::delete));
    }

    private void create(ServerRequest req, ServerResponse res, Principal who) {
        Fields f = new Fields(Json.body(req), CREATE_FIELDS);
        String name = f.text("name", true, PolicyFields.NAME, PolicyFields.NAME_EXPECTED);
        String teamId = f.text("teamId", false, "[A-Za-z0-9._-]{1,128}", "a team id");
        String description = PolicyFields.freeText(f, "description", 500);
        String source = PolicyFields.source(f, true);
        String comment = PolicyFields.freeText(f, "comment", 500);
        List<StoredPolicy.Attachment> attachments = PolicyFields.attachments(f);
        Boolean failOpen = PolicyFields.bool(f, "failOpen");
        Integer timeoutMs = PolicyFields.timeoutMs(f, context.policies().maxTimeoutMs());
        Boolean readsBody = PolicyFields.bool(f, "readsBody");
        Map<String, Object> config = PolicyFields.config(f);
        int priority = f.integer("priority", PolicyFields.DEFAULT_PRIORITY, PolicyFields.MIN_PRIORITY,
                PolicyFields.MAX_PRIORITY);
        f.check();
        requireOwner(who, teamId);
        attachments = resolve(who, teamId, attachments, List.of(), "attachments");
        PolicyFields.compile(context.policies(), name, source);
        StoredPolicy.Version v1 = new StoredPolicy.Version(1, source, comment, who.userId(), now());
        StoredPolicy after = new StoredPolicy(Ids.next("pol"), name, teamId, description, attachments,
                Boolean.TRUE.equals(failOpen), timeoutMs, Boolean.TRUE.equals(readsBody), config, priority, 1,
                List.of(v1));
        synchronized (policies) {
            checkUnique(after);
            policies.put(after);
        }
        policies.awaitEverywhere(after.id());
        context.audit(who, "policy.create", "policy", after.id(), teamId, null, PolicyFields.audit(after));
        Json.send(res, 201, PolicyFields.detail(after));
    }

    /** Settings only: fields left out keep their value; {@code null} clears a description or time limit. */
    private void update(ServerRequest req, ServerResponse res, Principal who) {
        StoredPolicy before = find(req, who);
        requireManage(who, before);
        Fields f = new Fields(Json.body(req), UPDATE_FIELDS);
        String name = f.text("name", false, PolicyFields.NAME, PolicyFields.NAME_EXPECTED);
        String description = PolicyFields.freeText(f, "description", 500);
        List<StoredPolicy.Attachment> attachments = PolicyFields.attachments(f);
        Boolean failOpen = PolicyFields.bool(f, "failOpen");
        Integer timeoutMs = PolicyFields.timeoutMs(f, context.policies().maxTimeoutMs());
        Boolean readsBody = PolicyFields.bool(f, "readsBody");
        Map<String, Object> config = PolicyFields.config(f);
        int priority = f.integer("priority", before.priority(), PolicyFields.MIN_PRIORITY, PolicyFields.MAX_PRIORITY);
        f.check();
        if (f.node("attachments") != null) {
            attachments = resolve(who, before.teamId(), attachments, before.attachments(), "attachments");
        } else {
            attachments = before.attachments();
        }
        StoredPolicy after = new StoredPolicy(before.id(), name == null ? before.name() : name, before.teamId(),
                f.node("description") != null ? description : before.description(), attachments,
                failOpen == null ? before.failOpen() : failOpen,
                f.node("timeoutMs") != null ? timeoutMs : before.timeoutMs(),
                readsBody == null ? before.readsBody() : readsBody,
                f.node("config") != null ? config : before.config(), priority, before.activeVersion(),
                before.versions());
        save(before, after, who, "policy.update");
        Json.send(res, 200, PolicyFields.detail(after));
    }

    private void addVersion(ServerRequest req, ServerResponse res, Principal who) {
        StoredPolicy before = find(req, who);
        requireManage(who, before);
        Fields f = new Fields(Json.body(req), VERSION_FIELDS);
        String source = PolicyFields.source(f, true);
        String comment = PolicyFields.freeText(f, "comment", 500);
        f.check();
        PolicyFields.compile(context.policies(), before.name(), source);
        int next = before.versions().stream().mapToInt(StoredPolicy.Version::version).max().orElse(0) + 1;
        List<StoredPolicy.Version> versions = new ArrayList<>(before.versions());
        versions.add(new StoredPolicy.Version(next, source, comment, who.userId(), now()));
        while (versions.size() > MAX_VERSIONS) {
            // The new version is in force now, so the oldest is never the active one.
            versions.removeFirst();
        }
        StoredPolicy after = withVersions(before, next, versions);
        save(before, after, who, "policy.version");
        Json.send(res, 201, PolicyFields.detail(after));
    }

    private void rollback(ServerRequest req, ServerResponse res, Principal who) {
        StoredPolicy before = find(req, who);
        requireManage(who, before);
        Fields f = new Fields(Json.body(req), Set.of("version"));
        if (!f.has("version")) {
            f.error("version", "required: the version to put in force");
        }
        int version = f.integer("version", 0, 1, Integer.MAX_VALUE);
        f.check();
        if (before.versions().stream().noneMatch(v -> v.version() == version)) {
            throw AdminErrors.invalid(Map.of("version", "policy '" + before.name() + "' has no version " + version
                    + " (it keeps " + before.versions().stream().map(StoredPolicy.Version::version).toList() + ")"));
        }
        if (version == before.activeVersion()) {
            Json.send(res, 200, PolicyFields.detail(before));
            return;
        }
        StoredPolicy after = withVersions(before, version, before.versions());
        save(before, after, who, "policy.rollback");
        Json.send(res, 200, PolicyFields.detail(after));
    }

    private void attach(ServerRequest req, ServerResponse res, Principal who, boolean attach) {
        StoredPolicy before = find(req, who);
        requireManage(who, before);
        Fields f = new Fields(Json.body(req), PolicyFields.ATTACHMENT_FIELDS);
        StoredPolicy.Attachment wanted = PolicyFields.attachment(f);
        f.check();
        List<StoredPolicy.Attachment> attachments = new ArrayList<>(before.attachments());
        boolean changed;
        if (attach) {
            StoredPolicy.Attachment a = resolve(who, before.teamId(), List.of(wanted), List.of(), null).getFirst();
            changed = !attachments.contains(a) && attachments.add(a);
        } else {
            changed = attachments.remove(normalise(before.teamId(), List.of(wanted)).getFirst());
        }
        if (!changed) {
            Json.send(res, 200, PolicyFields.detail(before));
            return;
        }
        StoredPolicy after = new StoredPolicy(before.id(), before.name(), before.teamId(), before.description(),
                attachments, before.failOpen(), before.timeoutMs(), before.readsBody(), before.config(),
                before.priority(), before.activeVersion(), before.versions());
        save(before, after, who, attach ? "policy.attach" : "policy.detach");
        Json.send(res, 200, PolicyFields.detail(after));
    }

    private void delete(ServerRequest req, ServerResponse res, Principal who) {
        StoredPolicy before = find(req, who);
        requireManage(who, before);
        policies.remove(before.id());
        policies.awaitEverywhere(before.id());
        context.audit(who, "policy.delete", "policy", before.id(), before.teamId(), PolicyFields.audit(before), null);
        res.status(204).send();
    }

    private void version(ServerRequest req, ServerResponse res, Principal who) {
        StoredPolicy p = find(req, who);
        String n = req.path().pathParameters().get("n");
        StoredPolicy.Version v = p.versions().stream().filter(x -> String.valueOf(x.version()).equals(n))
                .findFirst().orElseThrow(() -> AdminErrors.notFound("version", p.name() + "/" + n));
        Json.send(res, 200, PolicyFields.version(v, true));
    }

    /**
     * Compiles a script and runs it against the samples, storing nothing. {@code valid} says whether the module
     * compiled and exports a default function; each sample's decision (or error) is in {@code results}.
     */
    private void validate(ServerRequest req, ServerResponse res, Principal who) {
        // Trials cost CPU on a shared thread: only those who may write policies (system admins, team owners and
        // admins) run them.
        if (!who.systemAdmin() && who.teams().keySet().stream().noneMatch(who::canManage)) {
            throw AdminErrors.of(403, "forbidden", "trying policies needs a system admin or a team owner or admin");
        }
        Fields f = new Fields(Json.body(req), VALIDATE_FIELDS);
        String source = PolicyFields.source(f, true);
        Map<String, Object> config = PolicyFields.config(f);
        Boolean readsBody = PolicyFields.bool(f, "readsBody");
        Integer timeoutMs = PolicyFields.timeoutMs(f, context.policies().maxTimeoutMs());
        List<Map<String, Object>> samples = PolicyFields.samples(f, MAX_SAMPLES);
        f.check();
        PolicyRuntime.Validation v;
        try {
            v = context.policies().validate("validate", source, config == null ? Map.of() : config,
                    Boolean.TRUE.equals(readsBody), timeoutMs == null ? null : timeoutMs.longValue(), samples);
        } catch (IllegalStateException e) {
            throw AdminErrors.of(503, "policy_trials_busy", e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("valid", v.error() == null);
        if (v.error() != null) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("message", v.error().message());
            error.put("line", v.error().line());
            error.put("column", v.error().column());
            out.put("error", error);
        }
        out.put("results", v.results() == null ? List.of() : v.results());
        Json.send(res, 200, out);
    }

    /** Stores a change made from {@code before}: a concurrent change in between answers 409. */
    private void save(StoredPolicy before, StoredPolicy after, Principal who, String action) {
        synchronized (policies) {
            checkUnique(after);
            policies.update(before, after);
        }
        policies.awaitEverywhere(after.id());
        context.audit(who, action, "policy", after.id(), after.teamId(), PolicyFields.audit(before),
                PolicyFields.audit(after));
    }

    private void checkUnique(StoredPolicy candidate) {
        for (StoredPolicy p : policies.all()) {
            if (!p.id().equals(candidate.id()) && p.name().equals(candidate.name())) {
                throw AdminErrors.of(409, "conflict", "the policy name '" + candidate.name() + "' is taken");
            }
        }
    }

    /**
     * Checks that a policy of {@code teamId} may attach where {@code wanted} says and that each target exists, and
     * returns the attachments with a team attachment's missing target filled in (the policy's team). Those in
     * {@code kept} (already stored) are not judged again, so a deleted service's attachment may stay. Failures are
     * 400 naming the field ({@code prefix[i].targetId}, or {@code targetId} when prefix is null); a non-admin
     * asking for a global attachment gets 403. A service of another team answers like a missing one.
     */
    private List<StoredPolicy.Attachment> resolve(Principal who, String teamId, List<StoredPolicy.Attachment> wanted,
                                                  List<StoredPolicy.Attachment> kept, String prefix) {
        Map<String, String> errors = new LinkedHashMap<>();
        List<StoredPolicy.Attachment> out = normalise(teamId, wanted);
        for (int i = 0; i < out.size(); i++) {
            StoredPolicy.Attachment a = out.get(i);
            if (kept.contains(a)) {
                continue;
            }
            String at = prefix == null ? "" : prefix + "[" + i + "].";
            switch (a.scope()) {
                case GLOBAL -> {
                    if (!who.systemAdmin()) {
                        throw AdminErrors.of(403, "forbidden", "global attachments need a system admin");
                    }
                    if (teamId != null) {
                        errors.put(at + "scope", "a policy of team " + teamId + " attaches only to its team or its "
                                + "services; global attachments are for policies without a team");
                    }
                }
                case SERVICE -> {
                    boolean usable = services.get(a.targetId())
                            .filter(s -> teamId == null || teamId.equals(s.teamId())).isPresent();
                    if (!usable) {
                        errors.put(at + "targetId", teamId == null ? "no service '" + a.targetId() + "'"
                                : "no service '" + a.targetId() + "' in team " + teamId);
                    }
                }
                case TEAM -> {
                    String target = a.targetId();
                    if (target == null) {
                        errors.put(at + "targetId", "required: the id of the team whose services the policy runs for");
                    } else if (teamId != null && !teamId.equals(target)) {
                        errors.put(at + "targetId", "a policy of team " + teamId + " attaches only to that team");
                    } else if (teams.get(target).isEmpty()) {
                        errors.put(at + "targetId", "no team '" + target + "'");
                    }
                }
                default -> throw new IllegalStateException("scope " + a.scope());
            }
        }
        if (!errors.isEmpty()) {
            throw AdminErrors.invalid(errors);
        }
        if (new LinkedHashSet<>(out).size() != out.size()) {
            throw AdminErrors.invalid(Map.of(prefix == null ? "targetId" : prefix, "an attachment is listed twice"));
        }
        return out;
    }

    /** A team attachment without a target means the policy's own team. */
    private static List<StoredPolicy.Attachment> normalise(String teamId, List<StoredPolicy.Attachment> wanted) {
        return wanted.stream().map(a -> a.scope() == StoredPolicy.Scope.TEAM && a.targetId() == null
                ? new StoredPolicy.Attachment(a.scope(), teamId) : a).toList();
    }

    private static StoredPolicy withVersions(StoredPolicy p, int active, List<StoredPolicy.Version> versions) {
        return new StoredPolicy(p.id(), p.name(), p.teamId(), p.description(), p.attachments(), p.failOpen(),
                p.timeoutMs(), p.readsBody(), p.config(), p.priority(), active, versions);
    }

    /** Creating a policy of {@code teamId} (null: a system policy) needs its owner or admin role. */
    private void requireOwner(Principal who, String teamId) {
        if (teamId != null && (!who.canSee(teamId) || teams.get(teamId).isEmpty())) {
            // Another team's id answers like one that does not exist.
            throw AdminErrors.notFound("team", teamId);
        }
        if (!who.canManage(teamId)) {
            throw AdminErrors.of(403, "forbidden", teamId == null ? "policies without a team need a system admin"
                    : "policies of team " + teamId + " need its owner or admin role");
        }
    }

    private static void requireManage(Principal who, StoredPolicy p) {
        if (!who.canManage(p.teamId())) {
            throw AdminErrors.of(403, "forbidden", "changing policy '" + p.name() + "' needs the owner or admin "
                    + "role in team " + p.teamId());
        }
    }

    /** The policy, or 404 when it does not exist or belongs to a team the caller cannot see. */
    private StoredPolicy find(ServerRequest req, Principal who) {
        String id = req.path().pathParameters().get("id");
        return policies.get(id).filter(p -> who.canSee(p.teamId()))
                .orElseThrow(() -> AdminErrors.notFound("policy", id));
    }

    private long now() {
        return context.clock().millis();
    }
}
