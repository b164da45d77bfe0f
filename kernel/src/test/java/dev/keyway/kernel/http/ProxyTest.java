package dev.keyway.kernel.http;

import dev.keyway.kernel.testing.FakeUpstream;
import dev.keyway.kernel.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The REST proxy end to end: a real node in front of a real local upstream. */
class ProxyTest {
    private static final int MAX_BODY = 64 * 1024;
    @TempDir
    static Path tmp;
    static FakeUpstream upstream;
    static TestNode node;
    static final CountDownLatch releaseStream = new CountDownLatch(1);

    @BeforeAll
    static void start() throws Exception {
        upstream = new FakeUpstream()
                .on("/stream", ex -> {
                    ex.getResponseHeaders().add("Content-Type", "text/event-stream");
                    ex.sendResponseHeaders(200, 0);
                    ex.getResponseBody().write("data: first\n\n".getBytes());
                    ex.getResponseBody().flush();
                    try {
                        releaseStream.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    ex.getResponseBody().write("data: second\n\n".getBytes());
                    ex.close();
                })
                .on("/slow", ex -> {
                    try {
                        Thread.sleep(2_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    ex.sendResponseHeaders(200, -1);
                    ex.close();
                })
                .on("/headers", ex -> {
                    ex.getResponseHeaders().add("X-Upstream", "yes");
                    ex.getResponseHeaders().add("Connection", "close-me-not");
                    ex.sendResponseHeaders(201, -1);
                    ex.close();
                });
        node = TestNode.start(tmp.resolve("data"), Files.createDirectories(tmp.resolve("plugins")),
                Map.of("keyway.data-plane.max-body-bytes", Integer.toString(MAX_BODY)));
        node.createService("api", "/api", upstream.url(), "\"readTimeoutMs\":500");
        node.createService("dead", "/dead", "http://127.0.0.1:" + TestNode.freePort(), "\"retries\":0");
        node.createService("mixed", "/mixed", "http://127.0.0.1:" + TestNode.freePort(), null);
        // A second upstream for /mixed: the dead one is skipped on retry.
        node.admin("PUT", "/admin/services/" + idOf("mixed"), "{\"name\":\"mixed\",\"pathPrefix\":\"/mixed\","
                + "\"upstreams\":[\"http://127.0.0.1:" + TestNode.freePort() + "\",\"" + upstream.url() + "\"],"
                + "\"retries\":1}");
    }

    @AfterAll
    static void stop() {
        releaseStream.countDown();
        node.close();
        upstream.close();
    }

    static String idOf(String name) {
        String body = node.admin("GET", "/admin/services", null).body();
        int at = body.indexOf("\"name\":\"" + name + "\"");
        int id = body.lastIndexOf("\"id\":\"", at) + 6;
        return body.substring(id, body.indexOf('"', id));
    }

    @Test
    void forwardsMethodPathQueryAndHeaders() {
        HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.data("/api/items/7?color=red&x=%20y"))
                .header("X-Request-Id", "caller-id-1").header("X-Custom", "kept")
                .header("X-Forwarded-For", "10.9.9.9").DELETE().build());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-request-id")).hasValue("caller-id-1");
        FakeUpstream.Received got = upstream.received().getLast();
        assertThat(got.method()).isEqualTo("DELETE");
        assertThat(got.path()).isEqualTo("/items/7");
        assertThat(got.query()).isEqualTo("color=red&x=%20y");
        assertThat(got.header("X-Custom")).isEqualTo("kept");
        assertThat(got.header("X-Request-Id")).isEqualTo("caller-id-1");
        // The peer is not a trusted proxy: its X-Forwarded-For is dropped, not passed on (ClientIpTest has the rest).
        assertThat(got.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(got.header("X-Forwarded-Proto")).isEqualTo("http");
    }

    @Test
    void copiesUpstreamStatusAndHeadersButNotHopByHop() {
        HttpResponse<String> r = node.get("/api/headers");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.headers().firstValue("x-upstream")).hasValue("yes");
        assertThat(r.headers().allValues("connection")).doesNotContain("close-me-not");
        assertThat(r.headers().firstValue("x-request-id")).isPresent();
    }

    @Test
    void streamsARequestBodyOfUnknownLength() {
        byte[] chunk = new byte[8 * 1024];
        int chunks = 7; // 56 KiB, under the limit, sent chunked
        HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.data("/api/upload-chunked"))
                .POST(chunked(chunk, chunks)).build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(received("/upload-chunked")).singleElement().satisfies(got -> {
            assertThat(got.complete()).isTrue();
            assertThat(got.body()).hasSize(chunk.length * chunks);
            assertThat(got.header("Transfer-Encoding")).isEqualTo("chunked");
        });
    }

    @Test
    void streamsTheResponseAsTheUpstreamWritesIt() throws Exception {
        HttpResponse<InputStream> r = node.client().send(HttpRequest.newBuilder(node.data("/api/stream")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
        try (InputStream in = r.body()) {
            byte[] first = new byte["data: first\n\n".length()];
            int n = in.readNBytes(first, 0, first.length);
            // The upstream is still blocked: this chunk came through before the response finished.
            assertThat(new String(first, 0, n, StandardCharsets.UTF_8)).isEqualTo("data: first\n\n");
            releaseStream.countDown();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("data: second\n\n");
        }
    }

    @Test
    void refusedUpstreamIs502() {
        HttpResponse<String> r = node.get("/dead/x");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).contains("\"code\":\"upstream_unreachable\"", "\"requestId\"");
    }

    @Test
    void idempotentRequestFailsOverToTheNextUpstream() {
        for (int i = 0; i < 4; i++) {
            assertThat(node.get("/mixed/x").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void slowUpstreamIs504() {
        HttpResponse<String> r = node.get("/api/slow");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).contains("\"code\":\"upstream_timeout\"", "500 ms");
    }

    @Test
    void declaredBodyOverTheLimitIs413AndNothingIsForwarded() {
        HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.data("/api/upload-declared"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[MAX_BODY + 1])).build());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("\"code\":\"request_too_large\"");
        assertThat(received("/upload-declared")).isEmpty();
    }

    @Test
    void chunkedBodyOverTheLimitIs413() {
        HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.data("/api/upload-big"))
                .POST(chunked(new byte[16 * 1024], 8)).build());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("\"code\":\"request_too_large\"");
        // The upstream may have started reading, but must never see the cut-off body as a complete request.
        assertThat(received("/upload-big")).allSatisfy(got -> assertThat(got.complete()).isFalse());
    }

    @Test
    void unknownPrefixIs404InTheJsonShape() {
        HttpResponse<String> r = node.get("/nothing/here");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.body()).matches("\\{\"error\":\\{\"code\":\"route_not_found\",\"message\":\"[^\"]+\","
                + "\"requestId\":\"[0-9a-f]{32}\"}}");
    }

    @Test
    void v1RoutesAnswerInTheAiProtocolsShapesAndAreReservedFromRestServices() {
        HttpResponse<String> openAi = node.get("/v1/nothing");
        assertThat(openAi.statusCode()).isEqualTo(404);
        assertThat(openAi.body()).startsWith("{\"error\":{\"message\":").contains("\"type\":\"not_found_error\"",
                "\"code\":\"route_not_found\"");
        HttpResponse<String> anthropic = node.send(HttpRequest.newBuilder(node.data("/v1/messages"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(anthropic.statusCode()).as("no model").isEqualTo(400);
        assertThat(anthropic.body()).startsWith("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\"");
        HttpResponse<String> reserved = node.admin("POST", "/admin/services", "{\"name\":\"v1x\","
                + "\"pathPrefix\":\"/v1/x\",\"upstreams\":[\"" + upstream.url() + "\"]}");
        assertThat(reserved.statusCode()).isEqualTo(400);
        assertThat(reserved.body()).contains("\"pathPrefix\"", "reserved");
    }

    @Test
    void callsAreRecorded() throws Exception {
        node.get("/api/recorded?secret=hunter2");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (node.node().store().calls().recent(50).stream().noneMatch(s -> s.contains("/api/recorded"))
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(node.node().store().calls().recent(50)).anySatisfy(s -> assertThat(s)
                .contains("\"path\":\"/api/recorded\"", "\"status\":200").doesNotContain("hunter2"));
    }

    private static java.util.List<FakeUpstream.Received> received(String path) {
        return upstream.received().stream().filter(x -> x.path().equals(path)).toList();
    }

    /** A body publisher of unknown length: the JDK client sends it chunked. */
    private static HttpRequest.BodyPublisher chunked(byte[] chunk, int count) {
        return HttpRequest.BodyPublishers.fromPublisher(subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            long demand;
            int sent;
            boolean emitting;
            boolean done;

            // Reentrant-safe: onNext may call request() again on this thread; the outer loop serves that demand.
            @Override
            public synchronized void request(long n) {
                demand += n;
                if (emitting) {
                    return;
                }
                emitting = true;
                while (demand > 0 && sent < count) {
                    demand--;
                    sent++;
                    subscriber.onNext(ByteBuffer.wrap(chunk));
                }
                emitting = false;
                if (sent == count && !done) {
                    done = true;
                    subscriber.onComplete();
                }
            }

            @Override
            public synchronized void cancel() {
                sent = count;
                done = true;
            }
        }));
    }
}
