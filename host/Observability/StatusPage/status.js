// The status page: polls /status.json every second and draws its tables and SVG line charts (no library).
"use strict";
const COLORS = ["#2b7bd6", "#2e9d5b", "#d0453a", "#b36b00"];
const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, text) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function fmt(v, digits) {
  if (v === null || v === undefined) return "–";
  if (typeof v !== "number") return String(v);
  if (digits !== undefined) return v.toFixed(digits);
  return Math.abs(v) >= 1000 ? v.toLocaleString("en-US") : String(Math.round(v * 1000) / 1000);
}

function rows(id, items, cells) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren(...items.map(item => {
    const tr = el("tr", item.cls ? { class: item.cls } : {});
    for (const c of cells(item)) tr.append(el("td", typeof c === "number" ? { class: "num" } : {}, fmt(c)));
    return tr;
  }));
}

// A line per series over time t (ms); nulls break nothing, they are skipped.
function chart(id, t, series) {
  const svg = document.getElementById(id), w = 480, h = 160, left = 44, bottom = 18;
  let max = 0;
  for (const s of series) for (const v of s.values) if (v !== null && v > max) max = v;
  if (max === 0) max = 1;
  const t0 = t.length ? t[0] : 0, t1 = t.length > 1 ? t[t.length - 1] : t0 + 1;
  const x = ms => left + (w - left - 4) * (ms - t0) / Math.max(1, t1 - t0);
  const y = v => 4 + (h - bottom - 4) * (1 - v / max);
  const parts = [
    el("svg:line", { class: "axis", x1: left, y1: h - bottom, x2: w, y2: h - bottom }),
    el("svg:line", { class: "axis", x1: left, y1: 4, x2: left, y2: h - bottom }),
    el("svg:text", { x: 2, y: 12 }, fmt(max)),
    el("svg:text", { x: 2, y: h - bottom }, "0"),
    el("svg:text", { x: left, y: h - 4 }, t.length ? Math.round((t1 - t0) / 1000) + " s" : "no samples yet"),
  ];
  series.forEach((s, i) => {
    const points = [];
    const color = COLORS[i % COLORS.length];
    s.values.forEach((v, k) => {
      if (v === null) return;
      points.push(x(t[k]).toFixed(1) + "," + y(v).toFixed(1));
      // A value with no neighbour draws no line: a dot shows it.
      if ((k === 0 || s.values[k - 1] === null) && (k === s.values.length - 1 || s.values[k + 1] === null)) {
        parts.push(el("svg:circle", { cx: x(t[k]).toFixed(1), cy: y(v).toFixed(1), r: 3, fill: color }));
      }
    });
    parts.push(el("svg:polyline", { points: points.join(" "), stroke: color, "data-series": s.name }));
  });
  svg.replaceChildren(...parts);
  const legend = document.getElementById(id.replace("chart-", "legend-"));
  legend.replaceChildren(...series.map((s, i) => {
    const last = [...s.values].reverse().find(v => v !== null);
    const span = el("span", {}, s.name + " " + fmt(last === undefined ? null : last));
    span.prepend(el("i", { style: "background:" + COLORS[i % COLORS.length] }));
    return span;
  }));
}

function badge(id, ok, text) {
  const b = document.getElementById(id);
  b.className = "badge " + (ok ? "ok" : "bad");
  b.textContent = text;
}

function render(s) {
  document.getElementById("build").textContent = "version " + s.version + " · " + s.commit.slice(0, 12);
  document.getElementById("uptime").textContent = "up " + fmt(s.uptime_seconds, 0) + " s";
  document.getElementById("updated").textContent = "updated " + new Date(s.now_ms).toISOString().slice(11, 19) + " UTC";
  badge("live", s.live, s.live_text);
  badge("ready", s.ready, s.ready_text);
  const fatal = document.getElementById("fatal");
  fatal.hidden = !s.fatal;
  fatal.textContent = s.fatal || "";
  const series = s.series;
  chart("chart-throughput", series.t, [
    { name: "consumed/s", values: series.consumed_per_second },
    { name: "produced/s", values: series.produced_per_second },
    { name: "dead letters/s", values: series.dead_letters_per_second }]);
  chart("chart-latency", series.t, [
    { name: "p50", values: series.latency_p50_seconds },
    { name: "p99", values: series.latency_p99_seconds }]);
  chart("chart-cycles", series.t, [
    { name: "p50", values: series.cycle_p50_seconds },
    { name: "p99", values: series.cycle_p99_seconds },
    { name: "max", values: series.cycle_max_seconds }]);
  chart("chart-lag", series.t, [{ name: "lag", values: series.lag }]);
  rows("partitions", s.partitions.map(p => Object.assign({ cls: p.state }, p)), p => [
    p.partition, p.state === "rebuilding" ? "rebuilding " + p.consumed + " → " + p.rebuild_end : p.state, p.lag < 0 ? null : p.lag, p.consumed, p.committed,
    p.watermark_ms === null ? null : new Date(p.watermark_ms).toISOString().replace("T", " ").slice(0, 23), p.event_time_lag_seconds]);
  const t = s.totals;
  rows("totals", [["consumed", t.consumed], ["replayed", t.replayed], ["attributions produced", t.produced], ["dead letters produced", t.dead_letters],
    ["transactions committed", t.commits], ["transactions aborted", t.aborts], ["lag", t.lag],
    ["state entries (clicks / conversions)", s.state ? s.state.click_entries + " / " + s.state.conversion_entries : null],
    ["state bytes", s.state ? s.state.bytes : null]], r => r);
  const snap = s.snapshot;
  rows("snapshot", snap ? [["sequence", snap.sequence], ["taken (UTC)", snap.created.replace("T", " ")], ["age s", snap.age_seconds],
    ["duration s", snap.duration_seconds], ["bytes written", snap.bytes], ["total bytes", snap.total_bytes], ["failures", s.snapshot_failures]]
    : [["none yet", ""], ["failures", s.snapshot_failures]], r => r);
  rows("dead-letters", s.dead_letters_by_reason, d => [d.reason, d.count]);
  rows("settings", s.settings, x => [x.key, x.value, x.source]);
}

async function refresh() {
  try {
    const response = await fetch("/status.json", { cache: "no-store" });
    render(await response.json());
  } catch (e) {
    document.getElementById("updated").textContent = "cannot reach the host: " + e.message;
  }
}

refresh();
setInterval(refresh, 1000);
