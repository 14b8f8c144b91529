// Draws every chart of the page: each <div data-chart-spec="ID"> gets the Vega-Lite spec in
// <script type="application/json" id="ID">. Expressions run in vega-embed's interpreter
// (ast: true), so no string is evaluated as code and a Content-Security-Policy without
// 'unsafe-eval' holds. Charts that htmx swaps in are drawn when they arrive.
(function () {
  "use strict";
  const options = {actions: false, renderer: "svg", ast: true, defaultStyle: false};

  function draw(view) {
    if (view.dataset.chartState) { return; }
    view.dataset.chartState = "drawing";
    const source = document.getElementById(view.dataset.chartSpec);
    const spec = JSON.parse(source.textContent);
    vegaEmbed(view, spec, options).then(function () {
      view.dataset.chartState = "drawn";
    }).catch(function (error) {
      view.dataset.chartState = "failed";
      console.error("chart " + view.id + ":", error);
    });
  }

  function drawAll(root) {
    root.querySelectorAll("[data-chart-spec]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
})();
