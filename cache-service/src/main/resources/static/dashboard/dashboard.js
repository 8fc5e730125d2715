// Live dashboard: history from /metrics/aggregates, then updates over SSE from /dashboard/stream.
// Each window (keyed by its start) is one point; an update replaces the point of its window.
(function () {
  'use strict';
  const MAX_POINTS = 60;
  const windows = new Map();
  const outcomes = ['HIT', 'SEMANTIC_HIT', 'MISS', 'COALESCED', 'BYPASS', 'ERROR'];
  const colors = { HIT: '#2e9d5b', SEMANTIC_HIT: '#7cc48f', MISS: '#d9822b', COALESCED: '#3b7dd8', BYPASS: '#8e6bd1', ERROR: '#d64545' };

  function chart(id, datasets, options) {
    return new Chart(document.getElementById(id), {
      type: 'line',
      data: { labels: [], datasets: datasets },
      options: Object.assign({ animation: false, maintainAspectRatio: false, spanGaps: true,
        elements: { point: { radius: 2 } }, plugins: { legend: { position: 'bottom' } } }, options || {})
    });
  }
  const line = (label, color, extra) => Object.assign({ label: label, data: [], borderColor: color,
    backgroundColor: color, tension: 0.2 }, extra || {});

  const charts = {
    hitRate: chart('chart-hit-rate', [line('hit rate', '#2e9d5b', { fill: false })],
      { scales: { y: { min: 0, max: 100 } } }),
    throughput: chart('chart-throughput', outcomes.map(o => line(o, colors[o], { fill: true, stack: 'outcomes' })),
      { scales: { y: { stacked: true, min: 0 } } }),
    latency: chart('chart-latency', [line('p50', '#2e9d5b'), line('p95', '#d9822b'), line('p99', '#d64545')],
      { scales: { y: { type: 'logarithmic' } } }),
    saved: chart('chart-saved', [line('tokens saved', '#3b7dd8', { yAxisID: 'y' }),
      line('USD saved', '#2e9d5b', { yAxisID: 'usd' })],
      { scales: { y: { position: 'left', min: 0 }, usd: { position: 'right', min: 0, grid: { drawOnChartArea: false } } } })
  };

  function render() {
    const points = [...windows.values()].sort((a, b) => a.windowStart - b.windowStart).slice(-MAX_POINTS);
    const labels = points.map(w => new Date(w.windowStart).toLocaleTimeString());
    const seconds = w => Math.max(1, (w.windowEnd - w.windowStart) / 1000);
    Object.values(charts).forEach(c => { c.data.labels = labels; });
    charts.hitRate.data.datasets[0].data = points.map(w => +(w.hitRate * 100).toFixed(1));
    outcomes.forEach((o, i) => {
      charts.throughput.data.datasets[i].data = points.map(w => +(((w.outcomes || {})[o] || 0) / seconds(w)).toFixed(2));
    });
    ['p50', 'p95', 'p99'].forEach((p, i) => {
      charts.latency.data.datasets[i].data = points.map(w => w.latencyMillis && w.latencyMillis.count ? Math.max(0.1, w.latencyMillis[p]) : null);
    });
    charts.saved.data.datasets[0].data = points.map(w => w.tokensSaved);
    charts.saved.data.datasets[1].data = points.map(w => +w.costSavedUsd.toFixed(6));
    Object.values(charts).forEach(c => c.update());

    const last = points[points.length - 1];
    if (last) {
      document.getElementById('kpi-hit-rate').textContent = (last.hitRate * 100).toFixed(1) + '%';
      document.getElementById('kpi-throughput').textContent = (last.requests / seconds(last)).toFixed(1);
      document.getElementById('kpi-p95').textContent = last.latencyMillis.count ? last.latencyMillis.p95 + ' ms' : '–';
      const saved = points.reduce((sum, w) => sum + w.costSavedUsd, 0);
      document.getElementById('kpi-saved').textContent = '$' + saved.toFixed(4);
    }
  }

  function accept(aggregate) {
    if (aggregate.dimension !== 'all') return;
    windows.set(aggregate.windowStart, aggregate);
    render();
  }

  fetch('/metrics/aggregates?window=1h')
    .then(r => r.ok ? r.json() : [])
    .then(history => history.forEach(accept))
    .catch(() => {});

  const status = document.getElementById('status');
  const source = new EventSource('/dashboard/stream');
  source.addEventListener('open', () => { status.textContent = 'live'; });
  source.addEventListener('error', () => { status.textContent = 'reconnecting…'; });
  source.addEventListener('aggregate', e => accept(JSON.parse(e.data)));

  // For tests and for the curious: the charts and how many windows they show.
  window.llmcacheDashboard = { charts: charts, points: () => windows.size };
})();
