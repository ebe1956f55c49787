package io.datamover.it;

import io.datamover.tap.support.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Debian's Chromium without a display: loads a page, lets its scripts run for a few seconds of virtual time, and
 * gives back the DOM as it then is, with a screenshot. Its own profile directory, nothing fetched but the page.
 */
final class HeadlessChromium {
    private static final Duration RUN = Duration.ofSeconds(90);
    /** Virtual time the page's scripts get before the DOM is taken: its fetches and a first refresh. */
    private static final int SCRIPT_MILLIS = 5000;

    private final Path profile;

    HeadlessChromium(Path profile) {
        this.profile = profile;
    }

    static void assumeInstalled() {
        Tools.assumeInstalled("chromium");
    }

    /** The DOM of {@code url} after its scripts ran, serialized; writes a screenshot to {@code screenshot}. */
    String dumpDom(String url, Path screenshot) throws IOException, InterruptedException {
        Files.createDirectories(screenshot.getParent());
        Files.deleteIfExists(screenshot);
        Tools.Result run = Tools.run(RUN, "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--virtual-time-budget=" + SCRIPT_MILLIS, "--window-size=1400,420",
                "--screenshot=" + screenshot, "--dump-dom", url);
        if (run.exitCode() != 0) {
            throw new AssertionError("chromium exited with " + run.exitCode() + ":\n" + run.output());
        }
        return run.output();
    }
}
