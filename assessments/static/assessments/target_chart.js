// Duty-target progress: per target, the share done against the share due by the current quarterly milestone.
(function () {
  "use strict";
  const el = document.getElementById("target-chart");
  const source = document.getElementById("target-chart-data");
  if (!el || !source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  el.style.height = Math.max(260, 34 * data.names.length + 80) + "px";
  const chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 150, right: 40, top: 36, bottom: 30 },
    legend: { data: ["已完成", "季度节点"], top: 4 },
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: (items) => {
        const i = items[0].dataIndex;
        return `${data.names[i]}<br>已完成 ${data.done[i]} / 聘期目标 ${data.target[i]}（${data.percent[i]}%）<br>当前节点 ${data.milestone[i]}（${data.milestonePercent[i]}%）`;
      },
    },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", inverse: true, data: data.names },
    series: [
      {
        name: "已完成",
        type: "bar",
        data: data.percent.map((p, i) => ({
          value: p,
          itemStyle: { color: p >= data.milestonePercent[i] ? "#2e8b57" : "#d9822b" },
        })),
        barMaxWidth: 16,
        label: { show: true, position: "right", formatter: (p) => `${data.done[p.dataIndex]}/${data.target[p.dataIndex]}` },
      },
      {
        name: "季度节点",
        type: "scatter",
        symbol: "rect",
        symbolSize: [3, 22],
        itemStyle: { color: "#2f6fde" },
        data: data.milestonePercent,
      },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();
