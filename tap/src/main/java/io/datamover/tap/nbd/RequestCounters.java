package io.datamover.tap.nbd;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The per-command request counters, looked up once instead of on every request (a hot path). */
final class RequestCounters {
    private static final int KNOWN_COMMANDS = Nbd.CMD_BLOCK_STATUS + 1;

    private final Counter[] byCommand;
    private final Counter unknown;

    private RequestCounters(Counter[] byCommand, Counter unknown) {
        this.byCommand = byCommand;
        this.unknown = unknown;
    }

    static RequestCounters of(MeterRegistry registry) {
        Counter[] counters = new Counter[KNOWN_COMMANDS];
        for (int type = 0; type < KNOWN_COMMANDS; type++) {
            counters[type] = registry.counter("datamover.tap.requests", "command", Nbd.commandName(type));
        }
        return new RequestCounters(counters, registry.counter("datamover.tap.requests", "command", "unknown"));
    }

    void count(int type) {
        (type >= 0 && type < KNOWN_COMMANDS ? byCommand[type] : unknown).increment();
    }
}
