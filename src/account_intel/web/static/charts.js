// Draws every <canvas data-chart='...'> with Chart.js. The server computed every figure (web/charts.py); this file
// only reads them and draws. Without JavaScript the canvas shows its fallback text and the table beside it.
(function () {
  "use strict";

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  var COLORS = {
    series: [cssVar("--accent", "#2a5bd7"), cssVar("--muted", "#687086")],
    gain: cssVar("--green", "#2e7d4f"),
    loss: cssVar("--red", "#c0392b"),
    band: { Green: cssVar("--green", "#2e7d4f"), Yellow: cssVar("--yellow", "#b7860b"), Red: cssVar("--red", "#c0392b") },
  };

  function tick(unit) {
    if (unit === "money") {
      var money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", notation: "compact" });
      return function (value) { return money.format(value); };
    }
    var plain = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
    return function (value) { return plain.format(value); };
  }

  function dataset(spec, series, index) {
    var color = COLORS.series[index % COLORS.series.length];
    var values = series.values.map(Number);
    var set = { label: series.name, data: values, shown: series.shown, backgroundColor: color, borderColor: color };
    if (spec.signed) {
      set.backgroundColor = values.map(function (v) { return v < 0 ? COLORS.loss : COLORS.gain; });
      set.borderColor = set.backgroundColor;
    }
    if (series.bands) {
      set.pointBackgroundColor = series.bands.map(function (b) { return COLORS.band[b] || color; });
      set.pointBorderColor = set.pointBackgroundColor;
      set.pointRadius = 4;
      set.tension = 0;
    }
    return set;
  }

  function draw(canvas) {
    var spec;
    try {
      spec = JSON.parse(canvas.getAttribute("data-chart"));
    } catch (err) {
      return;
    }
    var y = { ticks: { callback: tick(spec.unit) } };
    if (spec.y_min !== null) { y.min = spec.y_min; }
    if (spec.y_max !== null) { y.max = spec.y_max; }
    if (spec.y_min === null) { y.beginAtZero = true; }
    new window.Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets: spec.series.map(function (s, i) { return dataset(spec, s, i); }) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: y },
        plugins: {
          legend: { display: spec.series.length > 1 },
          tooltip: {
            callbacks: {
              label: function (ctx) { return ctx.dataset.label + ": " + ctx.dataset.shown[ctx.dataIndex]; },
            },
          },
        },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
  });
})();
