/* Kouan's charts: draws every `.chart[data-src]` with Apache ECharts (vendored, no CDN).
 *
 * Each container's data-src answers JSON built by kouan.dashboard (labels already translated):
 * panels of categories and series, or for the consignment Gantt view objects, spans and points.
 * When drawn, the container gets data-rendered="true" and data-series="<names joined by |>";
 * with no data, data-rendered="empty" and a message. The <details class="chart-data"> table and
 * the CSV hold the same numbers; a figure that has declarations behind it links to them (a.drill).
 * A figure of the month not over yet (series.partial) is drawn as a dashed segment (an ECharts
 * series with the same name, id "partial:<n>"); its axis label already says "(partial)".
 * One period (a single category): reference lines (dashed, dotted) are drawn as horizontal mark
 * lines across the grid, and the trend's `headline` writes each direction's figure large beside the
 * national figure and half of 2017 (.headline). The PNG export carries the card's title, region
 * and period above the chart.
 */
(function () {
  "use strict";

  var messages = {};
  try {
    messages = JSON.parse(document.getElementById("chart-messages").textContent);
  } catch (e) { /* defaults below */ }
  var PALETTE = ["#0b5cad", "#c8102e", "#067647", "#b54708", "#6941c6", "#0e9384", "#5b6b7c"];
  var instances = {};

  function fixed(v) {
    return v === null || v === undefined ? "—" : (Math.round(v * 100) / 100).toFixed(2);
  }

  function unitText(unit) {
    return unit === "h" ? (messages.hours || "h") : (unit || "");
  }

  function withUnit(v, unit) {
    var u = unitText(unit);
    return v === null || v === undefined ? "—" : fixed(v) + (u ? (u === "%" ? "%" : " " + u) : "");
  }

  function text(tag, content, cls) {
    var node = document.createElement(tag);
    node.textContent = content;
    if (cls) { node.className = cls; }
    return node;
  }

  /* ---- panels: one grid per panel, stacked top to bottom ---------------------------------- */

  function panelHeight(panel) {
    if (panel.horizontal) { return Math.max(90, 34 * panel.categories.length + 40); }
    return 240;
  }

  /* A measured line whose last figures are partial (s.partial[i], the month not over yet): the
   * solid line stops at the last complete month; a dashed one joins it to the partial figures. */
  function partialTail(s) {
    if (s.kind !== "line" || !s.partial || s.partial.indexOf(true) < 0) { return null; }
    var solid = s.values.map(function (v, i) { return s.partial[i] ? null : v; });
    var dashed = s.values.map(function (v, i) {
      var joins = !s.partial[i] && s.partial[i + 1] && v !== null;
      return s.partial[i] || joins ? v : null;
    });
    return { solid: solid, dashed: dashed };
  }

  function panelsOption(data, el) {
    var option = {
      color: PALETTE, animationDuration: 400,
      legend: { type: "scroll", top: 0, left: 8, right: 8 },
      tooltip: { trigger: "item", confine: true },
      title: [], grid: [], xAxis: [], yAxis: [], series: []
    };
    var top = 44;
    var meta = [];
    data.panels.forEach(function (panel, i) {
      var h = panelHeight(panel);
      option.title.push({ text: panel.title, top: top, left: 8, textStyle: { fontSize: 13, fontWeight: 600 } });
      option.grid.push({ top: top + 28, height: h, left: panel.horizontal ? 150 : 64,
                         // room for the value labels at the bars' ends ("56.81 小时")
                         right: panel.value_name_2 ? 70 : (panel.horizontal ? 96 : 40), containLabel: false });
      var category = { type: "category", gridIndex: i, data: panel.categories, name: panel.category_name,
                       nameLocation: "middle", nameGap: panel.horizontal ? 135 : 28,
                       axisLabel: { hideOverlap: true, width: 130, overflow: "truncate" } };
      var valueAxis = { type: "value", gridIndex: i, name: panel.value_name,
                        nameLocation: "middle", nameGap: panel.horizontal ? 26 : 44,
                        axisLabel: { hideOverlap: true } };
      if (panel.horizontal) {
        category.inverse = true;
        option.yAxis.push(category);
        option.xAxis.push(valueAxis);
      } else {
        option.xAxis.push(category);
        option.yAxis.push(valueAxis);
      }
      var valueIndex = (panel.horizontal ? option.xAxis : option.yAxis).length - 1;
      var secondIndex = null;
      if (panel.value_name_2) {
        option.yAxis.push({ type: "value", gridIndex: i, name: panel.value_name_2, position: "right",
                            nameLocation: "middle", nameGap: 48, splitLine: { show: false },
                            minInterval: 1 });  // counts: no 0.5 ticks
        secondIndex = option.yAxis.length - 1;
      }
      var categoryIndex = (panel.horizontal ? option.yAxis : option.xAxis).length - 1;
      panel.series.forEach(function (s) {
        var series = {
          name: s.name, type: s.kind, data: s.values, stack: s.stack || undefined,
          connectNulls: s.style !== "solid", symbolSize: 6, showSymbol: s.style === "solid",
          itemStyle: s.kind === "bar" && s.axis === 1 ? { opacity: 0.45 } : undefined,
          lineStyle: { type: s.style === "solid" ? "solid" : s.style, width: s.style === "solid" ? 2.5 : 1.5 },
          tooltip: { valueFormatter: (function (unit) { return function (v) { return withUnit(v, unit); }; })(s.unit) },
          label: { show: s.kind === "bar" && panel.categories.length <= 12, position: panel.horizontal ? "right" : "top",
                   formatter: (function (unit) { return function (p) { return withUnit(p.value, unit); }; })(s.unit) },
          emphasis: { focus: "series" }, cursor: s.drill ? "pointer" : "default"
        };
        if (s.stack) { series.label.position = "inside"; series.labelLayout = { hideOverlap: true }; }
        var single = panel.categories.length === 1 && s.kind === "line";
        if (single) { series.showSymbol = true; }
        if (single && s.style !== "solid" && s.values[0] !== null && s.values[0] !== undefined) {
          // one period: a reference is a line across the grid, not a lone dot
          series.markLine = {
            silent: true, symbol: "none", animation: false,
            lineStyle: { type: s.style, width: 1.5 },
            label: { formatter: (function (unit, name) {
              return function (p) { return name + " " + withUnit(p.value, unit); };
            })(s.unit, s.name), position: "insideEndTop" },
            data: [{ yAxis: s.values[0] }]
          };
        }
        if (panel.horizontal) {
          series.xAxisIndex = valueIndex; series.yAxisIndex = categoryIndex;
        } else {
          series.xAxisIndex = categoryIndex;
          series.yAxisIndex = s.axis === 1 && secondIndex !== null ? secondIndex : valueIndex;
        }
        var tail = partialTail(s);
        if (tail) { series.data = tail.solid; }
        option.series.push(series);
        meta.push({ drill: s.drill, categories: panel.categories });
        if (tail) {  // the month not over yet: a dashed segment to a larger point, same name and colour
          option.series.push(Object.assign({}, series, {
            id: "partial:" + option.series.length, data: tail.dashed, showSymbol: true, symbolSize: 9,
            connectNulls: false, lineStyle: { type: "dashed", width: 2 }, z: 1
          }));
          meta.push({ drill: s.drill, categories: panel.categories });
        }
      });
      top += 28 + h + 56;
    });
    el.style.height = top + "px";
    return { option: option, meta: meta };
  }

  /* ---- the consignment Gantt view --------------------------------------------------------- */

  function ganttOption(data, el) {
    var spanName = data.series_names[0];
    var option = {
      color: ["#9db8d9"].concat(PALETTE), animationDuration: 400, useUTC: true,
      legend: { type: "scroll", top: 0 },
      grid: { top: 40, left: 220, right: 40, bottom: 90 },
      tooltip: { trigger: "item", confine: true },
      dataZoom: [{ type: "inside", xAxisIndex: 0 }, { type: "slider", xAxisIndex: 0, bottom: 8 }],
      xAxis: { type: "time", name: data.value_name, nameLocation: "middle", nameGap: 40,
               axisLabel: { hideOverlap: true, formatter: "{MM}-{dd}\n{HH}:{mm}" } },
      yAxis: { type: "category", data: data.objects, inverse: true,
               axisLabel: { width: 200, overflow: "truncate" } },
      series: [{
        name: spanName, type: "custom", encode: { x: [1, 2], y: 0 },
        data: data.spans.map(function (s) { return [s.object, s.start, s.end]; }),
        renderItem: function (params, api) {
          var start = api.coord([api.value(1), api.value(0)]);
          var end = api.coord([api.value(2), api.value(0)]);
          var height = api.size([0, 1])[1] * 0.4;
          var rect = echarts.graphic.clipRectByRect(
            { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 3), height: height },
            { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height });
          return rect && { type: "rect", shape: rect, style: api.style() };
        },
        tooltip: { show: false }
      }]
    };
    data.series_names.slice(1).forEach(function (name) {
      option.series.push({
        name: name, type: "scatter", symbolSize: 11,
        // each dot says its milestone (overlapping labels are hidden; the tooltip has them all)
        label: { show: true, position: "top", fontSize: 10, color: "#344054",
                 formatter: function (p) { return p.data.milestone; } },
        labelLayout: { hideOverlap: true },
        data: data.points.filter(function (p) { return p.series === name; }).map(function (p) {
          return { value: [p.at, p.object], milestone: p.milestone, time: p.time, source: p.source };
        }),
        tooltip: { formatter: function (p) {
          var d = p.data;
          return "<strong>" + echarts.format.encodeHTML(d.milestone) + "</strong><br>" +
            echarts.format.encodeHTML((messages.time || "Time") + ": " + d.time) + "<br>" +
            echarts.format.encodeHTML((messages.source || "Source") + ": " + d.source) + "<br>" +
            echarts.format.encodeHTML(p.seriesName);
        } }
      });
    });
    el.style.height = Math.max(220, 44 * data.objects.length + 130) + "px";
    return { option: option, meta: [] };
  }

  /* ---- the numbers table ------------------------------------------------------------------ */

  function fillTable(card, data) {
    var table = card && card.querySelector("details.chart-data table");
    if (!table || !data.table) { return; }
    var head = table.querySelector("thead") || table.appendChild(document.createElement("thead"));
    var body = table.querySelector("tbody") || table.appendChild(document.createElement("tbody"));
    head.textContent = ""; body.textContent = "";
    var tr = document.createElement("tr");
    data.table.header.forEach(function (h) { tr.appendChild(text("th", h)); });
    head.appendChild(tr);
    data.table.rows.forEach(function (row) {
      var line = document.createElement("tr");
      var cells = data.chart === "gantt" ? row : row.slice(0, 4);
      cells.forEach(function (cell, i) {
        var td = document.createElement("td");
        if (data.chart !== "gantt" && i === 3) {
          td.className = "num";
          td.dataset.value = String(cell);
          var shown = fixed(cell);
          if (row[4]) {
            var a = text("a", shown, "drill");
            a.href = row[4];
            a.title = messages.drill || "";
            td.appendChild(a);
          } else {
            td.textContent = shown;
          }
        } else {
          td.textContent = cell === null ? "" : String(cell);
        }
        line.appendChild(td);
      });
      body.appendChild(line);
    });
  }

  /* ---- drawing ---------------------------------------------------------------------------- */

  function showMessage(el, message, state) {
    el.textContent = "";
    el.style.height = "";
    el.appendChild(text("p", message, "chart-empty"));
    el.dataset.rendered = state;
    el.dataset.series = "";
  }

  /* One period: each direction's figure written large, beside the national figure and half of 2017. */
  function drawHeadline(el, data) {
    var old = el.parentNode.querySelector(".headline");
    if (old) { old.remove(); }
    if (!data.headline || !data.headline.length) { return; }
    var box = document.createElement("div");
    box.className = "headline";
    box.dataset.testid = "headline";
    data.headline.forEach(function (h) {
      var item = document.createElement("div");
      item.className = "headline-item";
      item.dataset.direction = h.direction;
      item.appendChild(text("div", h.title, "headline-title"));
      var figure = text(h.drill ? "a" : "div", withUnit(h.value, h.unit), "headline-figure");
      if (h.drill) { figure.href = h.drill; figure.title = messages.drill || ""; }
      item.appendChild(figure);
      var refs = document.createElement("div");
      refs.className = "headline-refs";
      refs.appendChild(text("span", h.national_name + " " + withUnit(h.national, h.unit), "headline-national"));
      refs.appendChild(text("span", h.halved_name + " " + withUnit(h.halved, h.unit), "headline-halved"));
      item.appendChild(refs);
      box.appendChild(item);
    });
    el.insertAdjacentElement("beforebegin", box);
  }

  function draw(el, data) {
    var card = el.closest(".chart-card");
    fillTable(card, data);
    drawHeadline(el, data);
    (data.notes || []).forEach(function (note) {
      el.insertAdjacentElement("afterend", text("p", note, "note chart-note"));
    });
    if (data.empty) {
      showMessage(el, messages.empty || "No data", "empty");
      var png = card && card.querySelector("button.export-png");
      if (png) { png.disabled = true; }
      return;
    }
    var built = data.chart === "gantt" ? ganttOption(data, el) : panelsOption(data, el);
    var chart = echarts.init(el, null, { renderer: "canvas" });
    instances[el.dataset.chart] = chart;
    var done = false;
    function rendered() {
      if (done) { return; }
      done = true;
      el.dataset.series = data.series_names.join("|");
      el.dataset.rendered = "true";
    }
    chart.on("finished", rendered);
    chart.setOption(built.option);
    window.setTimeout(rendered, 2000);
    chart.on("click", function (p) {
      var m = built.meta[p.seriesIndex];
      var url = m && m.drill && m.drill[p.dataIndex];
      if (url) { window.location.href = url; }
    });
  }

  function load(el) {
    fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (data) { draw(el, data); })
      .catch(function (err) {
        showMessage(el, (messages.error || "Error") + " (" + err.message + ")", "error");
      });
  }

  /* The chart's picture under a header: its title, then region and period (the card's words). */
  function exportPng(button) {
    var chart = instances[button.dataset.chart];
    if (!chart) { return; }
    var ratio = 2;
    var image = new Image();
    image.onload = function () {
      var header = 64 * ratio;
      var canvas = document.createElement("canvas");
      canvas.width = image.width;
      canvas.height = image.height + header;
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.fillStyle = "#1d2939";
      ctx.textBaseline = "top";
      var font = getComputedStyle(document.body).fontFamily || "sans-serif";
      ctx.font = "600 " + (18 * ratio) + "px " + font;
      ctx.fillText(button.dataset.title || "", 12 * ratio, 10 * ratio);
      ctx.fillStyle = "#475467";
      ctx.font = (13 * ratio) + "px " + font;
      ctx.fillText(button.dataset.subtitle || "", 12 * ratio, 38 * ratio);
      ctx.drawImage(image, 0, header);
      var a = document.createElement("a");
      a.href = canvas.toDataURL("image/png");
      a.download = (button.dataset.filename || ("kouan-" + button.dataset.chart)) + ".png";
      document.body.appendChild(a);
      a.click();
      a.remove();
    };
    image.src = chart.getDataURL({ type: "png", pixelRatio: ratio, backgroundColor: "#fff" });
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button.export-png");
    if (button) { exportPng(button); }
  });
  function resizeAll() {
    Object.keys(instances).forEach(function (k) { instances[k].resize(); });
  }
  window.addEventListener("resize", resizeAll);
  window.addEventListener("beforeprint", resizeAll);  // fit the A4 width
  window.addEventListener("afterprint", resizeAll);
  document.querySelectorAll(".chart[data-src]").forEach(load);
  window.kouanCharts = instances;
})();
