package dev.keyway.spi.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON for plugins, which may depend on nothing but the spi and the JDK. Values are plain Java objects:
 * {@code Map<String, Object>} (insertion-ordered), {@code List<Object>}, {@code String}, {@code Long} (integers
 * that fit), {@code BigDecimal} (other numbers), {@code Boolean} and {@code null}. {@link #write} also takes
 * other {@code Number}s, {@code Collection}s, arrays of objects, enums (their name) and {@link Raw} (text that is
 * already JSON).
 *
 * <p>The parser is strict (RFC 8259: no comments, trailing commas, single quotes or NaN), bounded in nesting
 * depth, and reports where it failed without quoting the input, which may hold secrets.
 */
public final class Json {
    /** Deeper nesting is refused: a hostile body must not overflow the stack. */
    public static final int MAX_DEPTH = 256;
    /** Longer numbers are refused (no JSON a model API sends needs more). */
    public static final int MAX_NUMBER_LENGTH = 1000;
    /** Numbers with a larger decimal exponent are refused: turning 1e999999999 into an integer would hang. */
    public static final int MAX_EXPONENT = 9999;

    private Json() {
    }

    /** Text that is already JSON, written as is. */
    public record Raw(String json) {
    }

    /** Thrown for text that is not JSON; the message says where, never what. */
    public static final class ParseException extends IllegalArgumentException {
        private final int offset;

        ParseException(String message, int offset) {
            super(message + " at offset " + offset);
            this.offset = offset;
        }

        /** The character offset where parsing failed. */
        public int offset() {
            return offset;
        }
    }

    /** Parses one JSON value; the whole text must be that value (whitespace around it is fine). */
    public static Object parse(String text) {
        Parser p = new Parser(text);
        p.skipSpace();
        Object v = p.value(0);
        p.skipSpace();
        if (p.pos != text.length()) {
            throw new ParseException("unexpected text after the value", p.pos);
        }
        return v;
    }

    /** Parses a JSON object; {@link ParseException} when the text is another kind of value. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new ParseException("expected a JSON object", 0);
        }
        return (Map<String, Object>) v;
    }

    /** Writes a value as compact JSON. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder(128);
        write(value, out);
        return out.toString();
    }

    /** Writes a value as compact JSON onto {@code out}. */
    public static void write(Object value, StringBuilder out) {
        switch (value) {
            case null -> out.append("null");
            case String s -> quote(s, out);
            case Boolean b -> out.append(b);
            case Raw r -> out.append(r.json());
            case Double d when d.isNaN() || d.isInfinite() -> throw new IllegalArgumentException("not a JSON number: " + d);
            case Float f when f.isNaN() || f.isInfinite() -> throw new IllegalArgumentException("not a JSON number: " + f);
            case BigDecimal d -> out.append(d.toString());
            case Number n -> out.append(n);
            case Map<?, ?> m -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    quote(String.valueOf(e.getKey()), out);
                    out.append(':');
                    write(e.getValue(), out);
                }
                out.append('}');
            }
            case Collection<?> c -> {
                out.append('[');
                boolean first = true;
                for (Object o : c) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    write(o, out);
                }
                out.append(']');
            }
            case Object[] a -> write(java.util.Arrays.asList(a), out);
            case Enum<?> e -> quote(e.name(), out);
            case Character ch -> quote(ch.toString(), out);
            default -> throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    /** Appends {@code s} as a JSON string literal. */
    public static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    // Control characters, and U+2028/9 (line breaks to JavaScript), escaped.
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    // ---- typed access for parsed values: a wrong type is a ParseException-free IllegalArgumentException ----

    /** {@code value} as an object, or null when it is null. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object value, String what) {
        if (value == null || value instanceof Map) {
            return (Map<String, Object>) value;
        }
        throw new IllegalArgumentException(what + ": expected an object");
    }

    /** {@code value} as an array, or null when it is null. */
    @SuppressWarnings("unchecked")
    public static List<Object> array(Object value, String what) {
        if (value == null || value instanceof List) {
            return (List<Object>) value;
        }
        throw new IllegalArgumentException(what + ": expected an array");
    }

    /** {@code value} as a string, or null when it is null. */
    public static String string(Object value, String what) {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw new IllegalArgumentException(what + ": expected a string");
    }

    /** {@code value} as a number, or null when it is null. */
    public static Number number(Object value, String what) {
        if (value == null || value instanceof Number) {
            return (Number) value;
        }
        throw new IllegalArgumentException(what + ": expected a number");
    }

    /** {@code value} as a boolean, or null when it is null. */
    public static Boolean bool(Object value, String what) {
        if (value == null || value instanceof Boolean) {
            return (Boolean) value;
        }
        throw new IllegalArgumentException(what + ": expected true or false");
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        void skipSpace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    pos++;
                } else {
                    break;
                }
            }
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw new ParseException("nested deeper than " + MAX_DEPTH, pos);
            }
            if (pos >= s.length()) {
                throw new ParseException("unexpected end of input", pos);
            }
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw new ParseException("unexpected character", pos);
                }
            };
        }

        private Object literal(String word, Object value) {
            if (!s.startsWith(word, pos)) {
                throw new ParseException("unexpected character", pos);
            }
            pos += word.length();
            return value;
        }

        private Map<String, Object> object(int depth) {
            Map<String, Object> map = new LinkedHashMap<>();
            pos++;
            skipSpace();
            if (peek() == '}') {
                pos++;
                return map;
            }
            while (true) {
                skipSpace();
                if (peek() != '"') {
                    throw new ParseException("expected a quoted member name", pos);
                }
                String key = string();
                skipSpace();
                expect(':');
                skipSpace();
                map.put(key, value(depth + 1));
                skipSpace();
                char c = next();
                if (c == '}') {
                    return map;
                }
                if (c != ',') {
                    throw new ParseException("expected ',' or '}'", pos - 1);
                }
            }
        }

        private List<Object> array(int depth) {
            List<Object> list = new ArrayList<>();
            pos++;
            skipSpace();
            if (peek() == ']') {
                pos++;
                return list;
            }
            while (true) {
                skipSpace();
                list.add(value(depth + 1));
                skipSpace();
                char c = next();
                if (c == ']') {
                    return list;
                }
                if (c != ',') {
                    throw new ParseException("expected ',' or ']'", pos - 1);
                }
            }
        }

        private String string() {
            int start = ++pos;
            StringBuilder b = null;
            while (true) {
                if (pos >= s.length()) {
                    throw new ParseException("unterminated string", start - 1);
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    String out = b == null ? s.substring(start, pos) : b.append(s, start, pos).toString();
                    pos++;
                    return out;
                }
                if (c < 0x20) {
                    throw new ParseException("control character in string", pos);
                }
                if (c == '\\') {
                    if (b == null) {
                        b = new StringBuilder();
                    }
                    b.append(s, start, pos);
                    pos++;
                    char e = next();
                    switch (e) {
                        case '"' -> b.append('"');
                        case '\\' -> b.append('\\');
                        case '/' -> b.append('/');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'n' -> b.append('\n');
                        case 'r' -> b.append('\r');
                        case 't' -> b.append('\t');
                        case 'u' -> {
                            if (pos + 4 > s.length()) {
                                throw new ParseException("bad \\u escape", pos);
                            }
                            String hex = s.substring(pos, pos + 4);
                            if (!hex.matches("[0-9A-Fa-f]{4}")) {
                                throw new ParseException("bad \\u escape", pos);
                            }
                            b.append((char) Integer.parseInt(hex, 16));
                            pos += 4;
                        }
                        default -> throw new ParseException("bad escape", pos - 1);
                    }
                    start = pos;
                    continue;
                }
                pos++;
            }
        }

        private Number number() {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            if (peek() == '0') {
                pos++;
            } else if (peek() >= '1' && peek() <= '9') {
                while (peek() >= '0' && peek() <= '9') {
                    pos++;
                }
            } else {
                throw new ParseException("bad number", start);
            }
            boolean integral = true;
            if (peek() == '.') {
                integral = false;
                pos++;
                if (!(peek() >= '0' && peek() <= '9')) {
                    throw new ParseException("bad number", start);
                }
                while (peek() >= '0' && peek() <= '9') {
                    pos++;
                }
            }
            if (peek() == 'e' || peek() == 'E') {
                integral = false;
                pos++;
                if (peek() == '+' || peek() == '-') {
                    pos++;
                }
                if (!(peek() >= '0' && peek() <= '9')) {
                    throw new ParseException("bad number", start);
                }
                while (peek() >= '0' && peek() <= '9') {
                    pos++;
                }
            }
            if (pos - start > MAX_NUMBER_LENGTH) {
                // Parsing cost grows with the square of the length: a hostile body must not buy seconds of CPU.
                throw new ParseException("number longer than " + MAX_NUMBER_LENGTH + " characters", start);
            }
            String text = s.substring(start, pos);
            try {
                if (integral) {
                    BigInteger big = new BigInteger(text);
                    return big.bitLength() < 64 ? (Number) big.longValue() : new BigDecimal(big);
                }
                BigDecimal d = new BigDecimal(text);
                if (Math.abs((long) d.scale()) > MAX_EXPONENT) {
                    throw new ParseException("number exponent beyond " + MAX_EXPONENT, start);
                }
                return d;
            } catch (NumberFormatException | ArithmeticException e) {
                throw new ParseException("bad number", start);
            }
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private char next() {
            if (pos >= s.length()) {
                throw new ParseException("unexpected end of input", pos);
            }
            return s.charAt(pos++);
        }

        private void expect(char c) {
            if (next() != c) {
                throw new ParseException("expected '" + c + "'", pos - 1);
            }
        }
    }
}
