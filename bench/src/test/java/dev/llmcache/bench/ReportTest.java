package dev.llmcache.bench;

import static org.assertj.core.api.Assertions.assertThat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void eachScenarioGetsARowOfWhereTheCpuWentAndItsOtherFindingsStayInItsDescription() {
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("jitSettleSeconds", 3.0);
        cpu.put("seconds", 20.0);
        cpu.put("machineBusyPercent", 97.5);
        cpu.put("productCores", 1.21);
        cpu.put("productJitCores", 0.25);
        cpu.put("productGcPauseMillis", 447.0);
        cpu.put("loadGeneratorCores", 0.76);
        ScenarioResult hits = new ScenarioRecorder().result("hits-1000rps", "Open loop.", Map.of())
                .with("cpu", cpu).with("upstreamCalls", 0L);

        String markdown = Report.markdown(Map.of(), List.of(hits), List.of(), List.of());

        assertThat(markdown).contains("| hits-1000rps | 3.0 | 20.0 | 97.5% | 1.21 | 0.25 | 447.0 | 0.76 |");
        assertThat(markdown).contains("- **hits-1000rps**: Open loop. Findings: {upstreamCalls=0}");
    }
}
