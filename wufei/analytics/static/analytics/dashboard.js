/* The supervision dashboard (监管驾驶舱): trends, composition, the choropleth of the child
   regions and the risk base map, drawn with the vendored ECharts from the page's
   json_script ("dashboard-data"). No inline script, no network beyond this site. */
(function () {
  "use strict";

  var COLOURS = ["#1565c0", "#2e7d32", "#c62828", "#ef8f00", "#6a1b9a", "#00838f", "#5d4037"];
  // Tooltips drawn on the canvas (richText): no HTML with inline styles, so the page's CSP
  // (style-src 'self') has nothing to refuse.
  var TOOLTIP = { renderMode: "richText", confine: true };
  var charts = [];

  function num(v, digits) {
    if (v === null || v === undefined) { return "—"; }
    return Number(v).toLocaleString("zh-CN", { maximumFractionDigits: digits === undefined ? 2 : digits });
  }

  function chart(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var c = window.echarts.init(el, null, { renderer: "canvas" });
    charts.push(c);
    return c;
  }

  function trend(data) {
    var c = chart("chart-trend");
    if (!c) { return; }
    var series = data.trends.series.map(function (s, k) {
      return {
        name: s.short + (s.unit && s.unit !== "%" ? "（" + s.unit + "）" : ""),
        type: "line",
        connectNulls: false,
        yAxisIndex: s.unit === "%" ? 0 : 1,
        data: s.values,
        itemStyle: { color: COLOURS[k % COLOURS.length] }
      };
    });
    c.setOption({
      animation: false,
      tooltip: Object.assign({ trigger: "axis" }, TOOLTIP),
      legend: { type: "scroll", top: 0, left: 8, right: 8 },
      grid: { left: 48, right: 56, top: 64, bottom: 28 },
      xAxis: { type: "category", data: data.trends.months.map(function (m) { return m + "月"; }) },
      yAxis: [{ type: "value", name: "%" }, { type: "value", name: data.labels.other_units }],
      series: series
    });
  }

  function composition(data) {
    var c = chart("chart-composition");
    if (!c) { return; }
    var rows = data.composition.slice(0, 12).reverse();
    var L = data.labels;
    c.setOption({
      animation: false,
      tooltip: Object.assign({ trigger: "axis", axisPointer: { type: "shadow" } }, TOOLTIP),
      legend: { top: 0 },
      grid: { left: 70, right: 24, top: 36, bottom: 24 },
      xAxis: { type: "value", name: "t" },
      yAxis: { type: "category", data: rows.map(function (r) { return r.category; }) },
      series: [
        { name: L.utilised, type: "bar", stack: "t", data: rows.map(function (r) { return r.utilised_t; }), itemStyle: { color: "#2e7d32" } },
        { name: L.disposed, type: "bar", stack: "t", data: rows.map(function (r) { return Math.max(r.disposed_t - r.landfilled_t, 0); }), itemStyle: { color: "#1565c0" } },
        { name: L.landfilled, type: "bar", stack: "t", data: rows.map(function (r) { return r.landfilled_t; }), itemStyle: { color: "#c62828" } },
        { name: L.stored, type: "bar", stack: "t", data: rows.map(function (r) { return Math.max(r.generated_t - r.utilised_t - r.disposed_t, 0); }), itemStyle: { color: "#b0bec5" } }
      ]
    });
    if (!rows.length) {
      c.setOption({ graphic: { type: "text", left: "center", top: "middle", style: { text: L.no_data, fill: "#888", fontSize: 14 } } });
    }
  }

  // The features drawn for a region: its children (cities of a province, counties of a city),
  // or the county itself.
  function features(geo, code) {
    var kids = geo.features.filter(function (f) { return f.properties.parent_code === code; });
    if (!kids.length) {
      kids = geo.features.filter(function (f) { return f.properties.code === code; });
    }
    return { type: "FeatureCollection", features: kids };
  }

  function choropleth(data, mapName, byName) {
    var c = chart("chart-map");
    if (!c) { return; }
    var select = document.getElementById("map-indicator");
    var children = data.children;
    if (!children.length) {  // a county: its outline, nothing to colour
      c.setOption({
        animation: false,
        series: [{ type: "map", map: mapName, roam: true, selectedMode: false, silent: true,
          label: { show: true, fontSize: 11, color: "#263238" },
          itemStyle: { areaColor: "#e3f2fd", borderColor: "#1565c0" }, data: [] }]
      });
      return;
    }
    function draw() {
      var key = select ? select.value : "hazardous_t";
      var values = children.map(function (r) {
        var v = key in r ? r[key] : (r.indicators || {})[key];
        return { name: r.name, value: v === null || v === undefined ? NaN : v, code: r.region_code };
      });
      var finite = values.map(function (v) { return v.value; }).filter(function (v) { return isFinite(v); });
      var label = select ? select.options[select.selectedIndex].text : "";
      c.setOption({
        animation: false,
        tooltip: Object.assign({ trigger: "item", formatter: function (p) { return p.name + "\n" + label.replace(/\s*[(（].*$/, "") + "：" + num(p.value); } }, TOOLTIP),
        visualMap: {
          min: finite.length ? Math.min.apply(null, finite) : 0,
          max: finite.length ? Math.max.apply(null, finite.concat([Math.min.apply(null, finite) + 1e-9])) : 1,
          left: 8, bottom: 8, calculable: true, precision: 2,
          inRange: { color: ["#e3f2fd", "#64b5f6", "#1565c0", "#0d2a6b"] },
          outOfRange: { color: "#eeeeee" }
        },
        series: [{
          type: "map", map: mapName, roam: true, selectedMode: false,
          label: { show: true, fontSize: 10, color: "#263238", textBorderColor: "#fff", textBorderWidth: 2 },
          itemStyle: { borderColor: "#fff", borderWidth: 1, areaColor: "#eceff1" },
          emphasis: { label: { show: true }, itemStyle: { areaColor: "#ffb74d" } },
          data: values
        }]
      }, { replaceMerge: ["series"] });
    }
    draw();
    if (select) { select.addEventListener("change", draw); }
    c.on("click", function (p) {
      var code = (p.data && p.data.code) || byName[p.name];
      if (code && code !== data.region.code) {
        window.location.href = data.urls.child.replace("000000", code);
      }
    });
  }

  function risk(data, mapName) {
    var c = chart("chart-risk");
    if (!c) { return; }
    var style = {
      producers: { symbol: "circle", colours: ["#c62828", "#ef8f00", "#fdd835", "#90a4ae"] },
      operators: { symbol: "diamond", colours: ["#1565c0", "#00838f"] },
      warnings: { symbol: "triangle", colours: ["#d50000"] }
    };
    var used = { producers: 0, operators: 0, warnings: 0 };
    fetch(data.urls.risk, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (risk) {
      var maxCap = 1;
      risk.layers.forEach(function (l) {
        if (l.kind === "operators") { l.points.forEach(function (p) { maxCap = Math.max(maxCap, p.value[2]); }); }
      });
      var series = risk.layers.map(function (l) {
        var s = style[l.kind];
        var colour = s.colours[used[l.kind]++ % s.colours.length];
        return {
          id: l.id, name: l.name + " (" + l.points.length + ")", type: "scatter", coordinateSystem: "geo",
          symbol: s.symbol, data: l.points, itemStyle: { color: colour, borderColor: "#fff", borderWidth: 0.5 },
          symbolSize: l.kind === "operators" ? function (v) { return 6 + 18 * Math.sqrt(v[2] / maxCap); } : (l.kind === "warnings" ? 9 : 5),
          z: l.kind === "warnings" ? 5 : (l.kind === "operators" ? 4 : 3)
        };
      });
      c.setOption({
        animation: false,
        tooltip: Object.assign({ trigger: "item", formatter: function (p) { return p.seriesName.replace(/ \(\d+\)$/, "") + "\n" + p.name; } }, TOOLTIP),
        legend: { type: "scroll", orient: "vertical", left: 4, top: 4, textStyle: { fontSize: 11 } },
        geo: { map: mapName, roam: true, itemStyle: { areaColor: "#f5f7fa", borderColor: "#90a4ae" }, emphasis: { disabled: true }, layoutCenter: ["58%", "50%"], layoutSize: "95%" },
        series: series
      });
      document.getElementById("chart-risk").setAttribute("data-ready", "1");
    });
  }

  function start() {
    var node = document.getElementById("dashboard-data");
    if (!node || !window.echarts) { return; }
    var data = JSON.parse(node.textContent);
    trend(data);
    composition(data);
    var drill = document.querySelector("[data-drill]");
    if (drill) {
      drill.addEventListener("change", function () { if (drill.value) { window.location.href = drill.value; } });
    }
    fetch(data.urls.geo, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      var mapName = "region-" + data.region.code;
      var fc = features(geo, data.region.code);
      var byName = {};
      fc.features.forEach(function (f) { byName[f.properties.name] = f.properties.code; });
      window.echarts.registerMap(mapName, fc);
      choropleth(data, mapName, byName);
      risk(data, mapName);
      document.getElementById("chart-map").setAttribute("data-ready", String(fc.features.length));
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
