package dev.keyway.kernel.ai;

import dev.keyway.kernel.testing.CrossProviderGateway;
import dev.keyway.kernel.testing.FakeAnthropic;
import dev.keyway.kernel.testing.FakeOpenAi;
import dev.keyway.kernel.testing.TestNode;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.keyway.kernel.testing.AiSetup.at;
import static dev.keyway.kernel.testing.CrossProviderGateway.HAIKU;
import static dev.keyway.kernel.testing.CrossProviderGateway.OPENAI_SECRET;
import static dev.keyway.kernel.testing.CrossProviderGateway.WEATHER_PARAMETERS;
import static dev.keyway.kernel.testing.CrossProviderGateway.ok;
import static dev.keyway.kernel.testing.CrossProviderGateway.userHi;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Anthropic-style calls ({@code /v1/messages}) to an OpenAI deployment, through plain HTTP so the test sees the
 * bytes: what the fake OpenAI received and what the caller got back (answers, tool use, named stream events). Then
 * the call record of a cross-provider call, with its tokens and cost. The other direction is
 * {@link CrossProviderChatTest}.
 */
class CrossProviderMessagesTest {
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
