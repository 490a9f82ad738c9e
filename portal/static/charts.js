/* Compliance charts (templates/portal/compliance/_charts.html): every element with data-chart
   becomes an Apache ECharts chart, drawn as SVG: "bar" (a rate per group, one bar a row), "line"
   (a rate per year) or "lines" (several rates per year, with a legend). The figures stay in the
   page as text below each chart. */
(function () {
  if (!window.echarts) return;
  var accent = "#0b6e69", grid = "#e5e7eb";
  // Several series over the years: the first (the area) in the accent colour, the rest lighter.
  var palette = ["#2563eb", "#d97706", "#7c3aed", "#db2777", "#059669", "#dc2626", "#0891b2", "#65a30d", "#9333ea", "#ea580c", "#4b5563"];
  function drawLines(el, spec) {
    el.style.height = (window.innerWidth < 600 ? 320 : 300) + "px";
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      legend: { type: "scroll", bottom: 0, textStyle: { fontSize: 12 } },
      grid: { left: 8, right: 24, top: 16, bottom: 40, containLabel: true },
      tooltip: { trigger: "axis", formatter: function (items) {
        return items[0].name + "<br>" + items.map(function (item) {
          return item.marker + item.seriesName + "：" + spec.series[item.seriesIndex].texts[item.dataIndex];
        }).join("<br>");
      } },
      xAxis: { type: "category", data: spec.labels },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { lineStyle: { color: grid } } },
      series: spec.series.map(function (s, i) {
        var color = i === 0 ? accent : palette[(i - 1) % palette.length];
        return { type: "line", name: s.name, data: s.rates, connectNulls: false, symbolSize: i === 0 ? 7 : 4,
                 itemStyle: { color: color }, lineStyle: { color: color, width: i === 0 ? 3 : 1.5 },
                 label: { show: i === 0, position: "top", formatter: function (p) { return p.value === null ? "" : p.value + "%"; } } };
      })
    });
    el.closest(".chart-figure").classList.add("drawn");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec = JSON.parse(el.dataset.chart);
    if (spec.kind === "lines") { drawLines(el, spec); return; }
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
