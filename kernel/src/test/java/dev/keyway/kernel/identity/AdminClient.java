package dev.keyway.kernel.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyway.kernel.testing.TestNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Admin-plane calls with a chosen bearer token, for the identity routes' tests. Remembers every response body. */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestNode node;
    private final List<String> bodies = new CopyOnWriteArrayList<>();

    public AdminClient(TestNode node) {
        this.node = node;
    }

    /** A call with {@code token} as bearer (null: none); {@code json} may be null. */
    public HttpResponse<String> call(String method, String path, String token, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.admin(path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = node.send(b.build());
        bodies.add(r.body());
        return r;
    }

    public HttpResponse<String> login(String username, String password) {
        return call("POST", "/admin/login", null, "{\"username\":\"" + username + "\",\"password\":\"" + password
                + "\"}");
    }

    /** The session token of a login that must succeed. */
    public String token(String username, String password) {
        HttpResponse<String> r = login(username, password);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("login of " + username + " failed: " + r.statusCode() + " " + r.body());
        }
        return json(r).get("token").asText();
    }

    /** Creates a user as {@code adminToken} and returns its id. */
    public String createUser(String adminToken, String username, String role, String password) {
        HttpResponse<String> r = call("POST", "/admin/users", adminToken, "{\"username\":\"" + username
                + "\",\"email\":\"" + username + "@example.com\",\"role\":\"" + role + "\",\"password\":\""
                + password + "\"}");
        if (r.statusCode() != 201) {
            throw new IllegalStateException("user " + username + " not created: " + r.statusCode() + " " + r.body());
        }
        return json(r).get("id").asText();
    }

    /** Every response body received so far. */
    public String allBodies() {
        return String.join("\n", bodies);
    }

    public static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
