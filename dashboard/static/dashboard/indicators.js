// The grassroots indicators' trend over years against the policy targets (dashed lines).
(function () {
  "use strict";
  const el = document.getElementById("chart-trend");
  const source = document.getElementById("trend-data");
  if (!el || !source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const targets = data.targets || {};
  const line = (name, values, target, axis) => ({
    name,
    type: "line",
    yAxisIndex: axis,
    connectNulls: false,
    data: values,
    markLine:
      target == null
        ? undefined
        : { symbol: "none", lineStyle: { type: "dashed" }, label: { position: "insideEndTop", formatter: name + "目标 " + target }, data: [{ yAxis: target }] },
  });
  const chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 50, right: 50, top: 40, bottom: 30 },
    xAxis: { type: "category", data: data.years.map(String) },
    // The axes reach the targets, so each dashed target line shows even while the values are far below.
    yAxis: [
      { type: "value", name: "每万人口", max: (v) => Math.ceil(Math.max(v.max, (targets.density || 0) * 1.1)) },
      { type: "value", name: "%", max: 100 },
    ],
    series: [
      line("每万人口", data.density, targets.density, 0),
      line("高级岗位%", data.senior, targets.senior, 1),
      line("骨干人才%", data.backbone, targets.backbone, 1),
    ],
  });
  el.dataset.drawn = "1";
})();
