// The admin port's status page: reads /status and /status/history (JSON) every two seconds and draws the groups,
// their states, a chart of the RPO (or, where a daemon cannot know it, the lag in records) and the last errors.
// Plain DOM calls, no libraries, no build step; text goes in with textContent only. Paths are relative, so the
// page also works behind a proxy that serves the admin port under a prefix.
"use strict";

const OK_STATES = new Set(["STREAMING", "UP_TO_DATE"]);
const BUSY_STATES = new Set(["RESYNCING", "INCONSISTENT"]);
const SVG = "http://www.w3.org/2000/svg";
const CHART_WIDTH = 240;
const CHART_HEIGHT = 60;

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function fixed(value, digits) {
  return value === null || value === undefined ? "-" : value.toFixed(digits);
}

function bytes(value) {
  if (value === null || value === undefined) return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (value >= 1024 && i < units.length - 1) { value /= 1024; i++; }
  return value.toFixed(i === 0 ? 0 : 1) + " " + units[i];
}

function stateClass(state) {
  return "state " + (OK_STATES.has(state) ? "state-ok" : BUSY_STATES.has(state) ? "state-busy" : "state-bad");
}

/** The samples to chart: the RPO in seconds where the daemon knows it, else the lag in records. */
function series(samples) {
  const seconds = samples.some(s => s[1] !== null);
  return { unit: seconds ? "s" : "records", points: samples.filter(s => s[seconds ? 1 : 2] !== null)
      .map(s => [s[0], s[seconds ? 1 : 2]]) };
}

function chart(history, group, now) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("width", CHART_WIDTH);
  svg.setAttribute("height", CHART_HEIGHT);
  const data = series(history ? history.samples : []);
  const objective = data.unit === "s" ? group.rpoObjectiveSeconds : null;
  const span = data.points.length ? Math.max(60000, now - data.points[0][0]) : 60000;
  const top = Math.max(1, objective || 0, ...data.points.map(p => p[1])) * 1.1;
  const x = t => (CHART_WIDTH * (1 - (now - t) / span)).toFixed(1);
  const y = v => (CHART_HEIGHT - 2 - (CHART_HEIGHT - 14) * v / top).toFixed(1);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("class", "rpo");
  line.setAttribute("points", data.points.map(p => x(p[0]) + "," + y(p[1])).join(" "));
  svg.appendChild(line);
  if (objective) {
    const goal = document.createElementNS(SVG, "line");
    goal.setAttribute("class", "objective");
    goal.setAttribute("x1", 0);
    goal.setAttribute("x2", CHART_WIDTH);
    goal.setAttribute("y1", y(objective));
    goal.setAttribute("y2", y(objective));
    svg.appendChild(goal);
  }
  const label = document.createElementNS(SVG, "text");
  label.setAttribute("x", 3);
  label.setAttribute("y", 10);
  const peak = Math.max(0, ...data.points.map(p => p[1]));
  label.textContent = (data.unit === "s" ? "RPO" : "lag") + " peak " + fixed(peak, data.unit === "s" ? 1 : 0) + " "
      + data.unit + ", last " + Math.round(span / 60000) + " min";
  svg.appendChild(label);
  return svg;
}

function render(status, history) {
  document.title = "datamover " + status.daemon + " " + status.id;
  const transport = status.transport ? ", " + status.transport.mode : "";
  document.getElementById("daemon").textContent = status.daemon + " " + status.id + transport;
  const byCg = new Map(history.groups.map(g => [g.cg, g]));
  const body = document.querySelector("#groups tbody");
  body.replaceChildren();
  for (const g of status.groups) {
    const row = document.createElement("tr");
    row.className = "group";
    row.dataset.cg = g.cg;
    cell(row, g.cg);
    cell(row, g.name || "-");
    const state = document.createElement("span");
    state.className = stateClass(g.state);
    state.textContent = g.state;
    cell(row, "").appendChild(state);
    const rpo = g.lagSeconds === null ? "-" : fixed(g.lagSeconds, 1) + " s"
        + (g.rpoObjectiveSeconds ? " / " + fixed(g.rpoObjectiveSeconds, 0) + " s" : "");
    cell(row, rpo, "number" + (g.rpoBreached ? " breached" : ""));
    cell(row, g.lagRecords === null ? "-" : String(g.lagRecords), "number");
    cell(row, g.queueMaxBytes ? bytes(g.queueBytes) + " of " + bytes(g.queueMaxBytes) : bytes(g.queueBytes),
        "number");
    cell(row, fixed(g.recordsPerSecond, 1), "number");
    cell(row, g.bytesPerSecond === null ? "-" : bytes(g.bytesPerSecond) + "/s", "number");
    cell(row, g.compressionRatio === null ? "-" : fixed(g.compressionRatio, 2) + "x", "number");
    cell(row, "").appendChild(chart(byCg.get(g.cg), g, history.now));
    cell(row, g.lastError || "-", "error");
    body.appendChild(row);
  }
  const errors = document.getElementById("errors");
  errors.replaceChildren();
  for (const e of history.errors.slice().reverse()) {
    const item = document.createElement("li");
    item.textContent = new Date(e.time).toISOString() + " cg " + e.cg + ": " + e.error;
    errors.appendChild(item);
  }
  if (!history.errors.length) {
    const item = document.createElement("li");
    item.className = "none";
    item.textContent = "none";
    errors.appendChild(item);
  }
  document.getElementById("updated").textContent = "updated " + new Date().toISOString();
}

async function refresh() {
  try {
    const [status, history] = await Promise.all(["status", "status/history"]
        .map(path => fetch(path, { cache: "no-store" }).then(r => r.json())));
    render(status, history);
  } catch (e) {
    document.getElementById("updated").textContent = "cannot read the daemon: " + e;
  }
}

refresh();
setInterval(refresh, 2000);
