/* Compliance charts (templates/portal/compliance/_charts.html): every element with data-chart
   becomes an Apache ECharts chart, drawn as SVG: "bar" (a rate per group, one bar a row) or "line"
   (a rate per year). The figures stay in the page as text below each chart. */
(function () {
  if (!window.echarts) return;
  var accent = "#0b6e69", grid = "#e5e7eb";
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec = JSON.parse(el.dataset.chart);
    var bar = spec.kind === "bar";
    el.style.height = (bar ? Math.max(120, 34 * spec.labels.length + 40) : 240) + "px";
    var chart = echarts.init(el, null, { renderer: "svg" });
    var rates = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { lineStyle: { color: grid } } };
    var groups = { type: "category", data: spec.labels, inverse: bar, axisLabel: { width: 110, overflow: "truncate" } };
    chart.setOption({
      animation: false,
      grid: { left: 8, right: bar ? 96 : 24, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", formatter: function (items) { return items[0].name + "：" + spec.texts[items[0].dataIndex]; } },
      xAxis: bar ? rates : groups,
      yAxis: bar ? groups : rates,
      series: [{
        type: spec.kind, data: spec.rates, itemStyle: { color: accent }, lineStyle: { color: accent }, barMaxWidth: 18, connectNulls: false,
        // A bar carries its figures; a point of the line just its rate (the figures are in the tooltip).
        label: { show: true, position: bar ? "right" : "top",
                 formatter: function (p) { return bar ? spec.texts[p.dataIndex] : (p.value === null ? "" : p.value + "%"); } }
      }]
    });
    el.closest(".chart-figure").classList.add("drawn");
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
