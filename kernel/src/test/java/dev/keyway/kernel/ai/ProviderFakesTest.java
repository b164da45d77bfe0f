package dev.keyway.kernel.ai;

import dev.keyway.kernel.testing.AiSetup;
import dev.keyway.kernel.testing.FakeGemini;
import dev.keyway.kernel.testing.FakeOllama;
import dev.keyway.kernel.testing.FakeOpenAi;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.keyway.kernel.testing.AiSetup.at;
import static dev.keyway.kernel.testing.AiSetup.dataLines;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * OpenAI-style callers (and one Anthropic-style) reaching Gemini, Ollama and Mistral deployments through the gateway,
 * each provider a local fake speaking its own wire format: what the caller gets back (answers, streams, tool calls,
 * usage, errors) and what each provider received (URL, credential header, translated body). The node's upstream
 * timeout is 1 s so a slow provider's 504 costs little.
 */
class ProviderFakesTest {
    static final String GEMINI_SECRET = "AIza-gemini-upstream-SECRET-0123456789";
    static final String MISTRAL_SECRET = "mistral-upstream-SECRET-0123456789abcdef";
    static final String GEMINI_MODEL = "gemini-2.5-flash";
    static final String GENERATE = "/v1beta/models/" + GEMINI_MODEL + ":generateContent";
    static final Map<String, Object> WEATHER_PARAMETERS = Map.of("type", "object",
            "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city"));
    static final String WEATHER_TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Weather for a city\",\"parameters\":" + Json.write(WEATHER_PARAMETERS) + "}}";
    @TempDir
    static Path tmp;
    static FakeGemini gemini;
    static FakeOllama ollama;
    static FakeOpenAi mistral;
    static AiSetup ai;

    @BeforeAll
    static void start() {
        gemini = new FakeGemini();
        ollama = new FakeOllama();
        mistral = new FakeOpenAi();
        ai = AiSetup.start(tmp, List.of("key-auth", "key-user", "subscription", "gemini", "ollama", "mistral"),
                List.of("gem", "gem-retry", "gem-slow", "gem-embed", "llama", "llama-embed", "mis"),
                Map.of("keyway.ai.timeout", "PT1S"));
        String geminiKey = ai.credential("gemini", GEMINI_SECRET);
        String mistralKey = ai.credential("mistral", MISTRAL_SECRET);
        // One deployment per concern: breakers count failures per deployment.
        for (String model : List.of("gem", "gem-retry", "gem-slow")) {
            ai.deploy(model, GEMINI_MODEL, "gemini", gemini.baseUrl(), geminiKey);
        }
        ai.deploy("gem-embed", "text-embedding-004", "gemini", gemini.baseUrl(), geminiKey);
        ai.deploy("llama", "llama3.2", "ollama", ollama.baseUrl(), null);
        ai.deploy("llama-embed", "nomic-embed-text", "ollama", ollama.baseUrl(), null);
        ai.deploy("mis", "mistral-small-latest", "mistral", mistral.baseUrl(), mistralKey);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {ai, gemini, ollama, mistral}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    @BeforeEach
    void clear() {
        gemini.clearQueues();
        ollama.clearFailures();
        gemini.received().clear();
        ollama.received().clear();
        mistral.received().clear();
    }

    static Map<String, Object> ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parseObject(r.body());
    }

    static Map<String, Object> usage(long prompt, long completion) {
        return Map.of("prompt_tokens", prompt, "completion_tokens", completion, "total_tokens", prompt + completion);
    }

    /** An embedding's numbers as doubles (the JSON reader keeps decimals in their exact form). */
    static List<Double> vector(List<Number> values) {
        return values.stream().map(Number::doubleValue).toList();
    }

    /** The text of a streamed answer's content deltas. */
    static String streamedText(List<Map<String, Object>> chunks) {
        return chunks.stream().filter(c -> !((List<?>) c.get("choices")).isEmpty())
                .map(c -> (String) at(c, "choices", 0, "delta", "content")).filter(t -> t != null)
                .collect(Collectors.joining());
    }

    static String toolRoundTrip(String model, String toolCallId, String result) {
        return "{\"model\":\"" + model + "\",\"tools\":[" + WEATHER_TOOL + "],\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"" + toolCallId + "\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"" + toolCallId + "\",\"content\":" + Json.write(result)
                + "}]}";
    }

    /** Asserts an SSE body of OpenAI chunks for {@code model} ending in [DONE], and returns the chunks. */
    static List<Map<String, Object>> openAiStream(HttpResponse<String> r, String model) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("text/event-stream"));
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        List<Map<String, Object>> chunks = dataLines(r.body());
        assertThat(chunks).isNotEmpty().allSatisfy(c -> assertThat(c)
                .containsEntry("object", "chat.completion.chunk").containsEntry("model", model));
        return chunks;
    }

    // Gemini.

    @Test
    void geminiGetsAGenerateContentRequestWithItsKeyAndTheCallerAnOpenAiAnswer() {
        HttpResponse<String> r = ai.chat("{\"model\":\"gem\",\"temperature\":0.3,\"top_p\":0.9,\"max_tokens\":64,"
                + "\"stop\":[\"END\"],\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"},"
                + "{\"role\":\"user\",\"content\":\"Weather?\"}]}");
        Map<String, Object> answer = ok(r);

        assertThat(answer).containsEntry("object", "chat.completion").containsEntry("model", "gem");
        assertThat((Object) at(answer, "choices", 0, "message", "content")).isEqualTo(FakeGemini.TEXT);
        assertThat((Object) at(answer, "choices", 0, "finish_reason")).as("STOP").isEqualTo("stop");
        assertThat((Object) at(answer, "usage")).isEqualTo(usage(FakeGemini.PROMPT_TOKENS,
                FakeGemini.CANDIDATES_TOKENS));
        assertThat(r.headers().firstValue("x-keyway-provider")).hasValue("gemini");

        FakeGemini.Received got = gemini.received().getLast();
        assertThat(got.path()).isEqualTo(GENERATE);
        assertThat(got.header("x-goog-api-key")).isEqualTo(GEMINI_SECRET);
        assertThat(got.header("Authorization")).isNull();
        assertThat(got.headers().toString()).doesNotContain(ai.key());
        assertThat(got.body()).containsOnlyKeys("contents", "systemInstruction", "generationConfig");
        assertThat(got.body().get("systemInstruction")).isEqualTo(Map.of("parts", List.of(Map.of("text",
                "Be brief."))));
        assertThat(got.body().get("contents")).isEqualTo(List.of(
                Map.of("role", "user", "parts", List.of(Map.of("text", "Hi"))),
                Map.of("role", "model", "parts", List.of(Map.of("text", "Hello!"))),
                Map.of("role", "user", "parts", List.of(Map.of("text", "Weather?")))));
        Map<String, Object> config = at(got.body(), "generationConfig");
        assertThat(config).containsOnlyKeys("temperature", "topP", "maxOutputTokens", "stopSequences")
                .containsEntry("maxOutputTokens", 64L).containsEntry("stopSequences", List.of("END"));
        assertThat(((Number) config.get("temperature")).doubleValue()).isEqualTo(0.3);
        assertThat(((Number) config.get("topP")).doubleValue()).isEqualTo(0.9);
    }

    @Test
    void aGeminiStreamComesBackAsOpenAiChunksWithUsageOnlyWhenAsked() {
        List<Map<String, Object>> chunks = openAiStream(ai.chat("{\"model\":\"gem\",\"stream\":true,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"Hi\"}]}"), "gem");
        assertThat(streamedText(chunks)).isEqualTo(FakeGemini.TEXT);
        assertThat((Object) at(chunks.getLast(), "choices", 0, "finish_reason")).isEqualTo("stop");
        assertThat(chunks).noneSatisfy(c -> assertThat(c).containsKey("usage"));
        FakeGemini.Received got = gemini.received().getLast();
        assertThat(got.path()).isEqualTo("/v1beta/models/" + GEMINI_MODEL + ":streamGenerateContent?alt=sse");
        assertThat(got.header("x-goog-api-key")).isEqualTo(GEMINI_SECRET);

        List<Map<String, Object>> withUsage = openAiStream(ai.chat("{\"model\":\"gem\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"),
                "gem");
        assertThat(streamedText(withUsage)).isEqualTo(FakeGemini.TEXT);
        Map<String, Object> last = withUsage.getLast();
        assertThat(last).containsEntry("choices", List.of());
        assertThat(last.get("usage")).isEqualTo(usage(FakeGemini.PROMPT_TOKENS, FakeGemini.CANDIDATES_TOKENS));
        assertThat(withUsage.subList(0, withUsage.size() - 1)).noneSatisfy(c -> assertThat(c).containsKey("usage"));
    }

    @Test
    void aGeminiFunctionCallComesBackAsToolCallsAndItsResultGoesBackAsAFunctionResponse() {
        Map<String, Object> call = ok(ai.chat("{\"model\":\"gem\",\"tools\":[" + WEATHER_TOOL + "],\"tool_choice\":"
                + "\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}"));
        assertThat((Object) at(call, "choices", 0, "finish_reason")).as("STOP with a functionCall")
                .isEqualTo("tool_calls");
        assertThat((Object) at(call, "choices", 0, "message", "content")).isNull();
        List<Map<String, Object>> calls = at(call, "choices", 0, "message", "tool_calls");
        assertThat(calls).hasSize(1);
        assertThat(calls.getFirst()).containsEntry("type", "function").containsEntry("function",
                Map.of("name", "get_weather", "arguments", "{\"city\":\"Paris\"}"));
        String id = (String) calls.getFirst().get("id");
        assertThat(id).as("Gemini sends no call id: the gateway numbers them").isEqualTo("call_0");
        Map<String, Object> sent = gemini.received().getLast().body();
        assertThat(sent.get("tools")).isEqualTo(List.of(Map.of("functionDeclarations", List.of(Map.of(
                "name", "get_weather", "description", "Weather for a city", "parameters", WEATHER_PARAMETERS)))));
        assertThat(sent.get("toolConfig")).isEqualTo(Map.of("functionCallingConfig", Map.of("mode", "AUTO")));

        Map<String, Object> answer = ok(ai.chat(toolRoundTrip("gem", id, "{\"temperature\":18,\"unit\":\"C\"}")));
        assertThat((Object) at(answer, "choices", 0, "message", "content")).isEqualTo(FakeGemini.TEXT);
        assertThat((Object) at(answer, "choices", 0, "finish_reason")).isEqualTo("stop");
        assertThat(gemini.received().getLast().body().get("contents")).isEqualTo(List.of(
                Map.of("role", "user", "parts", List.of(Map.of("text", "Weather in Paris?"))),
                Map.of("role", "model", "parts", List.of(Map.of("functionCall", Map.of("name", "get_weather",
                        "args", Map.of("city", "Paris")), "thoughtSignature", "skip_thought_signature_validator"))),
                Map.of("role", "user", "parts", List.of(Map.of("functionResponse", Map.of("name", "get_weather",
                        "response", Map.of("temperature", 18L, "unit", "C")))))));
    }

    @Test
    void aStreamedGeminiFunctionCallArrivesAsOneToolCallChunk() {
        List<Map<String, Object>> chunks = openAiStream(ai.chat("{\"model\":\"gem\",\"stream\":true,\"tools\":["
                + WEATHER_TOOL + "],\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}"), "gem");
        StringBuilder arguments = new StringBuilder();
        String name = null;
        for (Map<String, Object> c : chunks) {
            List<Map<String, Object>> calls = at(c, "choices", 0, "delta", "tool_calls");
            for (Map<String, Object> t : calls == null ? List.<Map<String, Object>>of() : calls) {
                name = name != null ? name : (String) at(t, "function", "name");
                arguments.append((String) at(t, "function", "arguments"));
            }
        }
        assertThat(name).isEqualTo("get_weather");
        assertThat(arguments).hasToString("{\"city\":\"Paris\"}");
        assertThat((Object) at(chunks.getLast(), "choices", 0, "finish_reason")).isEqualTo("tool_calls");
    }

    @Test
    void aGemini429IsRetriedAfterItsRetryAfterThenServed() {
        gemini.failNext(429, Map.of("Retry-After", "1"), FakeGemini.error(429, "RESOURCE_EXHAUSTED",
                "Resource has been exhausted (e.g. check quota)."));
        long t0 = System.nanoTime();
        Map<String, Object> answer = ok(ai.chat("{\"model\":\"gem-retry\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Hi\"}]}"));
        assertThat((System.nanoTime() - t0) / 1_000_000).as("waited for Retry-After").isGreaterThanOrEqualTo(900);
        assertThat((Object) at(answer, "choices", 0, "message", "content")).isEqualTo(FakeGemini.TEXT);
        assertThat(gemini.received()).hasSize(2).allSatisfy(g -> assertThat(g.path()).isEqualTo(GENERATE));
    }

    @Test
    void aGemini429WithoutRetryAfterWaitsForTheRetryDelayInItsBody() {
        gemini.failNext(429, Map.of(), Json.write(Map.of("error", Map.of("code", 429, "status", "RESOURCE_EXHAUSTED",
                "message", "You exceeded your current quota.", "details", List.of(Map.of(
                        "@type", "type.googleapis.com/google.rpc.RetryInfo", "retryDelay", "1s"))))));
        long t0 = System.nanoTime();
        ok(ai.chat("{\"model\":\"gem-retry\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
        assertThat((System.nanoTime() - t0) / 1_000_000).as("RetryInfo.retryDelay").isGreaterThanOrEqualTo(900);
        assertThat(gemini.received()).hasSize(2);
    }

    @Test
    void aGeminiThatStaysUnavailableIsA503WithRetryAfterInOpenAisErrorShape() {
        String unavailable = FakeGemini.error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
        gemini.failNext(503, Map.of(), unavailable).failNext(503, Map.of(), unavailable);
        HttpResponse<String> r = ai.chat("{\"model\":\"gem-retry\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Hi\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        Map<String, Object> error = at(Json.parseObject(r.body()), "error");
        assertThat(error).containsEntry("code", "upstream_overloaded");
        assertThat((String) error.get("message")).contains("The model is overloaded.");
        assertThat(gemini.received()).as("keyway.ai.max-attempts").hasSize(2);
    }

    @Test
    void aProviderSlowerThanTheGatewayTimeoutIsA504() {
        gemini.delayNext(Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        HttpResponse<String> r = ai.chat("{\"model\":\"gem-slow\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Hi\"}]}");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
        assertThat((Object) at(Json.parseObject(r.body()), "error", "code")).isEqualTo("upstream_timeout");
        assertThat(millis).as("keyway.ai.timeout PT1S, not the provider's 2 s").isBetween(900L, 1900L);
        assertThat(gemini.received()).as("a timeout is not retried").hasSize(1);
    }

    @Test
    void geminiEmbeddingsGoToBatchEmbedContents() {
        Map<String, Object> answer = ok(ai.embeddings("{\"model\":\"gem-embed\",\"input\":[\"alpha\",\"beta\"],"
                + "\"dimensions\":3}"));
        assertThat(answer).containsEntry("object", "list").containsEntry("model", "gem-embed");
        assertThat((List<?>) answer.get("data")).hasSize(2);
        assertThat(vector(at(answer, "data", 1, "embedding"))).isEqualTo(FakeGemini.EMBEDDING);
        assertThat((Object) at(answer, "data", 1, "index")).isEqualTo(1L);

        FakeGemini.Received got = gemini.received().getLast();
        assertThat(got.path()).isEqualTo("/v1beta/models/text-embedding-004:batchEmbedContents");
        assertThat(got.header("x-goog-api-key")).isEqualTo(GEMINI_SECRET);
        assertThat(got.body()).isEqualTo(Map.of("requests", List.of(
                Map.of("model", "models/text-embedding-004", "content", Map.of("parts", List.of(Map.of("text",
                        "alpha"))), "outputDimensionality", 3L),
                Map.of("model", "models/text-embedding-004", "content", Map.of("parts", List.of(Map.of("text",
                        "beta"))), "outputDimensionality", 3L))));
    }

    @Test
    void anAnthropicCallerGetsGeminisAnswerInAnthropicsShape() {
        Map<String, Object> answer = ok(ai.messages("{\"model\":\"gem\",\"max_tokens\":100,\"system\":\"Be brief.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
        assertThat(answer).containsEntry("type", "message").containsEntry("role", "assistant")
                .containsEntry("model", "gem").containsEntry("stop_reason", "end_turn")
                .containsEntry("content", List.of(Map.of("type", "text", "text", FakeGemini.TEXT)));
        assertThat((String) answer.get("id")).startsWith("msg_");
        assertThat((Object) at(answer, "usage", "input_tokens")).isEqualTo(FakeGemini.PROMPT_TOKENS);
        assertThat((Object) at(answer, "usage", "output_tokens")).isEqualTo(FakeGemini.CANDIDATES_TOKENS);

        FakeGemini.Received got = gemini.received().getLast();
        assertThat(got.path()).isEqualTo(GENERATE);
        assertThat(got.body().get("systemInstruction")).isEqualTo(Map.of("parts", List.of(Map.of("text",
                "Be brief."))));
        assertThat(got.body().get("generationConfig")).isEqualTo(Map.of("maxOutputTokens", 100L));
        assertThat(got.body().get("contents")).isEqualTo(List.of(Map.of("role", "user", "parts",
                List.of(Map.of("text", "Hi")))));
    }

    @Test
    void anAnthropicCallerGetsGeminisStreamAsAnthropicEventsWithBothTokenCounts() {
        HttpResponse<String> r = ai.messages("{\"model\":\"gem\",\"max_tokens\":100,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> names = r.body().lines().filter(l -> l.startsWith("event: ")).map(l -> l.substring(7)).toList();
        assertThat(names).startsWith("message_start", "content_block_start").endsWith("content_block_stop",
                "message_delta", "message_stop").doesNotContain("error");
        assertThat(r.body()).doesNotContain("[DONE]");
        List<Map<String, Object>> data = dataLines(r.body());
        String text = data.stream().filter(d -> "content_block_delta".equals(d.get("type")))
                .map(d -> (String) at(d, "delta", "text")).collect(Collectors.joining());
        assertThat(text).isEqualTo(FakeGemini.TEXT);
        Map<String, Object> delta = data.stream().filter(d -> "message_delta".equals(d.get("type"))).findFirst()
                .orElseThrow();
        assertThat((Object) at(delta, "delta", "stop_reason")).isEqualTo("end_turn");
        assertThat((Object) at(delta, "usage", "output_tokens")).isEqualTo(FakeGemini.CANDIDATES_TOKENS);
        assertThat((Object) at(delta, "usage", "input_tokens")).as("Gemini reports the prompt only at the end")
                .isEqualTo(FakeGemini.PROMPT_TOKENS);
        assertThat(gemini.received().getLast().path()).endsWith(":streamGenerateContent?alt=sse");
    }

    // Ollama.

    @Test
    void ollamaGetsANonStreamedChatWithOptionsAndNoAuthorization() {
        Map<String, Object> answer = ok(ai.chat("{\"model\":\"llama\",\"temperature\":0.2,\"max_tokens\":32,"
                + "\"seed\":7,\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Hi\"}]}"));
        assertThat(answer).containsEntry("object", "chat.completion").containsEntry("model", "llama");
        assertThat((Object) at(answer, "choices", 0, "message", "content")).isEqualTo(FakeOllama.TEXT);
        assertThat((Object) at(answer, "choices", 0, "finish_reason")).isEqualTo("stop");
        assertThat((Object) at(answer, "usage")).isEqualTo(usage(FakeOllama.PROMPT_EVAL_COUNT,
                FakeOllama.EVAL_COUNT));

        FakeOllama.Received got = ollama.received().getLast();
        assertThat(got.path()).isEqualTo("/api/chat");
        assertThat(got.header("Authorization")).as("no credential, no Authorization").isNull();
        assertThat(got.headers().toString()).doesNotContain(ai.key());
        assertThat(got.body()).containsOnlyKeys("model", "messages", "stream", "options")
                .containsEntry("model", "llama3.2").containsEntry("stream", false)
                .containsEntry("messages", List.of(Map.of("role", "system", "content", "Be brief."),
                        Map.of("role", "user", "content", "Hi")));
        Map<String, Object> options = at(got.body(), "options");
        assertThat(options).containsOnlyKeys("temperature", "num_predict", "seed")
                .containsEntry("num_predict", 32L).containsEntry("seed", 7L);
        assertThat(((Number) options.get("temperature")).doubleValue()).isEqualTo(0.2);
    }

    @Test
    void anOllamaNdjsonStreamComesBackAsOpenAiChunksWithUsageOnlyWhenAsked() {
        List<Map<String, Object>> chunks = openAiStream(ai.chat("{\"model\":\"llama\",\"stream\":true,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"Hi\"}]}"), "llama");
        assertThat(streamedText(chunks)).isEqualTo(FakeOllama.TEXT);
        assertThat((Object) at(chunks.getLast(), "choices", 0, "finish_reason")).isEqualTo("stop");
        assertThat(chunks).noneSatisfy(c -> assertThat(c).containsKey("usage"));
        assertThat(ollama.received().getLast().body()).containsEntry("stream", true);

        List<Map<String, Object>> withUsage = openAiStream(ai.chat("{\"model\":\"llama\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"),
                "llama");
        assertThat(streamedText(withUsage)).isEqualTo(FakeOllama.TEXT);
        assertThat(withUsage.getLast()).containsEntry("choices", List.of());
        assertThat(withUsage.getLast().get("usage")).isEqualTo(usage(FakeOllama.PROMPT_EVAL_COUNT,
                FakeOllama.EVAL_COUNT));
        FakeOllama.Received got = ollama.received().getLast();
        assertThat(got.body()).containsEntry("stream", true).doesNotContainKey("stream_options");
    }

    @Test
    void anOllamaToolCallComesBackAsToolCallsAndItsResultGoesBackAsAToolMessage() {
        Map<String, Object> call = ok(ai.chat("{\"model\":\"llama\",\"tools\":[" + WEATHER_TOOL + "],\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}"));
        assertThat((Object) at(call, "choices", 0, "finish_reason")).isEqualTo("tool_calls");
        List<Map<String, Object>> calls = at(call, "choices", 0, "message", "tool_calls");
        assertThat(calls).hasSize(1);
        assertThat(calls.getFirst()).containsEntry("id", "call_0").containsEntry("type", "function")
                .containsEntry("function", Map.of("name", "get_weather", "arguments", "{\"city\":\"Paris\"}"));
        assertThat(ollama.received().getLast().body().get("tools")).isEqualTo(List.of(Map.of("type", "function",
                "function", Map.of("name", "get_weather", "description", "Weather for a city",
                        "parameters", WEATHER_PARAMETERS))));

        Map<String, Object> answer = ok(ai.chat(toolRoundTrip("llama", "call_0", "18°C, sunny")));
        assertThat((Object) at(answer, "choices", 0, "message", "content")).isEqualTo(FakeOllama.TEXT);
        List<Map<String, Object>> messages = at(ollama.received().getLast().body(), "messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0)).isEqualTo(Map.of("role", "user", "content", "Weather in Paris?"));
        assertThat(messages.get(1)).containsEntry("role", "assistant").containsEntry("tool_calls", List.of(Map.of(
                "function", Map.of("name", "get_weather", "arguments", Map.of("city", "Paris")))));
        assertThat(messages.get(2)).isEqualTo(Map.of("role", "tool", "content", "18°C, sunny",
                "tool_name", "get_weather"));
    }

    @Test
    void ollamaEmbeddingsGoToApiEmbed() {
        Map<String, Object> answer = ok(ai.embeddings("{\"model\":\"llama-embed\",\"input\":\"hello\"}"));
        assertThat(answer).containsEntry("model", "llama-embed");
        assertThat(vector(at(answer, "data", 0, "embedding"))).isEqualTo(FakeOllama.EMBEDDING);
        assertThat((Object) at(answer, "usage", "prompt_tokens")).isEqualTo(4L);
        FakeOllama.Received got = ollama.received().getLast();
        assertThat(got.path()).isEqualTo("/api/embed");
        assertThat(got.body()).isEqualTo(Map.of("model", "nomic-embed-text", "input", List.of("hello")));
    }

    @Test
    void anOllamaModelThatIsNotPulledIsTheDeploymentsFaultAndNotRetried() {
        ollama.failNext(404, Map.of(), FakeOllama.error("model \"llama3.2\" not found, try pulling it first"));
        HttpResponse<String> r = ai.chat("{\"model\":\"llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
        assertThat((Object) at(Json.parseObject(r.body()), "error", "code")).isEqualTo("upstream_model_not_found");
        assertThat(ollama.received()).hasSize(1);
    }

    @Test
    void aStrictToolIsRefusedByAProviderWithoutStrictSchemas() {
        String strict = WEATHER_TOOL.replace("\"parameters\":", "\"strict\":true,\"parameters\":");
        int before = gemini.received().size();
        HttpResponse<String> r = ai.chat("{\"model\":\"gem\",\"tools\":[" + strict + "],\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"Weather?\"}]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("unsupported_parameter", "tools[0].function.strict");
        assertThat(gemini.received()).hasSize(before);
    }

    // Mistral.

    @Test
    void mistralGetsRandomSeedAndItsBearerKey() {
        Map<String, Object> answer = ok(ai.chat("{\"model\":\"mis\",\"seed\":42,\"max_tokens\":20,\"messages\":"
                + "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]}"));
        assertThat((Object) at(answer, "choices", 0, "message", "content")).isEqualTo("Hello world");
        assertThat((Object) at(answer, "usage")).isEqualTo(usage(FakeOpenAi.PROMPT_TOKENS,
                FakeOpenAi.COMPLETION_TOKENS));

        FakeOpenAi.Received got = mistral.received().getLast();
        assertThat(got.path()).isEqualTo("/v1/chat/completions");
        assertThat(got.header("Authorization")).isEqualTo("Bearer " + MISTRAL_SECRET);
        assertThat(got.headers().toString()).doesNotContain(ai.key());
        assertThat(got.body()).containsEntry("model", "mistral-small-latest").containsEntry("random_seed", 42L)
                .containsEntry("max_tokens", 20L).doesNotContainKeys("seed", "max_completion_tokens", "stream")
                .containsEntry("messages", List.of(Map.of("role", "system", "content", "Be brief."),
                        Map.of("role", "user", "content", "Hi")));
    }

    @Test
    void aMistralStreamIsAskedForWithoutStreamOptions() {
        List<Map<String, Object>> chunks = openAiStream(ai.chat("{\"model\":\"mis\",\"stream\":true,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"Hi\"}]}"), "mis");
        assertThat(streamedText(chunks)).isEqualTo("Hello world");
        assertThat(chunks).noneSatisfy(c -> assertThat(c).containsKey("usage"));
        assertThat(mistral.received().getLast().body()).containsEntry("stream", true)
                .doesNotContainKey("stream_options");
    }

    @Test
    void aMistralToolCallRoundTripKeepsOpenAisShape() {
        Map<String, Object> call = ok(ai.chat("{\"model\":\"mis\",\"tools\":[" + WEATHER_TOOL + "],\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}"));
        assertThat((Object) at(call, "choices", 0, "finish_reason")).isEqualTo("tool_calls");
        assertThat((Object) at(call, "choices", 0, "message", "tool_calls", 0, "function")).isEqualTo(Map.of(
                "name", "get_weather", "arguments", "{\"city\":\"Paris\"}"));
        String id = at(call, "choices", 0, "message", "tool_calls", 0, "id");

        ai.chat(toolRoundTrip("mis", id, "18°C"));
        List<Map<String, Object>> messages = at(mistral.received().getLast().body(), "messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(1)).containsEntry("role", "assistant");
        assertThat((Object) at(messages.get(1), "tool_calls", 0)).isEqualTo(Map.of("id", id, "type", "function",
                "function", Map.of("name", "get_weather", "arguments", "{\"city\":\"Paris\"}")));
        assertThat(messages.get(2)).isEqualTo(Map.of("role", "tool", "tool_call_id", id, "content", "18°C"));
    }
}
