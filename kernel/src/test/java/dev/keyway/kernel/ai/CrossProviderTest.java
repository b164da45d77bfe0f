package dev.keyway.kernel.ai;

import dev.keyway.kernel.testing.FakeAnthropic;
import dev.keyway.kernel.testing.FakeOpenAi;
import dev.keyway.kernel.testing.Seeds;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.User;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.TestNode.field;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One protocol in, another out: OpenAI-style calls ({@code /v1/chat/completions}) to an Anthropic deployment and
 * Anthropic-style calls ({@code /v1/messages}) to an OpenAI deployment, through plain HTTP so the test sees the
 * bytes. Checks what each fake provider received (system prompt, max_tokens, tools and tool results translated),
 * what the caller got back (answers, streams, finish reasons, usage), parameters the target cannot take, and the
 * call record with its tokens and cost.
 */
class CrossProviderTest {
    static final String ANTHROPIC_SECRET = "sk-ant-upstream-SECRET-0123456789abcdef";
    static final String OPENAI_SECRET = "sk-openai-upstream-SECRET-0123456789abcdef";
    static final String HAIKU = "claude-3-5-haiku-20241022";
    static final Map<String, Object> WEATHER_PARAMETERS = Map.of("type", "object",
            "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city"));
    static final String WEATHER_TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Weather for a city\",\"parameters\":" + Json.write(WEATHER_PARAMETERS) + "}}";
    @TempDir
    static Path tmp;
    static FakeAnthropic anthropic;
    static FakeOpenAi openAi;
    static Gateway gateway;

    /**
     * A node with one AI service granting {@code HAIKU} and its alias {@code haiku} (Anthropic deployments) and
     * {@code gpt-4o} (an OpenAI deployment).
     */
    record Gateway(TestNode node, String key, String service, String haikuDeployment) implements AutoCloseable {
        static Gateway start(Path dir, FakeAnthropic anthropic, FakeOpenAi openAi, Map<String, String> overrides) {
            TestNode node = TestNode.start(dir.resolve("data"), TestNode.pluginsWith(dir.resolve("plugins"),
                    List.of("key-auth", "key-user", "subscription", "openai", "anthropic")), overrides);
            try {
                new Seeds(node).user("u-dev", User.Role.USER);
                String team = field(node.admin("POST", "/admin/teams", "{\"name\":\"ml\",\"owner\":\"u-dev\"}").body(),
                        "id");
                String app = field(node.admin("POST", "/admin/apps", "{\"teamId\":\"" + team
                        + "\",\"name\":\"bot\"}").body(), "id");
                String key = field(node.admin("POST", "/admin/keys", "{\"appId\":\"" + app
                        + "\",\"userId\":\"u-dev\"}").body(), "key");
                String service = created(node.admin("POST", "/admin/services", "{\"name\":\"llm\",\"teamId\":\"" + team
                        + "\",\"kind\":\"ai\",\"approval\":\"auto\",\"versions\":[{\"version\":\"v1\",\"models\":[\""
                        + HAIKU + "\",\"haiku\",\"gpt-4o\"],\"lifecycle\":\"published\"}]}"));
                node.subscribe(app, service);
                String anthropicKey = created(node.admin("POST", "/admin/ai/credentials", "{\"name\":\"anthropic\","
                        + "\"provider\":\"anthropic\",\"secret\":\"" + ANTHROPIC_SECRET + "\",\"teamId\":\"" + team
                        + "\"}"));
                String openAiKey = created(node.admin("POST", "/admin/ai/credentials", "{\"name\":\"openai\","
                        + "\"provider\":\"openai\",\"secret\":\"" + OPENAI_SECRET + "\",\"teamId\":\"" + team + "\"}"));
                created(deployment(node, HAIKU, HAIKU, "anthropic", anthropic.baseUrl(), anthropicKey, team));
                String haiku = created(deployment(node, "haiku", HAIKU, "anthropic", anthropic.baseUrl(), anthropicKey,
                        team));
                created(deployment(node, "gpt-4o", "gpt-4o", "openai", openAi.baseUrl(), openAiKey, team));
                return new Gateway(node, key, service, haiku);
            } catch (RuntimeException | Error e) {
                node.close();
                throw e;
            }
        }

        private static HttpResponse<String> deployment(TestNode node, String model, String upstreamModel,
                                                       String provider, String baseUrl, String credential,
                                                       String team) {
            return node.admin("POST", "/admin/ai/deployments", "{\"model\":\"" + model + "\",\"upstreamModel\":\""
                    + upstreamModel + "\",\"provider\":\"" + provider + "\",\"baseUrl\":\"" + baseUrl
                    + "\",\"credentialId\":\"" + credential + "\",\"teamId\":\"" + team + "\"}");
        }

        /** An OpenAI-style call; {@code headers} are extra name/value pairs. */
        HttpResponse<String> chat(String json, String... headers) {
            HttpRequest.Builder b = HttpRequest.newBuilder(node.data("/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json));
            for (int i = 0; i < headers.length; i += 2) {
                b.header(headers[i], headers[i + 1]);
            }
            return node.send(b.build());
        }

        /** An Anthropic-style call, authenticated as Anthropic's SDKs do. */
        HttpResponse<String> messages(String json) {
            return node.send(HttpRequest.newBuilder(node.data("/v1/messages"))
                    .header("x-api-key", key).header("anthropic-version", "2023-06-01")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json))
                    .build());
        }

        @Override
        public void close() {
            node.close();
        }
    }

    @BeforeAll
    static void start() {
        anthropic = new FakeAnthropic();
        openAi = new FakeOpenAi();
        gateway = Gateway.start(tmp.resolve("main"), anthropic, openAi, Map.of());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        anthropic.close();
        openAi.close();
    }

    static String created(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return field(r.body(), "id");
    }

    static Map<String, Object> ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parseObject(r.body());
    }

    @SuppressWarnings("unchecked")
    static <T> T at(Object json, Object... path) {
        Object v = json;
        for (Object step : path) {
            v = step instanceof Integer i ? ((List<Object>) v).get(i) : ((Map<String, Object>) v).get(step);
        }
        return (T) v;
    }

    static String userHi(String model, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    /** The JSON of every {@code data:} line of an SSE body, {@code [DONE]} left out. */
    static List<Map<String, Object>> dataLines(String body) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                out.add(Json.parseObject(line.substring(6)));
            }
        }
        return out;
    }

    /** An Anthropic event stream's events as (name, data) in order. */
    static List<Map.Entry<String, Map<String, Object>>> namedEvents(String body) {
        List<Map.Entry<String, Map<String, Object>>> out = new ArrayList<>();
        for (String frame : body.split("\n\n")) {
            String name = null;
            String data = null;
            for (String line : frame.split("\n")) {
                if (line.startsWith("event: ")) {
                    name = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = line.substring(6);
                }
            }
            if (name != null || data != null) {
                out.add(Map.entry(String.valueOf(name), data == null ? Map.of() : Json.parseObject(data)));
            }
        }
        return out;
    }

    // OpenAI-style in, Anthropic out.

    @Test
    void systemAndDeveloperMessagesAreFoldedIntoSystemAndTheDefaultMaxTokensIsSent() {
        Map<String, Object> answer = ok(gateway.chat("{\"model\":\"" + HAIKU + "\",\"temperature\":0.5,"
                + "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"developer\","
                + "\"content\":\"Answer in English.\"},{\"role\":\"user\",\"content\":\"Hi\"}]}"));

        assertThat(answer).containsEntry("object", "chat.completion").containsEntry("model", HAIKU);
        assertThat(at(answer, "choices", 0, "message", "content").toString()).isEqualTo(FakeAnthropic.TEXT);
        assertThat(at(answer, "choices", 0, "message", "role").toString()).isEqualTo("assistant");
        assertThat((Object) at(answer, "choices", 0, "finish_reason")).as("end_turn").isEqualTo("stop");
        assertThat((Object) at(answer, "usage")).isEqualTo(Map.of("prompt_tokens", FakeAnthropic.INPUT_TOKENS,
                "completion_tokens", FakeAnthropic.OUTPUT_TOKENS,
                "total_tokens", FakeAnthropic.INPUT_TOKENS + FakeAnthropic.OUTPUT_TOKENS));

        FakeAnthropic.Received got = anthropic.received().getLast();
        assertThat(got.path()).isEqualTo("/v1/messages");
        assertThat(got.header("x-api-key")).isEqualTo(ANTHROPIC_SECRET);
        assertThat(got.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(got.headers().toString()).doesNotContain(gateway.key());
        assertThat(got.body()).containsOnlyKeys("model", "max_tokens", "system", "messages", "temperature")
                .containsEntry("model", HAIKU).containsEntry("max_tokens", 4096L)
                .containsEntry("system", "Be brief.\n\nAnswer in English.")
                .containsEntry("messages", List.of(Map.of("role", "user", "content", "Hi")));
        assertThat(((Number) got.body().get("temperature")).doubleValue()).isEqualTo(0.5);
    }

    @Test
    void theCallersMaxTokensIsKept() {
        ok(gateway.chat(userHi(HAIKU, "\"max_completion_tokens\":100")));
        assertThat(anthropic.received().getLast().body()).containsEntry("max_tokens", 100L);
        ok(gateway.chat(userHi(HAIKU, "\"max_tokens\":50")));
        assertThat(anthropic.received().getLast().body()).containsEntry("max_tokens", 50L);
    }

    @Test
    void toolsGoOutAsAnthropicToolsAndAToolUseComesBackAsToolCalls() {
        Map<String, Object> answer = ok(gateway.chat("{\"model\":\"" + HAIKU + "\",\"tools\":[" + WEATHER_TOOL
                + "],\"tool_choice\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}"));

        assertThat((Object) at(answer, "choices", 0, "finish_reason")).as("tool_use").isEqualTo("tool_calls");
        assertThat((Object) at(answer, "choices", 0, "message", "content")).isEqualTo(FakeAnthropic.TOOL_PREAMBLE);
        assertThat((Object) at(answer, "choices", 0, "message", "tool_calls")).isEqualTo(List.of(Map.of(
                "id", FakeAnthropic.TOOL_USE_ID, "type", "function",
                "function", Map.of("name", "get_weather", "arguments", "{\"city\":\"Paris\"}"))));

        Map<String, Object> sent = anthropic.received().getLast().body();
        assertThat(sent.get("tools")).isEqualTo(List.of(Map.of("name", "get_weather",
                "description", "Weather for a city", "input_schema", WEATHER_PARAMETERS)));
        assertThat(sent.get("tool_choice")).isEqualTo(Map.of("type", "auto"));
    }

    @Test
    void aToolCallRoundTripBecomesToolUseAndMergedToolResultBlocks() {
        Map<String, Object> answer = ok(gateway.chat("{\"model\":\"" + HAIKU + "\",\"tools\":[" + WEATHER_TOOL
                + "],\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris and Rome?\"},"
                + "{\"role\":\"assistant\",\"content\":\"Let me check.\",\"tool_calls\":["
                + "{\"id\":\"toolu_paris\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
                + "{\"id\":\"toolu_rome\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_paris\",\"content\":\"18°C\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_rome\",\"content\":\"21°C\"}]}"));

        assertThat((Object) at(answer, "choices", 0, "message", "content")).isEqualTo(FakeAnthropic.TEXT);
        assertThat((Object) at(answer, "choices", 0, "finish_reason")).isEqualTo("stop");
        assertThat((Object) at(anthropic.received().getLast().body(), "messages")).isEqualTo(List.of(
                Map.of("role", "user", "content", "Weather in Paris and Rome?"),
                Map.of("role", "assistant", "content", List.of(
                        Map.of("type", "text", "text", "Let me check."),
                        Map.of("type", "tool_use", "id", "toolu_paris", "name", "get_weather",
                                "input", Map.of("city", "Paris")),
                        Map.of("type", "tool_use", "id", "toolu_rome", "name", "get_weather",
                                "input", Map.of("city", "Rome")))),
                Map.of("role", "user", "content", List.of(
                        Map.of("type", "tool_result", "tool_use_id", "toolu_paris", "content", "18°C"),
                        Map.of("type", "tool_result", "tool_use_id", "toolu_rome", "content", "21°C")))));
    }

    @Test
    void aStreamComesBackAsOpenAiChunksWithAFinalUsageChunkWhenAsked() {
        HttpResponse<String> r = gateway.chat(userHi(HAIKU, "\"stream\":true,\"stream_options\":"
                + "{\"include_usage\":true}"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("text/event-stream"));
        assertThat(r.body()).endsWith("data: [DONE]\n\n").doesNotContain("event: ");

        List<Map<String, Object>> chunks = dataLines(r.body());
        assertThat(chunks).allSatisfy(c -> assertThat(c).containsEntry("object", "chat.completion.chunk")
                .containsEntry("model", HAIKU));
        StringBuilder text = new StringBuilder();
        List<Object> reasons = new ArrayList<>();
        for (Map<String, Object> c : chunks.subList(0, chunks.size() - 1)) {
            if (at(c, "choices", 0, "delta", "content") instanceof String s) {
                text.append(s);
            }
            if (at(c, "choices", 0, "finish_reason") != null) {
                reasons.add(at(c, "choices", 0, "finish_reason"));
            }
        }
        assertThat(text).hasToString(FakeAnthropic.TEXT);
        assertThat(reasons).containsExactly("stop");
        Map<String, Object> last = chunks.getLast();
        assertThat(last).containsEntry("choices", List.of());
        assertThat((Object) at(last, "usage")).as("input from message_start, output from the last message_delta")
                .isEqualTo(Map.of("prompt_tokens", FakeAnthropic.INPUT_TOKENS,
                        "completion_tokens", FakeAnthropic.OUTPUT_TOKENS,
                        "total_tokens", FakeAnthropic.INPUT_TOKENS + FakeAnthropic.OUTPUT_TOKENS));
        assertThat(anthropic.received().getLast().body()).containsEntry("stream", true)
                .doesNotContainKey("stream_options");

        HttpResponse<String> plain = gateway.chat(userHi(HAIKU, "\"stream\":true"));
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).contains("\"content\":\"Hello\"").endsWith("data: [DONE]\n\n")
                .doesNotContain("\"usage\"");
    }

    @Test
    void aStreamedToolUseComesBackAsToolCallDeltas() {
        HttpResponse<String> r = gateway.chat("{\"model\":\"" + HAIKU + "\",\"stream\":true,\"tools\":["
                + WEATHER_TOOL + "],\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        StringBuilder text = new StringBuilder();
        StringBuilder arguments = new StringBuilder();
        List<Map<String, Object>> starts = new ArrayList<>();
        List<Object> reasons = new ArrayList<>();
        for (Map<String, Object> c : dataLines(r.body())) {
            Map<String, Object> delta = at(c, "choices", 0, "delta");
            if (delta.get("content") instanceof String s) {
                text.append(s);
            }
            if (delta.get("tool_calls") instanceof List<?> calls) {
                Map<String, Object> call = at(calls, 0);
                assertThat(call).containsEntry("index", 0L);
                if (call.containsKey("id")) {
                    starts.add(call);
                }
                arguments.append((String) at(call, "function", "arguments"));
            }
            if (at(c, "choices", 0, "finish_reason") != null) {
                reasons.add(at(c, "choices", 0, "finish_reason"));
            }
        }
        assertThat(text).hasToString(FakeAnthropic.TOOL_PREAMBLE);
        assertThat(starts).singleElement().satisfies(s -> {
            assertThat(s).containsEntry("id", FakeAnthropic.TOOL_USE_ID).containsEntry("type", "function");
            assertThat((Object) at(s, "function", "name")).isEqualTo("get_weather");
        });
        assertThat(Json.parseObject(arguments.toString())).isEqualTo(Map.of("city", "Paris"));
        assertThat(reasons).as("tool_use").containsExactly("tool_calls");
    }

    @Test
    void aTemperatureAboveOneIsRefusedNamingTemperatureAndNothingIsSent() {
        int before = anthropic.received().size();
        HttpResponse<String> r = gateway.chat(userHi(HAIKU, "\"temperature\":1.5"));

        assertThat(r.statusCode()).isEqualTo(400);
        Map<String, Object> error = at(Json.parseObject(r.body()), "error");
        assertThat(error).containsEntry("type", "invalid_request_error").containsEntry("param", "temperature");
        assertThat(error.get("message").toString()).contains("temperature", "0", "1");
        assertThat(anthropic.received()).as("nothing reached the provider").hasSize(before);
    }

    @Test
    void anOpenAiOnlyParameterIsRefusedUnlessTheCallerAsksToDropIt() {
        int before = anthropic.received().size();
        HttpResponse<String> refused = gateway.chat(userHi(HAIKU, "\"logprobs\":true"));

        assertThat(refused.statusCode()).isEqualTo(400);
        Map<String, Object> error = at(Json.parseObject(refused.body()), "error");
        assertThat(error).containsEntry("code", "unsupported_parameter").containsEntry("param", "logprobs");
        assertThat(error.get("message").toString()).contains("logprobs", "anthropic", "x-keyway-drop-params");
        assertThat(anthropic.received()).as("nothing reached the provider").hasSize(before);

        Map<String, Object> answer = ok(gateway.chat(userHi(HAIKU, "\"logprobs\":true"),
                "x-keyway-drop-params", "true"));
        assertThat((Object) at(answer, "choices", 0, "message", "content")).isEqualTo(FakeAnthropic.TEXT);
        assertThat(anthropic.received()).hasSize(before + 1);
        assertThat(anthropic.received().getLast().body()).doesNotContainKey("logprobs");
    }

    // Anthropic-style in, OpenAI out.

    @Test
    void anAnthropicCallToAnOpenAiDeploymentIsAnsweredInAnthropicsShape() {
        Map<String, Object> answer = ok(gateway.messages("{\"model\":\"gpt-4o\",\"max_tokens\":100,"
                + "\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

        assertThat(answer).containsEntry("type", "message").containsEntry("role", "assistant")
                .containsEntry("model", "gpt-4o").containsEntry("stop_reason", "end_turn")
                .containsEntry("content", List.of(Map.of("type", "text", "text", "Hello world")));
        assertThat(answer.get("id").toString()).startsWith("msg_");
        assertThat((Object) at(answer, "usage", "input_tokens")).isEqualTo(FakeOpenAi.PROMPT_TOKENS);
        assertThat((Object) at(answer, "usage", "output_tokens")).isEqualTo(FakeOpenAi.COMPLETION_TOKENS);

        FakeOpenAi.Received got = openAi.received().getLast();
        assertThat(got.path()).isEqualTo("/v1/chat/completions");
        assertThat(got.header("Authorization")).isEqualTo("Bearer " + OPENAI_SECRET);
        assertThat(got.header("x-api-key")).isNull();
        assertThat(got.headers().toString()).doesNotContain(gateway.key());
        assertThat(got.body()).containsEntry("model", "gpt-4o").containsEntry("max_completion_tokens", 100L)
                .containsEntry("messages", List.of(Map.of("role", "system", "content", "Be brief."),
                        Map.of("role", "user", "content", "Hi")));
    }

    @Test
    void anAnthropicToolDefinitionReachesOpenAiAndItsToolCallComesBackAsToolUse() {
        Map<String, Object> answer = ok(gateway.messages("{\"model\":\"gpt-4o\",\"max_tokens\":100,\"tools\":[{"
                + "\"name\":\"get_weather\",\"description\":\"Weather for a city\",\"input_schema\":"
                + Json.write(WEATHER_PARAMETERS) + "}],\"messages\":[{\"role\":\"user\",\"content\":\"Paris?\"}]}"));

        assertThat(answer).containsEntry("stop_reason", "tool_use").containsEntry("content", List.of(Map.of(
                "type", "tool_use", "id", "call_1", "name", "get_weather", "input", Map.of("city", "Paris"))));
        assertThat(openAi.received().getLast().body().get("tools")).isEqualTo(List.of(Map.of("type", "function",
                "function", Map.of("name", "get_weather", "description", "Weather for a city",
                        "parameters", WEATHER_PARAMETERS))));
    }

    @Test
    void anAnthropicStreamFromAnOpenAiDeploymentIsAnthropicsNamedEvents() {
        HttpResponse<String> r = gateway.messages("{\"model\":\"gpt-4o\",\"max_tokens\":100,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("text/event-stream"));
        assertThat(r.body()).doesNotContain("[DONE]");

        List<Map.Entry<String, Map<String, Object>>> events = namedEvents(r.body());
        assertThat(events).allSatisfy(e -> assertThat(e.getValue()).containsEntry("type", e.getKey()));
        assertThat(events.stream().map(Map.Entry::getKey).toList()).containsExactly("message_start",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop");
        StringBuilder text = new StringBuilder();
        events.stream().filter(e -> e.getKey().equals("content_block_delta"))
                .forEach(e -> text.append((String) at(e.getValue(), "delta", "text")));
        assertThat(text).hasToString("Hello world");
        Map<String, Object> start = events.getFirst().getValue();
        assertThat((Object) at(start, "message", "model")).isEqualTo("gpt-4o");
        assertThat(at(start, "message", "id").toString()).startsWith("msg_");
        Map<String, Object> delta = events.get(6).getValue();
        assertThat((Object) at(delta, "delta", "stop_reason")).isEqualTo("end_turn");
        assertThat((Object) at(delta, "usage", "output_tokens")).isEqualTo(FakeOpenAi.COMPLETION_TOKENS);
        assertThat((Object) at(delta, "usage", "input_tokens")).isEqualTo(FakeOpenAi.PROMPT_TOKENS);

        Map<String, Object> sent = openAi.received().getLast().body();
        assertThat(sent).containsEntry("stream", true)
                .containsEntry("messages", List.of(Map.of("role", "user", "content", "Hi")));
        assertThat(sent.get("stream_options")).as("the gateway asks OpenAI for usage")
                .isEqualTo(Map.of("include_usage", true));
    }

    // What is recorded.

    @Test
    void theCallRecordCarriesModelProviderDeploymentTokensAndTheCatalogsCost() throws Exception {
        BigDecimal expected = catalogCost("anthropic", HAIKU, FakeAnthropic.INPUT_TOKENS, FakeAnthropic.OUTPUT_TOKENS);
        assertThat(expected).isPositive();

        HttpResponse<String> r = gateway.chat(userHi("haiku", ""));
        ok(r);
        assertThat(new BigDecimal(r.headers().firstValue("x-keyway-cost-usd").orElseThrow()))
                .isEqualByComparingTo(expected);
        Map<String, Object> ai = at(callRecord(r.headers().firstValue("X-Request-Id").orElseThrow()), "ai");
        assertThat(ai).containsEntry("model", "haiku").containsEntry("provider", "anthropic")
                .containsEntry("deploymentId", gateway.haikuDeployment()).containsEntry("upstreamModel", HAIKU)
                .containsEntry("inputTokens", FakeAnthropic.INPUT_TOKENS)
                .containsEntry("outputTokens", FakeAnthropic.OUTPUT_TOKENS).containsEntry("stream", false);
        assertThat(new BigDecimal(ai.get("costUsd").toString())).isEqualByComparingTo(expected);

        HttpResponse<String> streamed = gateway.chat(userHi("haiku", "\"stream\":true"));
        assertThat(streamed.statusCode()).isEqualTo(200);
        Map<String, Object> record = callRecord(streamed.headers().firstValue("X-Request-Id").orElseThrow());
        assertThat(record).containsEntry("status", 200L);
        Map<String, Object> streamedAi = at(record, "ai");
        assertThat(streamedAi).as("a stream's usage: input from message_start, output from the last message_delta")
                .containsEntry("inputTokens", FakeAnthropic.INPUT_TOKENS)
                .containsEntry("outputTokens", FakeAnthropic.OUTPUT_TOKENS).containsEntry("stream", true);
        assertThat(new BigDecimal(streamedAi.get("costUsd").toString())).isEqualByComparingTo(expected);
    }

    @Test
    void theConfiguredDefaultMaxTokensIsWhatAnthropicGetsWhenTheCallerGaveNone() {
        try (FakeAnthropic own = new FakeAnthropic(); FakeOpenAi unused = new FakeOpenAi();
             Gateway configured = Gateway.start(tmp.resolve("configured"), own, unused,
                     Map.of("keyway.ai.default-max-tokens", "1000"))) {
            ok(configured.chat(userHi(HAIKU, "")));
            assertThat(own.received().getLast().body()).as("keyway.ai.default-max-tokens")
                    .containsEntry("max_tokens", 1000L);
        }
    }

    /** input × inputPrice / 1e6 + output × outputPrice / 1e6, prices from the shipped catalog file. */
    static BigDecimal catalogCost(String provider, String model, long input, long output) throws IOException {
        Map<String, Object> catalog = Json.parseObject(Files.readString(TestNode.root()
                .resolve("kernel/src/main/resources/ai/models.json")));
        for (Object o : (List<?>) catalog.get("models")) {
            Map<String, Object> m = at(o);
            if (provider.equals(m.get("provider")) && model.equals(m.get("id"))) {
                BigDecimal million = BigDecimal.valueOf(1_000_000);
                return new BigDecimal(m.get("inputPrice").toString()).multiply(BigDecimal.valueOf(input))
                        .divide(million).add(new BigDecimal(m.get("outputPrice").toString())
                                .multiply(BigDecimal.valueOf(output)).divide(million));
            }
        }
        throw new IllegalStateException(provider + "/" + model + " is not in the shipped catalog");
    }

    /** The call record of {@code requestId} from the admin plane; records are written asynchronously. */
    static Map<String, Object> callRecord(String requestId) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            HttpResponse<String> r = gateway.node().admin("GET", "/admin/calls?serviceId=" + gateway.service()
                    + "&limit=1000", null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            last = r.body();
            for (Object o : (List<?>) Json.parseObject(r.body()).get("data")) {
                Map<String, Object> record = at(o);
                if (requestId.equals(record.get("requestId"))) {
                    return new LinkedHashMap<>(record);
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no call record for request " + requestId + " within 10 s; last page: " + last);
    }
}
