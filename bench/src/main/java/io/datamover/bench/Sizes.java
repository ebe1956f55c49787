package io.datamover.bench;

/** Byte sizes as the bench commands take and print them: {@code 64k}, {@code 4G}, {@code 1 GiB}. */
public final class Sizes {
    private Sizes() {}

    /** {@code 4096}, {@code 64k}, {@code 256M}, {@code 4G} (binary units, case-insensitive). */
    public static long parse(String text) {
        String t = text.trim().toUpperCase();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty size");
        }
        long unit = switch (t.charAt(t.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        try {
            return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: " + text, e);
        }
    }

    /** The largest binary unit that divides {@code bytes} evenly: {@code 4 GiB}, {@code 64 KiB}. */
    public static String human(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }
}
