package io.datamover.bench.outage;

import io.datamover.bench.rpo.MachineFacts;
import java.util.List;
import java.util.Optional;

/**
 * One tap-outage run.
 *
 * @param samples the tap's readings, the first before the gateway was killed, the last after fio stopped
 * @param tapAliveAtEnd whether the tap process still ran when fio stopped
 * @param bitmapTransition the tap's log line saying when and why it went to bitmap mode, if it did
 */
record OutageResult(OutageOptions options, MachineFacts machine, List<TapSample> samples, FioFigures fio,
        boolean tapAliveAtEnd, Optional<String> bitmapTransition) {}
