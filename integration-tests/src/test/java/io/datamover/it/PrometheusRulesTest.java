package io.datamover.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.datamover.tap.support.Tools;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The shipped alert rules are valid ({@code promtool check rules}) and fire on recorded series where they should
 * and not before ({@code promtool test rules} with monitoring/prometheus/datamover-alerts.test.yml).
 */
class PrometheusRulesTest {
    private static final Duration PROMTOOL = Duration.ofSeconds(60);

    @Test
    void rulesAreValid() throws Exception {
        assertThat(promtool("check", "rules", MonitoringFiles.RULES.toString())).contains("SUCCESS: 14 rules found");
    }

    @Test
    void rulesFireOnRecordedSeries() throws Exception {
        assertThat(promtool("test", "rules", MonitoringFiles.RULE_TESTS.toString())).contains("SUCCESS");
    }

    @Test
    void everyRuleAndPanelHasAQuery() throws Exception {
        assertThat(MonitoringFiles.ruleExpressions()).hasSize(14).allSatisfy(e -> assertThat(e).isNotBlank());
        assertThat(MonitoringFiles.dashboardExpressions()).hasSizeGreaterThanOrEqualTo(12);
    }

    /** What {@code promtool args...} printed; it must exit 0. */
    private static String promtool(String... args) throws Exception {
        Tools.assumeInstalled("promtool");
        String[] command = new String[args.length + 1];
        command[0] = "promtool";
        System.arraycopy(args, 0, command, 1, args.length);
        Tools.Result run = Tools.run(PROMTOOL, command);
        assertThat(run.exitCode()).as(run.output()).isZero();
        return run.output();
    }
}
