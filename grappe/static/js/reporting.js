/* Draws the dashboard's charts with Chart.js (vendored) from the JSON beside each canvas.
   The same numbers stand in the table next to each chart, for screen readers and without script. */
(function () {
  "use strict";
  var palette = ["#4338ca", "#a5b4fc", "#b45309", "#047857", "#be123c"];
  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      var datasets = spec.datasets.map(function (d, i) {
        return { label: d.label, data: d.data, backgroundColor: palette[i % palette.length] };
      });
      var counts = spec.datasets.every(function (d) {
        return d.data.every(function (v) { return v === null || Number.isInteger(Number(v)); });
      });
      new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: datasets },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: datasets.length > 1 } },
          // Counts step by whole numbers (no 0.1 of a publication); amounts as Chart.js chooses.
          scales: { y: { beginAtZero: true, ticks: counts ? { precision: 0 } : {} } }
        }
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
