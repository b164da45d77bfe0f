package dev.keyway.kernel.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** JSON in and out of admin routes, with the one admin error shape. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .configure(com.fasterxml.jackson.databind.cfg.EnumFeature.WRITE_ENUMS_TO_LOWERCASE, true)
            .configure(com.fasterxml.jackson.databind.MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS, true)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    private static final long MAX_BODY = 1024 * 1024;

    private Json() {
    }

    /** The request body as a JSON object; 400 {@code invalid_json} when it is not one. */
    static ObjectNode body(ServerRequest req) {
        return object(raw(req));
    }

    /** The request body as a JSON object, or an empty object when there is no body. */
    static ObjectNode bodyOrEmpty(ServerRequest req) {
        byte[] bytes = raw(req);
        return bytes.length == 0 ? MAPPER.createObjectNode() : object(bytes);
    }

    /** The request body's bytes, at most the admin body limit (413 above). */
    static byte[] raw(ServerRequest req) {
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes((int) MAX_BODY + 1);
        } catch (IOException e) {
            throw AdminErrors.of(400, "invalid_body", "request body could not be read");
        }
        if (bytes.length > MAX_BODY) {
            throw AdminErrors.of(413, "request_too_large", "admin request bodies are limited to " + MAX_BODY
                    + " bytes");
        }
        return bytes;
    }

    /** Bytes parsed as a JSON object; 400 {@code invalid_json} when they are not one. */
    static ObjectNode object(byte[] bytes) {
        try {
            JsonNode node = MAPPER.readTree(bytes);
            if (node instanceof ObjectNode object) {
                return object;
            }
        } catch (IOException e) {
            // Only where it broke: Jackson's message quotes the offending token, which may be a password.
            String where = e instanceof JsonProcessingException j && j.getLocation() != null
                    ? " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() : "";
            throw AdminErrors.of(400, "invalid_json", "request body is not valid JSON" + where);
        }
        throw AdminErrors.of(400, "invalid_json", "request body must be a JSON object");
    }

    static void send(ServerResponse res, int status, Object value) {
        try {
            res.status(status);
            res.header("Content-Type", "application/json");
            res.send(MAPPER.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response not serialisable", e);
        }
    }

    static void error(ServerResponse res, AdminErrors e, String requestId) {
        ObjectNode error = MAPPER.createObjectNode();
        ObjectNode inner = error.putObject("error");
        inner.put("code", e.code()).put("message", e.getMessage()).put("requestId", requestId);
        if (!e.fields().isEmpty()) {
            ObjectNode fields = inner.putObject("fields");
            e.fields().forEach(fields::put);
        }
        res.status(e.status());
        res.header("Content-Type", "application/json");
        res.header("X-Request-Id", requestId);
        res.send(error.toString().getBytes(StandardCharsets.UTF_8));
    }
}
