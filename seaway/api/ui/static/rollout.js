// The rollout chart: polls the rollout's status JSON and redraws the inline SVG with the
// canary weight over time and the analysis measurements. Plain script, no library.
"use strict";
(function () {
  const svg = document.getElementById("chart");
  if (!svg) return;
  const NS = "http://www.w3.org/2000/svg";
  const left = 40, right = 700, top = 20, bottom = 200, keep = 300, everyMs = 1000;
  // The samples outlive the reload after a button's form post (per tab, for half an hour).
  const storeKey = "seaway.chart:" + svg.getAttribute("data-source");
  const samples = restore();
  let measurements = [];

  function restore() {
    try {
      const kept = JSON.parse(sessionStorage.getItem(storeKey) || "[]");
      const since = Date.now() - 30 * 60 * 1000;
      return kept.filter(function (s) { return s.at > since; });
    } catch (e) {
      return [];
    }
  }

  function y(fraction) { return bottom - fraction * (bottom - top); }

  function add(snap) {
    const at = Date.parse(snap.at);
    const last = samples[samples.length - 1];
    if (!last || at > last.at) samples.push({ at: at, weight: snap.weight });
    if (samples.length > keep) samples.shift();
    try { sessionStorage.setItem(storeKey, JSON.stringify(samples)); } catch (e) { /* full */ }
    measurements = snap.measurements || [];
  }

  function span() {
    const times = samples.map(function (s) { return s.at; })
      .concat(measurements.map(function (m) { return Date.parse(m.at); }))
      .filter(function (t) { return !isNaN(t); });
    const from = Math.min.apply(null, times), to = Math.max.apply(null, times);
    return { from: from, width: Math.max(to - from, 1000) };
  }

  function draw() {
    const s = span();
    const x = function (t) { return left + ((t - s.from) / s.width) * (right - left); };
    // A step line: the weight holds until the next sample.
    const points = [];
    samples.forEach(function (p, i) {
      if (i > 0) points.push(x(p.at).toFixed(1) + "," + y(samples[i - 1].weight / 100).toFixed(1));
      points.push(x(p.at).toFixed(1) + "," + y(p.weight / 100).toFixed(1));
    });
    document.getElementById("weight-line").setAttribute("points", points.join(" "));
    const group = document.getElementById("measurements");
    while (group.firstChild) group.removeChild(group.firstChild);
    const top = Math.max.apply(null, measurements.map(function (m) { return Math.abs(m.value); }).concat([1e-9]));
    measurements.forEach(function (m) {
      const dot = document.createElementNS(NS, "circle");
      dot.setAttribute("cx", x(Date.parse(m.at)).toFixed(1));
      dot.setAttribute("cy", y(Math.abs(m.value) / top).toFixed(1));
      dot.setAttribute("r", "4");
      dot.setAttribute("class", "measure " + String(m.phase).toLowerCase());
      const title = document.createElementNS(NS, "title");
      title.textContent = m.run + " " + m.metric + " = " + m.value + " (" + m.phase + ", " + m.at + ")";
      dot.appendChild(title);
      group.appendChild(dot);
    });
    if (samples.length) {
      document.getElementById("chart-from").textContent = new Date(s.from).toLocaleTimeString();
      document.getElementById("chart-to").textContent = new Date(s.from + s.width).toLocaleTimeString();
    }
    svg.setAttribute("data-points", String(samples.length));
  }

  function show(snap) {
    document.getElementById("weight").textContent = String(snap.weight);
    document.getElementById("message").textContent = snap.message;
    const phase = document.querySelector("#phase .badge");
    if (phase) {
      phase.setAttribute("data-phase", snap.phase);
      phase.lastChild.textContent = " " + snap.phase;
    }
    document.querySelectorAll(".steps li[data-step]").forEach(function (li) {
      const i = Number(li.getAttribute("data-step"));
      li.className = snap.step === null ? "todo" : i < snap.step ? "done" : i === snap.step ? "current" : "todo";
    });
  }

  async function poll() {
    try {
      const answer = await fetch(svg.getAttribute("data-source"), { credentials: "same-origin" });
      if (answer.ok && (answer.headers.get("content-type") || "").indexOf("json") >= 0) {
        const snap = await answer.json();
        add(snap);
        show(snap);
        draw();
      }
    } finally {
      setTimeout(poll, everyMs);
    }
  }

  add(JSON.parse(svg.getAttribute("data-snapshot")));
  draw();
  setTimeout(poll, everyMs);
})();
