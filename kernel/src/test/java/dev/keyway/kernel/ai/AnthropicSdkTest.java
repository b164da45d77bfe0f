package dev.keyway.kernel.ai;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.ServiceUnavailableException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.ErrorType;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolUseBlock;
import dev.keyway.kernel.testing.FakeAnthropic;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The official Anthropic Java SDK, unchanged, pointed at Keyway's base URL (the SDK adds {@code /v1/messages}):
 * messages, streaming with the whole usage, a tool call, an invalid key raising the SDK's authentication exception
 * with Keyway's message, and an overloaded provider. A local fake speaks Anthropic's wire format upstream; the test
 * checks what it received as well as what the SDK got.
 */
class AnthropicSdkTest {
    static final String UPSTREAM_SECRET = "sk-ant-upstream-SECRET-0123456789abcdef";
    static final String MODEL = "claude-3-5-haiku-20241022";
    @TempDir
    static Path tmp;
    static FakeAnthropic fake;
    static Gateway gateway;
    static AnthropicClient client;

    /** A node with one AI service granting {@link #MODEL}, the alias {@code claude} and {@code claude-busy}. */
    record Gateway(TestNode node, String key) implements AutoCloseable {
        static Gateway start(Path dir, FakeAnthropic fake, Map<String, String> overrides) {
            TestNode node = TestNode.start(dir.resolve("data"), TestNode.pluginsWith(dir.resolve("plugins"),
                    List.of("key-auth", "key-user", "subscription", "anthropic")), overrides);
            try {
                new Seeds(node).user("u-dev", User.Role.USER);
                String team = field(node.admin("POST", "/admin/teams", "{\"name\":\"ml\",\"owner\":\"u-dev\"}").body(),
                        "id");
                String app = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team
                        + "\",\"name\":\"bot\"}").body(), "id");
                String key = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + app
                        + "\",\"userId\":\"u-dev\"}").body(), "key");
                String service = created(node.admin("POST", "/admin/services", "{\"name\":\"claude\",\"teamId\":\""
                        + team + "\",\"kind\":\"ai\",\"approval\":\"auto\",\"versions\":[{\"version\":\"v1\","
                        + "\"models\":[\"" + MODEL + "\",\"claude\",\"claude-busy\"],\"lifecycle\":\"published\"}]}"));
                node.subscribe(app, service);
                String credential = created(node.admin("POST", "/admin/ai/credentials", "{\"name\":\"anthropic\","
                        + "\"provider\":\"anthropic\",\"secret\":\"" + UPSTREAM_SECRET + "\",\"teamId\":\"" + team
                        + "\"}"));
                for (String model : List.of(MODEL, "claude", "claude-busy")) {
                    created(node.admin("POST", "/admin/ai/deployments", "{\"model\":\"" + model + "\","
                            + "\"upstreamModel\":\"" + MODEL + "\",\"provider\":\"anthropic\",\"baseUrl\":\""
                            + fake.baseUrl() + "\",\"credentialId\":\"" + credential + "\",\"teamId\":\"" + team
                            + "\"}"));
                }
                return new Gateway(node, key);
            } catch (RuntimeException | Error e) {
                node.close();
                throw e;
            }
        }

        /** An SDK client with this gateway's key; the base URL is the data plane's root, as for api.anthropic.com. */
        AnthropicClient client(String apiKey) {
            return AnthropicOkHttpClient.builder().baseUrl(node.data("").toString()).apiKey(apiKey).maxRetries(0)
                    .build();
        }

        @Override
        public void close() {
            node.close();
        }
    }

    @BeforeAll
    static void start() {
        fake = new FakeAnthropic();
        gateway = Gateway.start(tmp.resolve("main"), fake, Map.of());
        client = gateway.client(gateway.key());
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        fake.close();
    }

    @AfterEach
    void forgetUnansweredFailures() {
        fake.clearFailures();
    }

    static String created(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return field(r.body(), "id");
    }

    static MessageCreateParams.Builder params(String model) {
        return MessageCreateParams.builder().model(model).maxTokens(256).system("Be brief.").addUserMessage("Hi");
    }

    static MessageCreateParams.Builder withWeatherTool(MessageCreateParams.Builder params) {
        return params.addTool(Tool.builder().name("get_weather").description("Weather for a city")
                .inputSchema(Tool.InputSchema.builder().properties(Tool.InputSchema.Properties.builder()
                                .putAdditionalProperty("city", JsonValue.from(Map.of("type", "string"))).build())
                        .required(List.of("city")).build())
                .build());
    }

    @Test
    void aMessageComesBackWithTextUsageAndStopReason() {
        Message m = client.messages().create(params(MODEL).build());

        assertThat(m.content()).hasSize(1);
        assertThat(m.content().getFirst().text().orElseThrow().text()).isEqualTo(FakeAnthropic.TEXT);
        assertThat(m.stopReason()).contains(StopReason.END_TURN);
        assertThat(m.usage().inputTokens()).isEqualTo(FakeAnthropic.INPUT_TOKENS);
        assertThat(m.usage().outputTokens()).isEqualTo(FakeAnthropic.OUTPUT_TOKENS);
        assertThat(m.model().asString()).isEqualTo(MODEL);
        assertThat(m.id()).startsWith("msg_");
    }

    @Test
    void theProviderGetsItsOwnCredentialAndTheBodyAsTheCallerSentIt() {
        Message m = client.messages().create(params("claude").addStopSequence("STOP").build());
        assertThat(m.model().asString()).as("the model the caller named").isEqualTo("claude");

        FakeAnthropic.Received got = fake.received().getLast();
        assertThat(got.path()).isEqualTo("/v1/messages");
        assertThat(got.header("x-api-key")).isEqualTo(UPSTREAM_SECRET);
        assertThat(got.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(got.header("Authorization")).isNull();
        assertThat(got.headers().toString()).doesNotContain(gateway.key());
        assertThat(got.body()).containsOnlyKeys("model", "max_tokens", "system", "messages", "stop_sequences");
        assertThat(got.body()).containsEntry("model", MODEL).containsEntry("max_tokens", 256L)
                .containsEntry("system", "Be brief.")
                .containsEntry("messages", List.of(Map.of("role", "user", "content", "Hi")));
        assertThat(got.body()).containsEntry("stop_sequences", List.of("STOP"));
    }

    @Test
    void streamingDeliversEveryDeltaAndTheWholeUsage() {
        MessageAccumulator accumulator = MessageAccumulator.create();
        StringBuilder text = new StringBuilder();
        Long streamedInput = null;
        Long lastOutput = null;
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params(MODEL).build())) {
            for (RawMessageStreamEvent e : (Iterable<RawMessageStreamEvent>) stream.stream()::iterator) {
                accumulator.accumulate(e);
                if (e.isMessageStart()) {
                    streamedInput = e.asMessageStart().message().usage().inputTokens();
                }
                if (e.isContentBlockDelta() && e.asContentBlockDelta().delta().isText()) {
                    text.append(e.asContentBlockDelta().delta().asText().text());
                }
                if (e.isMessageDelta()) {
                    lastOutput = e.asMessageDelta().usage().outputTokens();
                }
            }
        }
        assertThat(text).hasToString(FakeAnthropic.TEXT);
        assertThat(streamedInput).as("input tokens in message_start").isEqualTo(FakeAnthropic.INPUT_TOKENS);
        assertThat(lastOutput).as("output tokens in the last message_delta").isEqualTo(FakeAnthropic.OUTPUT_TOKENS);

        Message whole = accumulator.message();
        assertThat(whole.usage().inputTokens()).isEqualTo(FakeAnthropic.INPUT_TOKENS);
        assertThat(whole.usage().outputTokens()).isEqualTo(FakeAnthropic.OUTPUT_TOKENS);
        assertThat(whole.stopReason()).contains(StopReason.END_TURN);
        assertThat(whole.content().getFirst().text().orElseThrow().text()).isEqualTo(FakeAnthropic.TEXT);

        FakeAnthropic.Received got = fake.received().getLast();
        assertThat(got.body()).containsEntry("stream", true);
        assertThat(got.header("x-api-key")).isEqualTo(UPSTREAM_SECRET);
    }

    @Test
    void aToolUseAnswerArrivesAsABlockWithItsInput() {
        Message m = client.messages().create(withWeatherTool(params(MODEL)).build());

        assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
        assertThat(m.content()).hasSize(2);
        assertThat(m.content().get(0).text().orElseThrow().text()).isEqualTo(FakeAnthropic.TOOL_PREAMBLE);
        ToolUseBlock call = m.content().get(1).toolUse().orElseThrow();
        assertThat(call.id()).isEqualTo(FakeAnthropic.TOOL_USE_ID);
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call._input().convert(Map.class)).isEqualTo(Map.of("city", "Paris"));

        Map<String, Object> sent = fake.received().getLast().body();
        assertThat(sent.get("tools")).isEqualTo(List.of(Map.of("name", "get_weather",
                "description", "Weather for a city", "input_schema", Map.of("type", "object",
                        "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city")))));
    }

    @Test
    void aStreamedToolUseArrivesWhole() {
        MessageAccumulator accumulator = MessageAccumulator.create();
        StringBuilder json = new StringBuilder();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages()
                .createStreaming(withWeatherTool(params(MODEL)).build())) {
            stream.stream().forEach(e -> {
                accumulator.accumulate(e);
                if (e.isContentBlockDelta() && e.asContentBlockDelta().delta().isInputJson()) {
                    json.append(e.asContentBlockDelta().delta().asInputJson().partialJson());
                }
            });
        }
        assertThat(Json.parseObject(json.toString())).isEqualTo(Map.of("city", "Paris"));
        Message whole = accumulator.message();
        assertThat(whole.stopReason()).contains(StopReason.TOOL_USE);
        ContentBlock last = whole.content().getLast();
        assertThat(last.toolUse().orElseThrow().name()).isEqualTo("get_weather");
        assertThat(last.toolUse().orElseThrow()._input().convert(Map.class)).isEqualTo(Map.of("city", "Paris"));
        assertThat(whole.usage().outputTokens()).isEqualTo(FakeAnthropic.OUTPUT_TOKENS);
    }

    @Test
    void anInvalidKeyRaisesTheSdksAuthenticationErrorWithKeywaysMessage() {
        int before = fake.received().size();
        AnthropicClient bad = gateway.client("kw-not-a-real-key");
        try {
            UnauthorizedException e = catchThrowableOfType(UnauthorizedException.class,
                    () -> bad.messages().create(params(MODEL).build()));
            assertThat(e).isNotNull().hasMessageContaining("is not recognised");
            assertThat(e.statusCode()).isEqualTo(401);
            assertThat(e.errorType()).contains(ErrorType.AUTHENTICATION_ERROR);
            assertThat(e.getMessage()).doesNotContain("kw-not-a-real-key");
        } finally {
            bad.close();
        }
        assertThat(fake.received()).as("nothing reached the provider").hasSize(before);
    }

    @Test
    void anOverloadedProviderReachesTheCallerAs503OverloadedAfterTheGatewaysRetries() {
        int before = fake.received().size();
        String overloaded = FakeAnthropic.error("overloaded_error", "Overloaded");
        fake.failNext(529, Map.of(), overloaded).failNext(529, Map.of(), overloaded);

        ServiceUnavailableException e = catchThrowableOfType(ServiceUnavailableException.class,
                () -> client.messages().create(params("claude-busy").build()));

        assertThat(e).isNotNull().hasMessageContaining("529").hasMessageContaining("Overloaded");
        assertThat(e.statusCode()).isEqualTo(503);
        assertThat(e.errorType()).contains(ErrorType.OVERLOADED_ERROR);
        assertThat(fake.received()).as("keyway.ai.max-attempts defaults to 2").hasSize(before + 2);
        assertThat(client.messages().create(params("claude-busy").build()).content().getFirst().text()
                .orElseThrow().text()).as("the provider recovered").isEqualTo(FakeAnthropic.TEXT);
    }

    @Test
    void withOneAttemptTheProvidersRefusalsAreNotRetried() {
        try (FakeAnthropic once = new FakeAnthropic();
             Gateway single = Gateway.start(tmp.resolve("single"), once, Map.of("keyway.ai.max-attempts", "1"))) {
            AnthropicClient sdk = single.client(single.key());
            try {
                once.failNext(529, Map.of("retry-after", "3"), FakeAnthropic.error("overloaded_error", "Overloaded"));
                ServiceUnavailableException overloaded = catchThrowableOfType(ServiceUnavailableException.class,
                        () -> sdk.messages().create(params("claude-busy").build()));
                assertThat(overloaded).isNotNull();
                assertThat(overloaded.errorType()).contains(ErrorType.OVERLOADED_ERROR);
                assertThat(overloaded.headers().values("retry-after")).as("529 becomes 503 with Retry-After")
                        .containsExactly("3");
                assertThat(once.received()).as("keyway.ai.max-attempts=1: no retry").hasSize(1);

                once.failNext(429, Map.of("retry-after", "7"), FakeAnthropic.error("rate_limit_error",
                        "Number of request tokens has exceeded your per-minute rate limit"));
                RateLimitException limited = catchThrowableOfType(RateLimitException.class,
                        () -> sdk.messages().create(params(MODEL).build()));
                assertThat(limited).isNotNull().hasMessageContaining("per-minute rate limit");
                assertThat(limited.statusCode()).isEqualTo(429);
                assertThat(limited.errorType()).contains(ErrorType.RATE_LIMIT_ERROR);
                assertThat(limited.headers().values("retry-after")).as("the provider's hint reaches the caller")
                        .containsExactly("7");
                assertThat(once.received()).hasSize(2);
            } finally {
                sdk.close();
            }
        }
    }
}
