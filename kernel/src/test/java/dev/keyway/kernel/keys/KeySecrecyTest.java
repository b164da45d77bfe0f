package dev.keyway.kernel.keys;

import dev.keyway.kernel.testing.FakeUpstream;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Stream;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * After a run that issues, uses, rotates and revokes keys, no full key appears anywhere: not in the Ignite data
 * folder, not in any log record, not in the audit log, not in any error body.
 */
class KeySecrecyTest {

    @Test
    void fullKeysNeverLeaveTheIssueResponse(@TempDir Path tmp) throws Exception {
        List<String> logs = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            private final SimpleFormatter format = new SimpleFormatter();

            @Override
            public void publish(LogRecord record) {
                logs.add(format.format(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        Path data = tmp.resolve("data");
        List<String> secrets = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        try (FakeUpstream upstream = new FakeUpstream();
             TestNode node = TestNode.start(data, TestNode.pluginsWith(tmp.resolve("plugins"),
                     List.of("key-auth", "key-user")), Map.of())) {
            new Seeds(node).user("u-1", User.Role.USER);
            String team = field(node.admin("POST", "/admin/teams", "{\"name\":\"T\",\"owner\":\"u-1\"}").body(), "id");
            String app = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team + "\",\"name\":\"a\"}")
                    .body(), "id");
            node.createService("svc", "/svc", upstream.url(), null);
            HttpResponse<String> issued = node.admin("POST", "/admin/keys", "{\"appId\":\"" + app
                    + "\",\"userId\":\"u-1\"}");
            String id = field(issued.body(), "id");
            secrets.add(field(issued.body(), "key"));
            bodies.add(call(node, secrets.get(0)).body());
            bodies.add(node.send(HttpRequest.newBuilder(node.data("/v1/me")).header("x-api-key", secrets.get(0))
                    .build()).body());
            HttpResponse<String> rotated = node.admin("POST", "/admin/keys/" + id + "/rotate", "{\"graceSeconds\":0}");
            secrets.add(field(rotated.body(), "key"));
            bodies.add(call(node, secrets.get(0)).body());
            String newId = field(rotated.body().substring(rotated.body().indexOf("\"apiKey\"")), "id");
            node.admin("POST", "/admin/keys/" + newId + "/revoke", null);
            bodies.add(call(node, secrets.get(1)).body());
            bodies.add(call(node, secrets.get(1) + "x").body());
            bodies.add(node.admin("GET", "/admin/keys", null).body());
            bodies.add(node.admin("GET", "/admin/keys/" + id, null).body());
            bodies.add(node.admin("GET", "/admin/audit?limit=1000", null).body());
            bodies.add(node.admin("GET", "/admin/keys/audit", null).body());
            bodies.add(String.join("\n", node.node().store().calls().recent(100)));
        } finally {
            root.removeHandler(capture);
        }
        assertThat(secrets).hasSize(2).allSatisfy(s -> assertThat(s).startsWith("kw-"));
        for (String secret : secrets) {
            assertThat(bodies).noneSatisfy(b -> assertThat(b).contains(secret));
            assertThat(logs).noneSatisfy(l -> assertThat(l).contains(secret));
            assertThat(filesContaining(data, secret)).as("files in the data folder holding the key").isEmpty();
        }
        assertThat(bodies.get(bodies.size() - 3)).contains("key.rotate");
    }

    private static HttpResponse<String> call(TestNode node, String secret) {
        return node.send(HttpRequest.newBuilder(node.data("/svc/x")).header("Authorization", "Bearer " + secret)
                .build());
    }

    private static List<Path> filesContaining(Path dir, String secret) throws IOException {
        byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
        List<Path> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (indexOf(Files.readAllBytes(f), needle) >= 0) {
                    hits.add(f);
                }
            }
        }
        return hits;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
