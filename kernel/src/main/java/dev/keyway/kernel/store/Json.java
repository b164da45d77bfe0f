package dev.keyway.kernel.store;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

/** The one JSON form of stored values. Records (de)serialise through their canonical constructors. */
final class Json {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            // A node of a newer version may already write fields this one does not know (rolling upgrade).
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new SimpleModule("keyway-time")
                    .addSerializer(Instant.class, new InstantWriter())
                    .addDeserializer(Instant.class, new InstantReader())
                    .addSerializer(java.time.Duration.class, new DurationWriter())
                    .addDeserializer(java.time.Duration.class, new DurationReader()))
            .build();

    private Json() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** @throws IOException when the text is not a valid {@code type}; its message may quote the text */
    static <T> T read(String json, Class<T> type) throws IOException {
        return MAPPER.readValue(json, type);
    }

    // jackson-datatype-jsr310 is not on the kernel's classpath; ISO-8601 strings match what it writes with
    // WRITE_DATES_AS_TIMESTAMPS disabled, so swapping it in later reads the same data.
    private static final class InstantWriter extends StdSerializer<Instant> {
        InstantWriter() {
            super(Instant.class);
        }

        @Override
        public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(value.toString());
        }
    }

    private static final class InstantReader extends StdDeserializer<Instant> {
        InstantReader() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            String text = p.getValueAsString();
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                return (Instant) ctx.handleWeirdStringValue(Instant.class, text, "expected an ISO-8601 instant");
            }
        }
    }

    /** Durations as ISO-8601 text ({@code PT1M}). */
    private static final class DurationWriter extends StdSerializer<java.time.Duration> {
        DurationWriter() {
            super(java.time.Duration.class);
        }

        @Override
        public void serialize(java.time.Duration value, JsonGenerator gen, SerializerProvider provider)
                throws IOException {
            gen.writeString(value.toString());
        }
    }

    private static final class DurationReader extends StdDeserializer<java.time.Duration> {
        DurationReader() {
            super(java.time.Duration.class);
        }

        @Override
        public java.time.Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            String text = p.getValueAsString();
            try {
                return java.time.Duration.parse(text);
            } catch (DateTimeParseException e) {
                return (java.time.Duration) ctx.handleWeirdStringValue(java.time.Duration.class, text,
                        "expected an ISO-8601 duration");
            }
        }
    }
}
