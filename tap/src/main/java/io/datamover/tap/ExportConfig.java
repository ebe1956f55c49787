package io.datamover.tap;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One disk the tap serves: the NBD export name clients ask for, and the image file behind it. The name also names
 * the disk's dirty-bitmap file in the state directory, hence the restricted alphabet.
 */
public record ExportConfig(String name, Path path) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public ExportConfig {
        Objects.requireNonNull(name, "export name");
        Objects.requireNonNull(path, "export path");
        if (!NAME.matcher(name).matches()) {
            throw new InvalidTapConfigException("export name '" + name + "' must match " + NAME.pattern());
        }
    }
}
