package io.datamover.tap;

/** The tap's configuration is inconsistent; the message says which setting and why. */
public final class InvalidTapConfigException extends IllegalArgumentException {

    public InvalidTapConfigException(String message) {
        super(message);
    }
}
