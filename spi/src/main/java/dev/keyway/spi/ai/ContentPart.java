package dev.keyway.spi.ai;

import java.util.Objects;

/** A part of a message's content: text or an image. */
public sealed interface ContentPart {

    /** Text. */
    record Text(String text) implements ContentPart {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * An image, either by URL ({@code https:} or a {@code data:} URL) or as base64 data with its media type.
     *
     * @param url       the image URL, or null when {@code data} is given
     * @param mediaType e.g. {@code image/png}, for {@code data}; null with a URL
     * @param data      base64 image bytes, or null when {@code url} is given
     * @param detail    OpenAI's {@code detail} hint (low/high/auto), or null
     */
    record Image(String url, String mediaType, String data, String detail) implements ContentPart {
        public Image {
            if ((url == null) == (data == null)) {
                throw new IllegalArgumentException("an image has either a url or data");
            }
        }

        /** This image as base64 data with its media type, decoding a {@code data:} URL; null for a remote URL. */
        public Image inline() {
            if (data != null) {
                return this;
            }
            if (url.startsWith("data:") && url.contains(";base64,")) {
                String type = url.substring(5, url.indexOf(';'));
                return new Image(null, type, url.substring(url.indexOf(";base64,") + 8), detail);
            }
            return null;
        }
    }
}
