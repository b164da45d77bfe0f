package dev.keyway.kernel.ai;

import dev.keyway.kernel.testing.CrossProviderGateway;
import dev.keyway.kernel.testing.FakeAnthropic;
import dev.keyway.kernel.testing.FakeOpenAi;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.AiSetup.at;
import static dev.keyway.kernel.testing.AiSetup.dataLines;
import static dev.keyway.kernel.testing.CrossProviderGateway.ANTHROPIC_SECRET;
import static dev.keyway.kernel.testing.CrossProviderGateway.HAIKU;
import static dev.keyway.kernel.testing.CrossProviderGateway.WEATHER_PARAMETERS;
import static dev.keyway.kernel.testing.CrossProviderGateway.WEATHER_TOOL;
import static dev.keyway.kernel.testing.CrossProviderGateway.ok;
import static dev.keyway.kernel.testing.CrossProviderGateway.userHi;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * OpenAI-style calls ({@code /v1/chat/completions}) to an Anthropic deployment, through plain HTTP so the test sees
 * the bytes. Checks what the fake Anthropic received (system prompt, max_tokens, tools and tool results translated),
 * what the caller got back (answers, streams, finish reasons, usage) and parameters Anthropic cannot take. The other
 * direction is {@link CrossProviderMessagesTest}.
 */
class CrossProviderChatTest {
    @TempDir
    static Path tmp;
    static FakeAnthropic anthropic;
    static FakeOpenAi openAi;
    static CrossProviderGateway gateway;

    @BeforeAll
    static void start() {
        anthropic = new FakeAnthropic();
        openAi = new FakeOpenAi();
        gateway = CrossProviderGateway.start(tmp.resolve("main"), anthropic, openAi, Map.of());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        anthropic.close();
        openAi.close();
    }

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

    @Test
    void theConfiguredDefaultMaxTokensIsWhatAnthropicGetsWhenTheCallerGaveNone() {
        try (FakeAnthropic own = new FakeAnthropic(); FakeOpenAi unused = new FakeOpenAi();
             CrossProviderGateway configured = CrossProviderGateway.start(tmp.resolve("configured"), own, unused,
                     Map.of("keyway.ai.default-max-tokens", "1000"))) {
            ok(configured.chat(userHi(HAIKU, "")));
            assertThat(own.received().getLast().body()).as("keyway.ai.default-max-tokens")
                    .containsEntry("max_tokens", 1000L);
        }
    }
}
