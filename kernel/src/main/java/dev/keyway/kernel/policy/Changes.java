package dev.keyway.kernel.policy;

import dev.keyway.spi.Attributes;
import dev.keyway.spi.Exchange;
import org.graalvm.polyglot.Value;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A policy's "allow, with changes" decision, read from the prelude's flat array
 * {@code ['allow', model|null, n, name, value, ..., m, name, ..., k, name, value, ...]}: upstream request headers to
 * set, to remove, response headers to set, and a model rewrite. The prelude has already checked names and values.
 */
final class Changes {
    private Changes() {
    }

    /** Applies the changes to the exchange; returns why they cannot be applied, or null. */
    static String apply(Value d, Exchange exchange) {
        Value model = d.getArrayElement(1);
        // The prelude checked every name and value; they are checked again here, where they are used.
        for (long i = 2; i < d.getArraySize(); i++) {
            Value v = d.getArrayElement(i);
            if (v.isString() && !printable(v.asString())) {
                return "a header name or value that is not printable ASCII";
            }
        }
        if (!model.isNull()) {
            if (exchange.attribute(Attributes.MODEL).isEmpty()) {
                return "a model rewrite on a request that is not an AI call";
            }
            exchange.attribute(Attributes.MODEL, model.asString());
        }
        int i = 2;
        int n = d.getArrayElement(i++).asInt();
        for (int j = 0; j < n; j++, i += 2) {
            exchange.upstreamHeaders().set(d.getArrayElement(i).asString(), d.getArrayElement(i + 1).asString());
        }
        int m = d.getArrayElement(i++).asInt();
        for (int j = 0; j < m; j++, i++) {
            exchange.upstreamHeaders().remove(d.getArrayElement(i).asString());
        }
        int k = d.getArrayElement(i++).asInt();
        for (int j = 0; j < k; j++, i += 2) {
            exchange.responseHeaders().set(d.getArrayElement(i).asString(), d.getArrayElement(i + 1).asString());
        }
        return null;
    }

    private static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** The decision as JSON-friendly data, for the validate endpoint. */
    static Map<String, Object> describe(Value d) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (d.isString()) {
            out.put("decision", "allow");
            return out;
        }
        String action = d.getArrayElement(0).asString();
        out.put("decision", action);
        if (action.equals("deny")) {
            out.put("status", d.getArrayElement(1).asInt());
            out.put("code", d.getArrayElement(2).asString());
            out.put("message", d.getArrayElement(3).asString());
            return out;
        }
        Value model = d.getArrayElement(1);
        if (!model.isNull()) {
            out.put("model", model.asString());
        }
        int i = 2;
        Map<String, Object> set = new LinkedHashMap<>();
        int n = d.getArrayElement(i++).asInt();
        for (int j = 0; j < n; j++, i += 2) {
            set.put(d.getArrayElement(i).asString(), d.getArrayElement(i + 1).asString());
        }
        List<Object> removed = new ArrayList<>();
        int m = d.getArrayElement(i++).asInt();
        for (int j = 0; j < m; j++, i++) {
            removed.add(d.getArrayElement(i).asString());
        }
        Map<String, Object> response = new LinkedHashMap<>();
        int k = d.getArrayElement(i++).asInt();
        for (int j = 0; j < k; j++, i += 2) {
            response.put(d.getArrayElement(i).asString(), d.getArrayElement(i + 1).asString());
        }
        out.put("setHeaders", set);
        out.put("removeHeaders", removed);
        out.put("responseHeaders", response);
        return out;
    }
}
