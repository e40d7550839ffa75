// The reports dashboard's monthly trend chart. Data comes from a JSON block (strict CSP: no inline code).
(function () {
  "use strict";
  var source = document.getElementById("trend-data");
  var canvas = document.getElementById("trend-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") { return; }
  var data;
  try { data = JSON.parse(source.textContent); } catch (e) { return; }
  var colours = ["#198754", "#c8102e", "#f4b400"];
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (s, i) {
        return {
          label: s.label, data: s.data, yAxisID: s.axis,
          type: s.axis === "y1" ? "line" : "bar",
          backgroundColor: colours[i % colours.length], borderColor: colours[i % colours.length]
        };
      })
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, position: "left", title: { display: true, text: data.axes.y } },
        y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false },
              title: { display: true, text: data.axes.y1 } }
      }
    }
  });
})();
