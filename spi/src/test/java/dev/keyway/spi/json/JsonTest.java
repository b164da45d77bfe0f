package dev.keyway.spi.json;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class JsonTest {

    @Test
    void roundTripsNestedValuesInMemberOrder() {
        String text = "{\"z\":1,\"a\":[true,false,null,\"s\",-2.5,{}],\"m\":{\"k\":[[]],\"n\":1E+400}}";
        Object value = Json.parse(text);
        assertThat(value).isInstanceOf(LinkedHashMap.class);
        assertThat(List.copyOf(((Map<?, ?>) value).keySet())).isEqualTo(List.of("z", "a", "m"));
        assertThat(Json.write(value)).isEqualTo(text);
        assertThat(Json.parse(Json.write(value))).isEqualTo(value);
    }

    @Test
    void readsWhitespaceAroundAndInsideValues() {
        assertThat(Json.parse(" \t\r\n{ \"a\" : [ 1 , 2 ] }\n ")).isEqualTo(Map.of("a", List.of(1L, 2L)));
    }

    @Test
    void escapesControlCharactersQuotesAndJavaScriptLineBreaks() {
        String s = "q\" b\\ n\n r\r t\t b\b f\f nul\u0000 us\u001f del\u007f ls\u2028 ps\u2029 /";
        String written = Json.write(s);
        assertThat(written).isEqualTo("\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f nul\\u0000 us\\u001f del\u007f "
                + "ls\\u2028 ps\\u2029 /\"");
        assertThat(Json.parse(written)).isEqualTo(s);
    }

    @Test
    void readsEveryEscape() {
        assertThat(Json.parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00e9 \\u2028\""))
                .isEqualTo("\" \\ / \b \f \n \r \t A é \u2028");
    }

    @Test
    void keepsCharactersOutsideTheBasicPlaneRawOrEscapedAsSurrogatePairs() {
        String emoji = "😀 𝄞 中文";
        assertThat(Json.write(emoji)).isEqualTo("\"" + emoji + "\"");
        assertThat(Json.parse(Json.write(emoji))).isEqualTo(emoji);
        assertThat(Json.parse("\"\\ud83d\\ude00\"")).isEqualTo("😀");
        assertThat(Json.parse("\"\\uD834\\uDD1E\"")).isEqualTo("𝄞");
    }

    @Test
    void readsALoneSurrogateEscapeAsItIsLikeMostParsers() {
        // RFC 8259 §8.2 leaves this unpredictable; documenting what this parser does.
        assertThat(Json.parse("\"\\ud800x\"")).isEqualTo("\ud800x");
    }

    @Test
    void readsIntegersAsLongsAndEverythingElseAsBigDecimals() {
        assertThat(Json.parse("0")).isEqualTo(0L);
        assertThat(Json.parse("-0")).isEqualTo(0L);
        assertThat(Json.parse("42")).isEqualTo(42L);
        assertThat(Json.parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(Json.parse("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
        assertThat(Json.parse("9223372036854775808")).isEqualTo(new BigDecimal("9223372036854775808"));
        assertThat(Json.parse("-9223372036854775809")).isEqualTo(new BigDecimal("-9223372036854775809"));
        assertThat(Json.parse("0.1")).isEqualTo(new BigDecimal("0.1"));
        assertThat(Json.parse("1.50")).isEqualTo(new BigDecimal("1.50"));
        assertThat(Json.parse("1e3")).isEqualTo(new BigDecimal("1E+3"));
        assertThat(Json.parse("1E+3")).isEqualTo(new BigDecimal("1E+3"));
        assertThat(Json.parse("-2.5e-3")).isEqualTo(new BigDecimal("-0.0025"));
        assertThat(Json.parse("1e-400")).isEqualTo(new BigDecimal("1E-400"));
    }

    @Test
    void writesNumbersOfEveryKindAndRefusesNonFiniteOnes() {
        assertThat(Json.write(List.of(1, 2L, 2.5, 1.5f, new BigDecimal("1E+3"), (short) 7, (byte) 8)))
                .isEqualTo("[1,2,2.5,1.5,1E+3,7,8]");
        assertThat(Json.parse(Json.write(1e-7))).isEqualTo(new BigDecimal("1.0E-7"));
        for (Object bad : List.of(Double.NaN, Double.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY)) {
            assertThatThrownBy(() -> Json.write(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void writesRawJsonEnumsArraysAndCharacters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("raw", new Json.Raw("{\"pre\":1}"));
        m.put("enum", Thread.State.NEW);
        m.put("array", new Object[] {"a", 1});
        m.put("char", '"');
        m.put("null", null);
        assertThat(Json.write(m))
                .isEqualTo("{\"raw\":{\"pre\":1},\"enum\":\"NEW\",\"array\":[\"a\",1],"
                        + "\"char\":\"\\\"\",\"null\":null}");
        assertThatThrownBy(() -> Json.write(new Object())).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "[1,]", "[1,,2]", "[,1]", "{\"a\":1,}", "{,}", "{\"a\" 1}", "{\"a\":}", "{a:1}", "{'a':1}", "['a']",
            "// c\n1", "/* c */ 1", "1 // c", "[1 /* c */]", "#1",
            "NaN", "-NaN", "Infinity", "-Infinity", "nan", "undefined",
            "01", "-01", "00", "1.", ".5", "-.5", "+1", "1e", "1e+", "0x10", "1_000", "--1", "1.5.2",
            "\"raw\ttab\"", "\"raw\nnewline\"", "\"nul\u0000\"", "\"\u001f\"",
            "\"bad \\x escape\"", "\"\\u12G4\"", "\"\\u12\"", "\"\\'\"", "\"unterminated", "\"ends with \\",
            "tru", "truex", "nul", "True", "NULL",
            "", "   ", "1 2", "{} {}", "[]]", "[", "{", "{\"a\"", "\u00a01", "\ufeff1"})
    void refusesWhatStrictJsonForbids(String text) {
        assertThatThrownBy(() -> Json.parse(text)).isInstanceOf(Json.ParseException.class);
    }

    @Test
    void acceptsDeepNestingUpToTheLimitAndRefusesDeeperWithoutOverflowingTheStack() {
        int limit = Json.MAX_DEPTH;
        assertThat(Json.parse("[".repeat(limit) + "1" + "]".repeat(limit))).isInstanceOf(List.class);
        assertThat(Json.parse("{\"a\":".repeat(limit) + "1" + "}".repeat(limit))).isInstanceOf(Map.class);
        for (int depth : new int[] {limit + 1, 1_000, 100_000}) {
            Json.ParseException e = catchThrowableOfType(Json.ParseException.class,
                    () -> Json.parse("[".repeat(depth) + "1" + "]".repeat(depth)));
            assertThat(e).as("depth %d", depth).isNotNull();
            assertThat(e.getMessage()).contains("nested deeper than " + limit);
        }
    }

    @Test
    void saysWhereParsingFailedWithoutQuotingTheInput() {
        Json.ParseException e = catchThrowableOfType(Json.ParseException.class,
                () -> Json.parse("{\"key\": sk-live-SECRET}"));
        assertThat(e.offset()).isEqualTo(8);
        assertThat(e.getMessage()).isEqualTo("unexpected character at offset 8").doesNotContain("SECRET");

        Json.ParseException unterminated = catchThrowableOfType(Json.ParseException.class,
                () -> Json.parse("[\"sk-live-SECRET"));
        assertThat(unterminated.offset()).isEqualTo(1);
        assertThat(unterminated.getMessage()).doesNotContain("SECRET");

        Json.ParseException control = catchThrowableOfType(Json.ParseException.class,
                () -> Json.parse("{\"a\":\"SECRET\nSECRET\"}"));
        assertThat(control.offset()).isEqualTo(12);
        assertThat(control.getMessage()).doesNotContain("SECRET");
    }

    @Test
    void parseObjectRefusesOtherValues() {
        assertThat(Json.parseObject("{\"a\":1}")).containsEntry("a", 1L);
        for (String text : List.of("[]", "\"s\"", "1", "null")) {
            assertThatThrownBy(() -> Json.parseObject(text)).isInstanceOf(Json.ParseException.class);
        }
    }

    @Test
    void typedAccessorsPassNullAndNameWhatHadTheWrongType() {
        assertThat(Json.object(null, "x")).isNull();
        assertThat(Json.array(List.of(1), "x")).containsExactly(1);
        assertThat(Json.string("s", "x")).isEqualTo("s");
        assertThat(Json.number(1L, "x")).isEqualTo(1L);
        assertThat(Json.bool(true, "x")).isTrue();
        assertThatThrownBy(() -> Json.object("SECRET", "body.meta")).hasMessage("body.meta: expected an object");
        assertThatThrownBy(() -> Json.array(Map.of(), "items")).hasMessage("items: expected an array");
        assertThatThrownBy(() -> Json.string(1L, "name")).hasMessage("name: expected a string");
        assertThatThrownBy(() -> Json.number("1", "n")).hasMessage("n: expected a number");
        assertThatThrownBy(() -> Json.bool("true", "b")).hasMessage("b: expected true or false");
    }

    @Test
    void keepsTheLastOfDuplicateMembers() {
        assertThat(Json.parse("{\"a\":1,\"a\":2}")).isEqualTo(Map.of("a", 2L));
    }

    @Test
    void parsesLargeDocumentsWithoutRecursingPerElement() {
        List<Object> many = new ArrayList<>(Arrays.asList(new Object[200_000]));
        assertThat((List<?>) Json.parse(Json.write(many))).hasSize(200_000);
    }

    // ---------------------------------------------------------------- hostile and odd input

    @Test
    void refusesASignInsideAUnicodeEscape() {
        assertThatThrownBy(() -> Json.parse("\"\\u+041\"")).isInstanceOf(Json.ParseException.class);
        assertThatThrownBy(() -> Json.parse("\"\\u-041\"")).isInstanceOf(Json.ParseException.class);
    }

    @Test
    void refusesAnExponentOutOfRangeAsAParseError() {
        assertThatThrownBy(() -> Json.parse("1e99999999999")).isInstanceOf(Json.ParseException.class);
    }

    @Test
    void refusesAHugeNumberRatherThanSpendingSecondsOnIt() {
        String huge = "1" + "0".repeat(1_000_000);
        assertThatThrownBy(() -> Json.parse(huge)).isInstanceOf(Json.ParseException.class)
                .hasMessageContaining("longer than");
        assertThatThrownBy(() -> Json.parse("1e999999999")).isInstanceOf(Json.ParseException.class);
    }

    @Test
    void writesAnArrayHoldingNull() {
        assertThat(Json.write(new Object[] {"a", null})).isEqualTo("[\"a\",null]");
    }
}
