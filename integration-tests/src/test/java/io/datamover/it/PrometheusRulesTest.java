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
        Tools.assumeInstalled("promtool");
        Tools.Result check = Tools.run(PROMTOOL, "promtool", "check", "rules", MonitoringFiles.RULES.toString());

        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: 11 rules found");
    }

    @Test
    void rulesFireOnRecordedSeries() throws Exception {
        Tools.assumeInstalled("promtool");
        Tools.Result test = Tools.run(PROMTOOL, "promtool", "test", "rules", MonitoringFiles.RULE_TESTS.toString());

        assertThat(test.exitCode()).as(test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    @Test
    void everyRuleAndPanelHasAQuery() throws Exception {
        assertThat(MonitoringFiles.ruleExpressions()).hasSize(11).allSatisfy(e -> assertThat(e).isNotBlank());
        assertThat(MonitoringFiles.dashboardExpressions()).hasSizeGreaterThanOrEqualTo(12);
    }
}
