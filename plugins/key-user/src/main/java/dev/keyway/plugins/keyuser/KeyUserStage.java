package dev.keyway.plugins.keyuser;

import dev.keyway.spi.ApiKey;
import dev.keyway.spi.App;
import dev.keyway.spi.Attributes;
import dev.keyway.spi.Decision;
import dev.keyway.spi.Directories;
import dev.keyway.spi.Directory;
import dev.keyway.spi.Exchange;
import dev.keyway.spi.Phase;
import dev.keyway.spi.Stage;
import dev.keyway.spi.StageContext;
import dev.keyway.spi.Service;
import dev.keyway.spi.Team;
import dev.keyway.spi.User;
import org.pf4j.Extension;

import java.util.Objects;
import java.util.List;
import java.util.Optional;

/**
 * Resolves who is calling ({@link Phase#IDENTIFY}, order 100): the authenticated key's owner user, team and app,
 * each of which must still exist and be active, and the app must belong to the key's team.
 *
 * <p>Needs {@link Attributes#API_KEY}, written by key-auth in the authenticate phase; without it the request is
 * refused as unauthenticated (fail closed). Writes {@link Attributes#USER}, {@link Attributes#TEAM} and
 * {@link Attributes#APP}, all three and only when every check passed. Messages name the key and the entity by id.
 */
@Extension
public final class KeyUserStage implements Stage {
    static final String KEY_SCOPE_DENIED = "key_scope_denied";
    static final String INVALID_API_KEY = "invalid_api_key";
    static final String KEY_OWNER_MISSING = "key_owner_missing";
    static final String KEY_OWNER_DISABLED = "key_owner_disabled";
    static final String TEAM_DISABLED = "team_disabled";
    static final String APP_DISABLED = "app_disabled";
    static final String KEY_TEAM_MISMATCH = "key_team_mismatch";

    private static final String MOVE_OWNER = "transfer the key to an active user or rotate it";

    private Directories directories;

    @Override
    public String name() {
        return "key-user";
    }

    @Override
    public Phase phase() {
        return Phase.IDENTIFY;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public void start(StageContext context) {
        KeyUserConfig.from(context.config());
        directories = Objects.requireNonNull(context.directories(), "directories");
    }

    @Override
    public Decision apply(Exchange exchange) {
        if (directories == null) {
            throw new IllegalStateException("key-user: apply called before start");
        }
        Optional<ApiKey> authenticated = exchange.attribute(Attributes.API_KEY);
        if (authenticated.isEmpty()) {
            return Decision.respond(401, INVALID_API_KEY,
                    "no authenticated key for this request (expected: an API key checked by key-auth)");
        }
        ApiKey key = authenticated.get();
        String subject = "API key " + key.id();

        Optional<User> user = byId(directories.users(), key.userId());
        if (user.isEmpty()) {
            return Decision.respond(401, KEY_OWNER_MISSING,
                    gone(subject, "belongs to", "user", key.userId()) + "; " + MOVE_OWNER);
        }
        if (user.get().status() != User.Status.ACTIVE) {
            return Decision.respond(401, KEY_OWNER_DISABLED, subject + " belongs to user " + key.userId()
                    + ", which is disabled; re-enable the user, or " + MOVE_OWNER);
        }

        Optional<Team> team = byId(directories.teams(), key.teamId());
        if (team.isEmpty()) {
            return Decision.respond(403, TEAM_DISABLED, gone(subject, "belongs to", "team", key.teamId())
                    + "; create a new key in an active team");
        }
        if (team.get().status() != Team.Status.ACTIVE) {
            return Decision.respond(403, TEAM_DISABLED, subject + " belongs to team " + key.teamId()
                    + ", which is disabled; ask an administrator to re-enable the team");
        }

        Optional<App> app = byId(directories.apps(), key.appId());
        if (app.isEmpty()) {
            return Decision.respond(403, APP_DISABLED, gone(subject, "was issued for", "app", key.appId())
                    + "; create a new key for an active app");
        }
        if (app.get().status() != App.Status.ACTIVE) {
            return Decision.respond(403, APP_DISABLED, subject + " was issued for app " + key.appId()
                    + ", which is disabled; re-enable the app or create a new key for an active app");
        }
        if (!app.get().teamId().equals(team.get().id())) {
            return Decision.respond(403, KEY_TEAM_MISMATCH, subject + " was issued in team " + key.teamId()
                    + " but its app " + key.appId() + " belongs to team " + app.get().teamId()
                    + "; create a new key for the app in its current team");
        }

        Optional<Service> service = exchange.attribute(Attributes.SERVICE);
        // Entries "model:<name>" limit models on the AI API (the kernel checks them); the rest name services.
        List<String> services = key.scopes().stream().filter(s -> !s.startsWith("model:")).toList();
        boolean modelsOnly = services.isEmpty() && !key.scopes().isEmpty();
        if (modelsOnly && service.isPresent() && service.get().kind() == Service.Kind.REST) {
            return Decision.respond(403, KEY_SCOPE_DENIED, subject + " is limited to the models " + key.scopes()
                    + " and may not call REST service '" + service.get().name() + "' (" + service.get().id()
                    + "); use a key whose scopes include it");
        }
        if (!services.isEmpty() && service.isPresent() && !services.contains(service.get().id())) {
            return Decision.respond(403, KEY_SCOPE_DENIED, subject + " is limited to " + services
                    + " and may not call service '" + service.get().name() + "' (" + service.get().id()
                    + "); use a key whose scopes include it");
        }

        exchange.attribute(Attributes.USER, user.get());
        exchange.attribute(Attributes.TEAM, team.get());
        exchange.attribute(Attributes.APP, app.get());
        return Decision.proceed();
    }

    /** "API key k-1 belongs to user u-9, which no longer exists", or "API key k-1 names no user" for a null id. */
    private static String gone(String subject, String relation, String kind, String id) {
        return id == null
                ? subject + " names no " + kind
                : subject + " " + relation + " " + kind + " " + id + ", which no longer exists";
    }

    /** A null id (a key without that reference) finds nothing, like an id whose entity was deleted. */
    private static <T> Optional<T> byId(Directory<T> directory, String id) {
        return id == null ? Optional.empty() : directory.byId(id);
    }
}
