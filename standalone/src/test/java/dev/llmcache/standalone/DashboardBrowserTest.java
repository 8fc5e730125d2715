package dev.llmcache.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The live dashboard in a real headless Chromium while traffic runs: the charts fill with data.
 * Needs Debian's {@code chromium} and {@code chromium-driver} (installed by {@code .ci/run}).
 * The screenshot is kept as {@code standalone/target/dashboard.png}.
 */
class DashboardBrowserTest extends PipelineTestBase {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    @Test
    void theChartsShowTheTrafficLive() throws Exception {
        assertThat(new File(CHROMIUM)).as("Chromium is required: apt-get install chromium chromium-driver").exists();
        AtomicBoolean trafficRunning = new AtomicBoolean(true);
        Thread traffic = new Thread(() -> {
            // Bounded: at most 400 requests over a few prompts, so hits, misses and a real hit rate show.
            for (int i = 0; i < 400 && trafficRunning.get(); i++) {
                chat("dashboard traffic " + (i % 4));
            }
        }, "dashboard-traffic");
        traffic.start();
        ChromeDriver browser = new ChromeDriver(
                new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).build(),
                new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--window-size=1400,1000"));
        try {
            browser.get("http://127.0.0.1:" + port + "/dashboard");
            long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
            long hitRatePoints = 0;
            double bestHitRate = 0;
            double throughput = 0;
            while (System.nanoTime() < deadline && (hitRatePoints < 3 || bestHitRate <= 0 || throughput <= 0)) {
                Thread.sleep(500);
                hitRatePoints = (Long) script(browser, "return window.llmcacheDashboard.charts.hitRate.data.datasets[0].data.filter(v => v !== null).length");
                bestHitRate = ((Number) script(browser, "return Math.max(0, ...window.llmcacheDashboard.charts.hitRate.data.datasets[0].data)")).doubleValue();
                throughput = ((Number) script(browser, "return window.llmcacheDashboard.charts.throughput.data.datasets"
                        + ".flatMap(d => d.data).reduce((a, b) => a + b, 0)")).doubleValue();
            }
            Thread.sleep(1_000);
            File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), Path.of("target", "dashboard.png"), StandardCopyOption.REPLACE_EXISTING);

            assertThat(hitRatePoints).as("windows on the hit-rate chart").isGreaterThanOrEqualTo(3);
            assertThat(bestHitRate).as("the hit rate of repeated prompts").isPositive();
            assertThat(throughput).as("requests/s on the throughput chart").isPositive();
            assertThat((Long) script(browser, "return window.llmcacheDashboard.charts.latency.data.datasets[1].data.filter(v => v).length"))
                    .as("p95 points on the latency chart").isPositive();
            assertThat(browser.findElement(org.openqa.selenium.By.id("kpi-hit-rate")).getText()).endsWith("%");
        } finally {
            trafficRunning.set(false);
            browser.quit();
            traffic.join(30_000);
        }
    }

    private static Object script(ChromeDriver browser, String js) {
        return ((JavascriptExecutor) browser).executeScript(js);
    }
}
