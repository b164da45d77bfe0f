package dev.keyway.spi.ai.wire;

import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.InvalidRequestException;
import dev.keyway.spi.json.Json;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** OpenAI's {@code strict} tool flag survives OpenAI in → OpenAI out (the Agents SDK sends it by default). */
class OpenAiStrictToolTest {

    @Test
    void strictIsCarriedThroughAndAWrongTypeIsRefused() {
        String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":"
                + "\"function\",\"function\":{\"name\":\"f\",\"strict\":true,\"parameters\":{\"type\":\"object\"}}}]}";
        ChatRequest r = OpenAiWire.decodeRequest(Json.parseObject(body), false).request();
        assertThat(r.tools().getFirst().strict()).isTrue();
        Map<String, Object> out = OpenAiWire.encodeRequest(r, "openai", true);
        assertThat(Json.write(out)).contains("\"strict\":true");

        assertThatThrownBy(() -> OpenAiWire.decodeRequest(Json.parseObject(body.replace("\"strict\":true",
                "\"strict\":\"yes\"")), false)).isInstanceOf(InvalidRequestException.class)
                .hasMessageNotContaining("yes");
    }
}
