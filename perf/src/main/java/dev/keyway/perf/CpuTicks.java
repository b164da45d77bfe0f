package dev.keyway.perf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine's CPU as Linux reports it, so that a bench run disturbed by other work on shared cores can be
 * recognised: busy time of all cores from {@code /proc/stat}, the CPU model and the load average. Zero or
 * "unknown" where the files are missing (not Linux).
 */
final class CpuTicks {
    /** USER_HZ: the unit of /proc/stat, 100 on every mainstream Linux architecture. */
    static final double PER_SECOND = 100.0;

    private CpuTicks() {
    }

    /** Busy ticks of all cores since boot: user, nice, system, irq, softirq and steal (not idle or iowait). */
    static long busy() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static String model() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            return lines.stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
