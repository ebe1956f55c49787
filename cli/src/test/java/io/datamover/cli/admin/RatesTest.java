package io.datamover.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RatesTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aRateIsTheGrowthOverTheLastWindowPerSecond() {
        AtomicLong now = new AtomicLong();
        Rates rates = new Rates(10, now::get);
        rates.sample("k", 0);
        assertThat(rates.perSecond("k")).isNull();
        for (int s = 1; s <= 30; s++) {
            now.addAndGet(SECOND);
            rates.sample("k", s <= 15 ? s * 1000L : 15_000 + (s - 15) * 100L); // 1000/s, then 100/s
        }
        assertThat(rates.perSecond("k")).isCloseTo(100.0, within(1e-9)); // the first 15 s have left the window
        assertThat(rates.perSecond("other")).isNull();
    }
}
