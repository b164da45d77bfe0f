package dev.keyway.kernel.http;

import dev.keyway.kernel.ai.ModelCatalog;
import dev.keyway.kernel.store.StoredDeployment;
import dev.keyway.spi.ai.ChatMessage;
import dev.keyway.spi.ai.ChatRequest;
import dev.keyway.spi.ai.ContentPart;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * The numbers a token or cost limit reserves before an AI call and settles after it: a prompt estimate (a token
 * per three characters, plus per-message and per-image overheads) plus the most output the call may produce. A
 * call whose real prompt is longer than estimated can overshoot a limit by that difference — never by more than
 * one call, since every later call must fit its own reservation.
 */
final class Budgets {
    private static final long PER_MESSAGE = 8;
    private static final long PER_IMAGE = 1_600;

    private Budgets() {
    }

    /** A high estimate of the prompt's tokens. */
    static long promptTokens(ChatRequest r) {
        long chars = 0;
        long overhead = 0;
        for (ChatMessage m : r.messages()) {
            overhead += PER_MESSAGE;
            for (ContentPart p : m.content()) {
                if (p instanceof ContentPart.Text t) {
                    chars += t.text().length();
                } else {
                    overhead += PER_IMAGE;
                }
            }
            for (var call : m.toolCalls()) {
                chars += call.name().length() + call.arguments().length();
            }
        }
        for (var tool : r.tools()) {
            chars += tool.name().length() + (tool.description() == null ? 0 : tool.description().length())
                    + (tool.parameters() == null ? 0 : dev.keyway.spi.json.Json.write(tool.parameters()).length());
        }
        return chars / 3 + overhead + 1;
    }

    /**
     * The most a call can cost, in millionths of a USD, at the highest price among the deployments that may serve
     * it (a price per million tokens times tokens is exactly micro-USD).
     */
    static long costMicros(List<StoredDeployment> deployments, ModelCatalog catalog, long input, long output) {
        BigDecimal most = BigDecimal.ZERO;
        for (StoredDeployment d : deployments) {
            BigDecimal cost = catalog.cost(d.provider(), d.upstreamModel(), input, output).movePointRight(6);
            most = most.max(cost);
        }
        return most.setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /**
     * The tokens a finished call used: 0 when it reached no provider, -1 when a provider answered but its usage is
     * not known (a stream cut short, the call ended by an exception) — the reservation then stands.
     */
    static long tokens(DataPlane.Result result) {
        if (result == null) {
            return -1;
        }
        if (result.ai() == null) {
            return 0;
        }
        if (result.ai().inputTokens() == null || result.ai().outputTokens() == null) {
            return -1;
        }
        return result.ai().inputTokens() + result.ai().outputTokens();
    }

    /** What a finished call cost, in millionths of a USD, rounded up; 0 and -1 as for {@link #tokens}. */
    static long costMicros(DataPlane.Result result) {
        long tokens = tokens(result);
        if (tokens <= 0) {
            return tokens;
        }
        return result.ai().costUsd() == null ? -1
                : result.ai().costUsd().movePointRight(6).setScale(0, RoundingMode.CEILING).longValueExact();
    }
}
