package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.UpstreamError;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OpenAiErrorTest {

    @Test
    void readsAnOpenAiRateLimitWithItsCodeAndRetryAfter() {
        UpstreamError e = OpenAiWire.decodeError(429, Map.of("Retry-After", List.of("20")), bytes("""
                {"error": {"message": "Rate limit reached for gpt-4o on requests per min (RPM): Limit 500.",
                 "type": "requests", "param": null, "code": "rate_limit_exceeded"}}"""));
        assertThat(e).isEqualTo(new UpstreamError(429, "rate_limit_exceeded",
                "Rate limit reached for gpt-4o on requests per min (RPM): Limit 500.", true, 20_000));
    }

    @Test
    void readsTheTypeWhenThereIsNoCode() {
        UpstreamError e = OpenAiWire.decodeError(500, Map.of(), bytes("""
                {"error": {"message": "The server had an error while processing your request.",
                 "type": "server_error", "param": null, "code": null}}"""));
        assertThat(e.type()).isEqualTo("server_error");
        assertThat(e.retryable()).isTrue();
        assertThat(e.retryAfterMillis()).isEqualTo(-1);
    }

    @Test
    void readsMistralsFlatErrorsAndValidationDetailsWithoutTheirInputs() {
        UpstreamError flat = OpenAiWire.decodeError(401, null, bytes("""
                {"object": "error", "message": "Unauthorized", "type": "unauthorized", "param": null,
                 "code": null}"""));
        assertThat(flat.message()).isEqualTo("Unauthorized");
        assertThat(flat.type()).isEqualTo("unauthorized");
        assertThat(flat.retryable()).isFalse();

        UpstreamError detail = OpenAiWire.decodeError(422, null, bytes("""
                {"detail": [{"type": "extra_forbidden", "loc": ["body", "stream_options"],
                  "msg": "Extra inputs are not permitted", "input": {"include_usage": "SECRET-INPUT"}}]}"""));
        assertThat(detail.message()).isEqualTo("body.stream_options: Extra inputs are not permitted");
    }

    @Test
    void readsABareErrorString() {
        assertThat(OpenAiWire.decodeError(404, null, bytes("{\"error\": \"model 'llama9' not found\"}")).message())
                .isEqualTo("model 'llama9' not found");
    }

    @Test
    void toleratesBodiesThatAreNotJson() {
        for (byte[] body : new byte[][] {bytes("<html><body>502 Bad Gateway SECRET</body></html>"), new byte[0], null,
                bytes("[1, 2]"), bytes("{\"error\": {\"message\": 5}}"), {(byte) 0xff, (byte) 0xfe}}) {
            UpstreamError e = OpenAiWire.decodeError(502, null, body);
            assertThat(e.message()).isEqualTo("upstream answered 502");
            assertThat(e.retryable()).isTrue();
        }
    }

    @Test
    void capsAVeryLongMessage() {
        String body = Json.write(Map.of("error", Map.of("message", "x".repeat(100_000))));
        assertThat(OpenAiWire.decodeError(400, null, bytes(body)).message()).hasSizeLessThan(1100);
    }

    @ParameterizedTest
    @CsvSource({"400,false", "401,false", "403,false", "404,false", "422,false", "408,true", "409,true", "429,true",
            "500,true", "502,true", "503,true", "504,true", "529,true"})
    void retriesTimeoutsConflictsRateLimitsAndServerErrorsOnly(int status, boolean retryable) {
        assertThat(OpenAiWire.decodeError(status, null, bytes("{}")).retryable()).isEqualTo(retryable);
    }

    @Test
    void prefersRetryAfterMsAndReadsHeadersCaseInsensitively() {
        Map<String, List<String>> headers = Map.of("retry-after", List.of("3"), "Retry-After-Ms", List.of("1500.5"));
        assertThat(OpenAiWire.decodeError(429, headers, null).retryAfterMillis()).isEqualTo(1500);
        assertThat(OpenAiWire.decodeError(429, Map.of("RETRY-AFTER", List.of(" 2.5 ")), null).retryAfterMillis())
                .isEqualTo(2500);
    }

    @Test
    void readsRetryAfterAsAnHttpDate() {
        String later = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(120));
        long wait = OpenAiWire.decodeError(503, Map.of("Retry-After", List.of(later)), null).retryAfterMillis();
        assertThat(wait).isBetween(100_000L, 120_000L);
        assertThat(OpenAiWire.decodeError(503, Map.of("Retry-After", List.of("Wed, 21 Oct 2015 07:28:00 GMT")), null)
                .retryAfterMillis()).as("a date in the past: retry now").isZero();
    }

    @Test
    void ignoresRetryAfterItCannotRead() {
        for (String value : List.of("soon", "-5", "1e999999999", "")) {
            assertThat(OpenAiWire.decodeError(429, Map.of("Retry-After", List.of(value)), null).retryAfterMillis())
                    .as(value).isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            "400, null,                invalid_request_error",
            "401, invalid_api_key,     authentication_error",
            "403, model_not_allowed,   permission_error",
            "404, model_not_found,     not_found_error",
            "413, null,                invalid_request_error",
            "429, rate_limit_exceeded, rate_limit_error",
            "429, insufficient_quota,  insufficient_quota",
            "500, null,                api_error",
            "503, null,                api_error",
            "504, null,                api_error"})
    void typesAnErrorByItsStatus(int status, String code, String type) {
        Map<?, ?> error = (Map<?, ?>) OpenAiWire.encodeError(status, code, "m", null).get("error");
        assertThat(error.get("type")).isEqualTo(type);
        assertThat(error.get("code")).isEqualTo(code);
    }

    @Test
    void writesTheOpenAiErrorShapeWithNullsPresent() {
        assertThat(Json.write(OpenAiWire.encodeError(400, null, "messages[2].content: required",
                "messages[2].content"))).isEqualTo("""
                {"error":{"message":"messages[2].content: required","type":"invalid_request_error",\
                "param":"messages[2].content","code":null}}""");
        assertThat(Json.write(OpenAiWire.encodeError(429, "rate_limit_exceeded", "slow down", null))).isEqualTo("""
                {"error":{"message":"slow down","type":"rate_limit_error","param":null,\
                "code":"rate_limit_exceeded"}}""");
    }

    @Test
    void readsBackTheErrorsItWrites() {
        UpstreamError e = OpenAiWire.decodeError(403, null,
                bytes(Json.write(OpenAiWire.encodeError(403, "team_disabled", "team t-1 is disabled", null))));
        assertThat(e).isEqualTo(new UpstreamError(403, "team_disabled", "team t-1 is disabled", false, -1));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
