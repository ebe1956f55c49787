package io.datamover.protocol;

/** An enum whose constants travel as numeric codes. */
public interface WireCode {
    int code();

    /** The constant of {@code type} with this code, or null when the code is unknown. */
    static <E extends Enum<E> & WireCode> E lookup(Class<E> type, int code) {
        for (E e : type.getEnumConstants()) {
            if (e.code() == code) {
                return e;
            }
        }
        return null;
    }
}
