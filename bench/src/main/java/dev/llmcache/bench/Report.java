package dev.llmcache.bench;

import dev.llmcache.common.serde.Json;
import java.awt.BasicStroke;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Writes a run's results: {@code results.json}, {@code report.md} and PNG charts. */
final class Report {

    /** A target of the performance issue and whether this run met it. */
    record Target(String name, String goal, String measured, String verdict) {
    }

    private Report() {
    }

    static void write(Path dir, Map<String, Object> environment, List<ScenarioResult> scenarios, List<Target> targets,
                      List<String> notes) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(
                Map.of("environment", environment, "scenarios", scenarios, "targets", targets, "notes", notes)));
        System.setProperty("java.awt.headless", "true");
        percentileChart(dir.resolve("latency-percentiles.png"), scenarios);
        throughputChart(dir.resolve("throughput.png"), scenarios);
        Files.writeString(dir.resolve("report.md"), markdown(environment, scenarios, targets, notes));
    }

    static String markdown(Map<String, Object> environment, List<ScenarioResult> scenarios, List<Target> targets,
                           List<String> notes) {
        StringBuilder md = new StringBuilder("# llmcache benchmark\n\n");
        environment.forEach((key, value) -> md.append("- ").append(key).append(": ").append(value).append('\n'));
        md.append("\n## Targets\n\n| target | goal | measured | verdict |\n|---|---|---|---|\n");
        targets.forEach(t -> md.append("| ").append(t.name()).append(" | ").append(t.goal()).append(" | ")
                .append(t.measured()).append(" | ").append(t.verdict()).append(" |\n"));
        md.append("\n## Scenarios\n\nLatencies in ms. TTFB is the time to the first body bytes (the first token of a "
                + "stream; the whole answer otherwise).\n\n"
                + "| scenario | requests | req/s | TTFB p50 | TTFB p99 | total p50 | total p90 | total p99 | total max "
                + "| outcomes | errors |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (ScenarioResult s : scenarios) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s |%n",
                    s.name(), s.requests(), s.throughput(), s.timeToFirstByte().p50(), s.timeToFirstByte().p99(),
                    s.total().p50(), s.total().p90(), s.total().p99(), s.total().max(), s.outcomes(), s.errors()));
        }
        cpuTable(md, scenarios);
        md.append("\n### What each scenario does\n\n");
        for (ScenarioResult s : scenarios) {
            Map<String, Object> findings = new TreeMap<>(s.extra());
            findings.remove("cpu");
            md.append("- **").append(s.name()).append("**: ").append(s.description())
                    .append(findings.isEmpty() ? "" : " Findings: " + findings).append('\n');
        }
        if (!notes.isEmpty()) {
            md.append("\n## Notes\n\n");
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        md.append("\n![latency percentiles](latency-percentiles.png)\n\n![throughput](throughput.png)\n");
        return md.toString();
    }

    /** Where the machine's CPU went in each scenario (see {@link CpuAccount}); -1: could not be read. */
    private static void cpuTable(StringBuilder md, List<ScenarioResult> scenarios) {
        md.append("\n### Where the CPU went\n\nCores used on average over each scenario, of the machine's ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(". The product's JIT share is the CPU of its compiler threads; before each scenario the "
                        + "suite waited (JIT settle wait) for them to go nearly idle. GC pauses stop all of the "
                        + "product's threads. The load generator's JVM also runs the simulated LLMs.\n\n"
                        + "| scenario | JIT settle wait (s) | seconds | machine busy | product (cores) | of it JIT "
                        + "| product GC pauses (ms) | load generator (cores) |\n|---|---|---|---|---|---|---|---|\n");
        for (ScenarioResult s : scenarios) {
            if (s.extra().get("cpu") instanceof Map<?, ?> cpu) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s%% | %s | %s | %s | %s |%n", s.name(),
                        cpu.get("jitSettleSeconds"), cpu.get("seconds"), cpu.get("machineBusyPercent"),
                        cpu.get("productCores"), cpu.get("productJitCores"), cpu.get("productGcPauseMillis"),
                        cpu.get("loadGeneratorCores")));
            }
        }
    }

    private static void percentileChart(Path file, List<ScenarioResult> scenarios) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (ScenarioResult s : scenarios) {
            XYSeries series = new XYSeries(s.name() + " (total)");
            s.total().curve().forEach((percentile, millis) -> {
                if (percentile < 100 && millis > 0) {
                    series.add(1 / (1 - percentile / 100.0), (double) millis);
                }
            });
            if (!series.isEmpty()) {
                data.addSeries(series);
            }
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Latency by percentile", "percentile", "ms", data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        LogAxis percentiles = new LogAxis("percentile (1 = p0, 10 = p90, 100 = p99, 1000 = p99.9)");
        percentiles.setBase(10);
        percentiles.setNumberFormatOverride(new java.text.DecimalFormat("0.##"));
        plot.setDomainAxis(percentiles);
        LogAxis millis = new LogAxis("latency (ms, log)");
        millis.setBase(10);
        millis.setNumberFormatOverride(new java.text.DecimalFormat("0.##"));
        plot.setRangeAxis(millis);
        styled(plot);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1100, 650);
    }

    private static void throughputChart(Path file, List<ScenarioResult> scenarios) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (ScenarioResult s : scenarios) {
            if (s.timeline().size() < 3) {
                continue;
            }
            XYSeries series = new XYSeries(s.name());
            s.timeline().forEach((second, count) -> series.add((double) second, (double) count));
            data.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Throughput over time", "seconds into the scenario",
                "completed requests per second", data, PlotOrientation.VERTICAL, true, false, false);
        styled(chart.getXYPlot());
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1100, 650);
    }

    private static void styled(XYPlot plot) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < plot.getDataset().getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        plot.setBackgroundPaint(java.awt.Color.WHITE);
        plot.setRangeGridlinePaint(java.awt.Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(java.awt.Color.LIGHT_GRAY);
    }
}
