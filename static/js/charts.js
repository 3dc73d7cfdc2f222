// Bar charts for the dashboards: each <canvas data-chart="ID"> draws the JSON of <script id="ID">
// (made by json_script on the server), a bar per label and its 95% interval as a thin bar.
(function () {
  "use strict";
  function draw(canvas) {
    if (canvas.dataset.drawn || typeof Chart === "undefined") return;
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var percent = canvas.dataset.percent === "1";
    var scale = function (v) { return v === null ? null : (percent ? 100 * v : v); };
    canvas.dataset.drawn = "1";
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          // Drawn first (a higher order), so the interval bar stays visible on top of it.
          { label: data.title, data: data.values.map(scale), backgroundColor: "#6a8caf", order: 1 },
          {
            label: canvas.dataset.intervalLabel || "95% interval",
            order: 0,
            data: data.ranges.map(function (r) { return r ? [scale(r[0]), scale(r[1])] : null; }),
            backgroundColor: "#22313f",
            barPercentage: 0.08,
            grouped: false
          }
        ]
      },
      options: {
        animation: false,
        responsive: true,
        scales: {
          y: {
            beginAtZero: true,
            max: percent ? 100 : (canvas.dataset.max ? Number(canvas.dataset.max) : undefined)
          }
        },
        plugins: { legend: { display: true } }
      }
    });
  }
  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // The figures block is replaced by htmx while a worker computes: draw what it brings.
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
