// The dashboard's charts: each figure's JSON drawn by ECharts (canvas); a click on a bar opens the
// list behind it (the figure's drill query string), red where the figure flags a value.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-data");
  const script = document.getElementById("dashboard-script");
  if (!source || !script || typeof echarts === "undefined") return;
  const drillUrl = script.dataset.drill;
  const palette = ["#2f6fde", "#2e8b57", "#d9822b", "#8e44ad", "#7f8c8d"];
  const red = "#c0392b";

  JSON.parse(source.textContent).forEach((figure) => {
    const el = document.getElementById("chart-" + figure.key);
    if (!el) return;
    const stacked = figure.kind === "stacked";
    const horizontal = figure.categories.length > 8;
    if (horizontal) el.style.height = Math.max(320, 22 * figure.categories.length + 90) + "px";
    const chart = echarts.init(el, null, { renderer: "canvas" });
    const counts = figure.series.every((s) => s.data.every((v) => Number.isInteger(v)));
    const valueAxis = { type: "value", minInterval: counts ? 1 : 0 };
    const categoryAxis = {
      type: "category",
      data: figure.categories,
      inverse: horizontal,
      axisLabel: horizontal ? { width: 170, overflow: "truncate" } : { interval: 0, rotate: figure.categories.length > 4 ? 30 : 0, width: 110, overflow: "truncate" },
    };
    chart.setOption({
      animation: false,
      color: palette,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      legend: { top: 0, type: "scroll" },
      grid: { left: horizontal ? 180 : 50, right: 24, top: 36, bottom: horizontal ? 24 : 70 },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: figure.series.map((s, i) => ({
        name: s.name,
        type: "bar",
        stack: stacked ? "total" : undefined,
        barMaxWidth: 28,
        cursor: "pointer",
        itemStyle: s.color ? { color: s.color } : undefined,
        data: s.data.map((v, j) => ({
          value: v,
          itemStyle: figure.highlight.length && figure.highlight[i][j] ? { color: red } : undefined,
        })),
      })),
    });
    chart.on("click", (params) => {
      const query = (figure.drill[params.seriesIndex] || [])[params.dataIndex];
      if (query) window.location.href = drillUrl + "?" + query;
    });
    el.dataset.drawn = "1";
    window.addEventListener("resize", () => chart.resize());
  });

  // Report links carry the chosen scope, month and year.
  document.querySelectorAll("[data-report]").forEach((link) => {
    link.addEventListener("click", (event) => {
      const params = new URLSearchParams();
      const institution = document.getElementById("report-institution").value;
      if (institution) params.set("institution", institution);
      if (link.dataset.report === "monthly") params.set("month", document.getElementById("report-month").value);
      else params.set("year", document.getElementById("report-year").value);
      event.preventDefault();
      window.location.href = link.getAttribute("href") + "?" + params.toString();
    });
  });
})();
