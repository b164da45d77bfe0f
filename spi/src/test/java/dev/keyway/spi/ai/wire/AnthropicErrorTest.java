package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.UpstreamError;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AnthropicErrorTest {

    @Test
    void readsTypeAndMessage() {
        UpstreamError e = decode(529, Map.of(), """
                {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}""");
        assertThat(e).isEqualTo(new UpstreamError(529, "overloaded_error", "Overloaded", true, -1));
    }

    @ParameterizedTest
    @CsvSource({
            "400, invalid_request_error, false", "401, authentication_error, false", "403, permission_error, false",
            "404, not_found_error, false", "413, request_too_large, false", "429, rate_limit_error, true",
            "500, api_error, true", "502, api_error, true", "503, api_error, true", "504, api_error, true",
            "529, overloaded_error, true", "501, api_error, false", "400, overloaded_error, false",
            "418, overloaded_error, true"})
    void retriesRateLimitsAndServerTroubleButNeverClientErrors(int status, String type, boolean retryable) {
        UpstreamError e = decode(status, Map.of(),
                "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"m\"}}");
        assertThat(e.retryable()).isEqualTo(retryable);
        assertThat(e.type()).isEqualTo(type);
    }

    @Test
    void toleratesABodyThatIsNotJsonWithoutEchoingIt() {
        UpstreamError e = decode(502, Map.of(), "<html><body>502 Bad Gateway SECRET</body></html>");
        assertThat(e.status()).isEqualTo(502);
        assertThat(e.type()).isNull();
        assertThat(e.message()).contains("502").doesNotContain("SECRET");
        assertThat(e.retryable()).isTrue();

        assertThat(AnthropicWire.decodeError(500, null, null).message()).contains("500");
        assertThat(decode(500, Map.of(), "{\"error\":\"flat\"}").type()).isNull();
        assertThat(decode(500, Map.of(), "[1,2]").type()).isNull();
    }

    @Test
    void readsRetryAfterInSecondsWhateverTheHeaderCase() {
        String body = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow\"}}";
        assertThat(decode(429, Map.of("Retry-After", List.of("7")), body).retryAfterMillis()).isEqualTo(7000);
        assertThat(decode(429, Map.of("retry-after", List.of(" 0 ")), body).retryAfterMillis()).isZero();
        assertThat(decode(429, Map.of("RETRY-AFTER", List.of("1.5")), body).retryAfterMillis()).isEqualTo(1500);
        assertThat(decode(429, Map.of("retry-after", List.of("soon")), body).retryAfterMillis()).isEqualTo(-1);
        assertThat(decode(429, Map.of("retry-after", List.of("-3")), body).retryAfterMillis()).isEqualTo(-1);
        assertThat(decode(429, Map.of("retry-after", List.of()), body).retryAfterMillis()).isEqualTo(-1);
        assertThat(decode(429, Map.of(), body).retryAfterMillis()).isEqualTo(-1);
    }

    @Test
    void readsRetryAfterAsAnHttpDate() {
        long now = Instant.parse("2026-03-01T12:00:00Z").toEpochMilli();
        assertThat(AnthropicWire.retryAfterMillis("Sun, 01 Mar 2026 12:00:30 GMT", now)).isEqualTo(30_000);
        assertThat(AnthropicWire.retryAfterMillis("Sun, 01 Mar 2026 11:59:00 GMT", now)).isZero();
        String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().plusSeconds(60)
                .atOffset(ZoneOffset.UTC));
        assertThat(decode(503, Map.of("Retry-After", List.of(inAMinute)), "").retryAfterMillis())
                .isBetween(55_000L, 60_000L);
    }

    @ParameterizedTest
    @CsvSource({
            "400, invalid_request_error", "401, authentication_error", "403, permission_error",
            "404, not_found_error", "413, request_too_large", "429, rate_limit_error", "503, overloaded_error",
            "529, overloaded_error", "500, api_error", "502, api_error", "504, api_error", "422, invalid_request_error"})
    void encodesErrorsInAnthropicsShapeTypedByStatus(int status, String type) {
        assertThat(Json.write(AnthropicWire.encodeError(status, "key kw_abc… is revoked (request req-1)")))
                .isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"" + type
                        + "\",\"message\":\"key kw_abc… is revoked (request req-1)\"}}");
    }

    @Test
    void readsBackTheErrorsItWrites() {
        UpstreamError e = decode(429, Map.of(), Json.write(AnthropicWire.encodeError(429, "rate limit exceeded")));
        assertThat(e).isEqualTo(new UpstreamError(429, "rate_limit_error", "rate limit exceeded", true, -1));
    }

    private static UpstreamError decode(int status, Map<String, List<String>> headers, String body) {
        return AnthropicWire.decodeError(status, headers, body.getBytes(StandardCharsets.UTF_8));
    }
}
