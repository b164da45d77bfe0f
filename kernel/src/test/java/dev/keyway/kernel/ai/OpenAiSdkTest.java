package dev.keyway.kernel.ai;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.UnauthorizedException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.keyway.kernel.testing.FakeOpenAi;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The official OpenAI Java SDK, unchanged, pointed at Keyway's base URL: chat, streaming, a tool call, the model
 * list, embeddings, and an invalid key raising the SDK's authentication exception with Keyway's message. A local
 * fake speaks OpenAI's wire format upstream; the test checks what it received as well as what the SDK got.
 */
class OpenAiSdkTest {
    static final String UPSTREAM_SECRET = "sk-upstream-SECRET-0123456789abcdef";
    @TempDir
    static Path tmp;
    static FakeOpenAi fake;
    static TestNode node;
    static String key;
    static String app;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        fake = new FakeOpenAi();
        node = TestNode.start(tmp.resolve("data"), TestNode.pluginsWith(tmp.resolve("plugins"),
                List.of("key-auth", "key-user", "subscription", "openai")), Map.of());
        new Seeds(node).user("u-dev", User.Role.USER);
        String team = field(node.admin("POST", "/admin/teams", "{\"name\":\"ml\",\"owner\":\"u-dev\"}").body(), "id");
        app = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team + "\",\"name\":\"bot\"}").body(),
                "id");
        key = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + app + "\",\"userId\":\"u-dev\"}").body(), "key");
        String service = created(node.admin("POST", "/admin/services", "{\"name\":\"llm\",\"teamId\":\"" + team
                + "\",\"kind\":\"ai\",\"approval\":\"auto\",\"versions\":[{\"version\":\"v1\",\"models\":[\"gpt-4o\","
                + "\"fast\",\"text-embedding-3-small\"],\"lifecycle\":\"published\"}]}"));
        node.subscribe(app, service);
        String credential = created(node.admin("POST", "/admin/ai/credentials", "{\"name\":\"openai\",\"provider\":"
                + "\"openai\",\"secret\":\"" + UPSTREAM_SECRET + "\",\"teamId\":\"" + team + "\"}"));
        for (String[] d : List.of(new String[]{"gpt-4o", "gpt-4o"}, new String[]{"fast", "gpt-4o-mini"},
                new String[]{"text-embedding-3-small", "text-embedding-3-small"})) {
            created(node.admin("POST", "/admin/ai/deployments", "{\"model\":\"" + d[0] + "\",\"upstreamModel\":\""
                    + d[1] + "\",\"provider\":\"openai\",\"baseUrl\":\"" + fake.baseUrl() + "\",\"credentialId\":\""
                    + credential + "\",\"teamId\":\"" + team + "\"}"));
        }
        client = OpenAIOkHttpClient.builder().baseUrl(node.data("/v1").toString()).apiKey(key).maxRetries(0).build();
    }

    static String created(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return field(r.body(), "id");
    }

    @AfterAll
    static void stop() {
        client.close();
        node.close();
        fake.close();
    }

    static ChatCompletionCreateParams.Builder params(String model) {
        return ChatCompletionCreateParams.builder().model(model).addSystemMessage("Be brief.").addUserMessage("Hi");
    }

    @Test
    void chatGoesToTheDeploymentWithItsCredentialAndComesBackInOpenAisShape() {
        ChatCompletion c = client.chat().completions().create(params("gpt-4o").build());
        assertThat(c.choices().getFirst().message().content()).contains("Hello world");
        assertThat(c.model()).isEqualTo("gpt-4o");
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(FakeOpenAi.PROMPT_TOKENS);
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(FakeOpenAi.COMPLETION_TOKENS);

        FakeOpenAi.Received got = fake.received().getLast();
        assertThat(got.path()).isEqualTo("/v1/chat/completions");
        assertThat(got.header("Authorization")).isEqualTo("Bearer " + UPSTREAM_SECRET);
        assertThat(got.headers().toString()).doesNotContain(key);
        assertThat(got.body().get("model")).isEqualTo("gpt-4o");
        assertThat(got.body().get("messages").toString()).contains("Be brief.", "Hi");
    }

    @Test
    void anAliasCallsItsDeploymentsUpstreamModel() {
        ChatCompletion c = client.chat().completions().create(params("fast").build());
        assertThat(c.model()).isEqualTo("fast");
        assertThat(fake.received().getLast().body().get("model")).isEqualTo("gpt-4o-mini");
    }

    @Test
    void streamingDeliversEveryDeltaAndAsksTheUpstreamForUsage() {
        String text;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(params("gpt-4o").build())) {
            text = stream.stream().flatMap(ch -> ch.choices().stream())
                    .map(ch -> ch.delta().content().orElse("")).collect(Collectors.joining());
        }
        assertThat(text).isEqualTo("Hello world");
        Map<String, Object> sent = fake.received().getLast().body();
        assertThat(sent.get("stream")).isEqualTo(true);
        assertThat(sent.get("stream_options").toString()).contains("include_usage=true");

        long withUsage;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params("gpt-4o")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            withUsage = stream.stream().filter(ch -> ch.usage().isPresent())
                    .mapToLong(ch -> ch.usage().get().completionTokens()).sum();
        }
        assertThat(withUsage).isEqualTo(FakeOpenAi.COMPLETION_TOKENS);
    }

    @Test
    void theGatewayKeepsTheUsageChunkFromCallersWhoDidNotAskForIt() {
        HttpResponse<String> raw = node.send(HttpRequest.newBuilder(node.data("/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":"
                        + "[{\"role\":\"user\",\"content\":\"Hi\"}]}")).build());
        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("text/event-stream"));
        assertThat(raw.body()).contains("\"content\":\"Hello\"", "data: [DONE]").doesNotContain("\"usage\"");
    }

    @Test
    void aStreamedToolCallArrivesWhole() {
        ChatCompletionCreateParams p = params("gpt-4o").addTool(ChatCompletionFunctionTool.builder()
                .function(FunctionDefinition.builder().name("get_weather").description("Weather for a city")
                        .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of("city",
                                        Map.of("type", "string")))).build()).build()).build()).build();
        ChatCompletion c = client.chat().completions().create(p);
        ChatCompletionMessageFunctionToolCall call = c.choices().getFirst().message().toolCalls().orElseThrow()
                .getFirst().asFunction();
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(call.function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(c.choices().getFirst().finishReason().asString()).isEqualTo("tool_calls");
        assertThat(fake.received().getLast().body().get("tools").toString()).contains("get_weather");

        StringBuilder args = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(p)) {
            stream.stream().flatMap(ch -> ch.choices().stream()).forEach(ch -> ch.delta().toolCalls()
                    .ifPresent(calls -> calls.forEach(t -> t.function()
                            .flatMap(f -> f.arguments()).ifPresent(args::append))));
        }
        assertThat(args).hasToString("{\"city\":\"Paris\"}");
    }

    @Test
    void theModelListShowsWhatTheKeyMayUse() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        assertThat(ids).containsExactly("fast", "gpt-4o", "text-embedding-3-small");
    }

    @Test
    void embeddings() {
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").input("hello").build());
        assertThat(r.data().getFirst().embedding()).containsExactly(0.25f, -0.5f, 0.125f);
        assertThat(fake.received().getLast().path()).isEqualTo("/v1/embeddings");
    }

    @Test
    void anInvalidKeyRaisesTheSdksAuthenticationErrorWithKeywaysMessage() {
        int before = fake.received().size();
        OpenAIClient bad = OpenAIOkHttpClient.builder().baseUrl(node.data("/v1").toString())
                .apiKey("kw-not-a-real-key").maxRetries(0).build();
        try {
            assertThatThrownBy(() -> bad.chat().completions().create(params("gpt-4o").build()))
                    .isInstanceOf(UnauthorizedException.class)
                    .hasMessageContaining("is not recognised");
        } finally {
            bad.close();
        }
        assertThat(fake.received()).as("nothing reached the provider").hasSize(before);
    }

    @Test
    void aKeyScopedToModelsSeesAndUsesOnlyThose() {
        String scoped = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + app + "\",\"userId\":\"u-dev\","
                + "\"scopes\":[\"model:fast\"]}").body(), "key");
        OpenAIClient limited = OpenAIOkHttpClient.builder().baseUrl(node.data("/v1").toString()).apiKey(scoped)
                .maxRetries(0).build();
        try {
            assertThat(limited.models().list().data().stream().map(Model::id).toList()).containsExactly("fast");
            assertThat(limited.chat().completions().create(params("fast").build()).choices()).hasSize(1);
            int before = fake.received().size();
            assertThatThrownBy(() -> limited.chat().completions().create(params("gpt-4o").build()))
                    .isInstanceOf(com.openai.errors.PermissionDeniedException.class)
                    .hasMessageContaining("may use only the models [fast]");
            assertThat(fake.received()).hasSize(before);
        } finally {
            limited.close();
        }
    }

    @Test
    void theCostUsesTheCatalogsPricesAndOperatorsOverrides() {
        HttpResponse<String> put = node.admin("PUT", "/admin/ai/models/openai/gpt-4o-mini", "{\"contextWindow\":128000,"
                + "\"capabilities\":[\"chat\",\"tools\"],\"inputPrice\":1000,\"outputPrice\":2000}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        try {
            HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.data("/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"fast\",\"messages\":[{\"role\":"
                            + "\"user\",\"content\":\"Hi\"}]}")).build());
            // 12 input tokens at 1000 USD and 5 output tokens at 2000 USD per million tokens.
            assertThat(new java.math.BigDecimal(r.headers().firstValue("x-keyway-cost-usd").orElseThrow()))
                    .isEqualByComparingTo("0.022");
            assertThat(r.headers().firstValue("x-keyway-model")).hasValue("gpt-4o-mini");
        } finally {
            assertThat(node.admin("DELETE", "/admin/ai/models/openai/gpt-4o-mini", null).statusCode()).isEqualTo(204);
        }
        assertThat(node.admin("GET", "/admin/ai/models", null).body()).contains("\"id\":\"gpt-4o-mini\"");
    }

    @Test
    void anUnknownModelIs404InOpenAisShape() {
        HttpResponse<String> r = node.send(HttpRequest.newBuilder(node.data("/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"nope\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"Hi\"}]}")).build());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("\"code\":\"model_not_found\"", "\"type\":\"not_found_error\"");
    }
}
