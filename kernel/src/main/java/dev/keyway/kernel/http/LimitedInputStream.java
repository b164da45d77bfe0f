package dev.keyway.kernel.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Streams a request body through, failing once more than the limit has been read (chunked bodies). */
final class LimitedInputStream extends FilterInputStream {
    private final long limit;
    private long read;
    private volatile boolean exceeded;

    LimitedInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    boolean exceeded() {
        return exceeded;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            count(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            count(n);
        }
        return n;
    }

    private void count(int n) throws IOException {
        read += n;
        if (read > limit) {
            exceeded = true;
            throw new IOException("request body larger than " + limit + " bytes");
        }
    }
}
