// riskoff dashboard: draw every chart on the page from its JSON data block.
// No inline code on the pages: this file and plotly.min.js are all the script there is.
(function () {
  "use strict";

  function dayOf(x) {
    var s = String(x || "");
    var m = /^(\d{4}-\d{2}-\d{2})/.exec(s);
    return m ? m[1] : null;
  }

  function draw(div) {
    var block = document.getElementById(div.getAttribute("data-figure"));
    if (!block) { return; }
    var spec = JSON.parse(block.textContent);
    var fig = spec.figure || {};
    window.Plotly.newPlot(div, fig.data || [], fig.layout || {}, spec.config || {}).then(function () {
      div.setAttribute("data-rendered", "1");
    });
    if (div.getAttribute("data-click") === "day") {
      div.on("plotly_click", function (ev) {
        if (!ev || !ev.points || !ev.points.length) { return; }
        var day = dayOf(ev.points[0].x);
        if (day) { window.location.assign("/day/" + day); }
      });
    }
  }

  function start() {
    if (!window.Plotly) { return; }
    var charts = document.querySelectorAll("div.rk-chart[data-figure]");
    for (var i = 0; i < charts.length; i++) { draw(charts[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
