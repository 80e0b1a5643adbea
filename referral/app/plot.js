// One plotly chart that stays mounted across reruns, or the page's base figures (plot.py).
//
// Streamlit calls the default export with the element's data on mount and again whenever
// the data changes; a chart's div survives, so a changed figure is patched with
// Plotly.react instead of drawn afresh. A chart's data is its figure as a patch on a base
// figure (referral.figures.patch) that the page's bases element registers by name.
// plotly.js (the basic bundle: scatter, which is all the maps use) loads once per page from
// the app's own static folder.
//
// The ladder element (plot.py's ladder) holds every level's patches for the page's charts:
// when the selected pill of the level ladder changes, the charts draw that level at once,
// and the rerun the change starts finds them drawn. Its step buttons and arrow keys press
// the ladder's pills, so they take the same path.

/** Base figures by name, each a promise resolved when the bases element registers it. */
const bases = (window.__referralBases ??= new Map());

function baseFigure(name) {
  if (!bases.has(name)) {
    let resolve;
    const promise = new Promise((r) => (resolve = r));
    bases.set(name, { promise, resolve });
  }
  return bases.get(name).promise;
}

function registerBases(named) {
  for (const [name, figure] of Object.entries(named)) {
    baseFigure(name);
    const entry = bases.get(name);
    entry.resolve(figure);
    entry.promise = Promise.resolve(figure);
  }
}

/** The page's charts by key: the divs plotly draws in. */
const charts = (window.__referralCharts ??= new Map());

/** A list patched by ``{$changes: [[i, v], ...]}``, or ``value`` itself. */
function patched(value, base) {
  if (!value || !Array.isArray(value.$changes)) return value;
  const out = base.slice();
  for (const [i, item] of value.$changes) out[i] = item;
  return out;
}

/** The figure a patch describes (the inverse of referral.figures.patch). */
function unpatch(patch, base) {
  const data = patch.data.map((trace) => {
    if (trace.$base === undefined) return trace;
    const old = base.data[trace.$base];
    const out = { ...old };
    for (const [key, value] of Object.entries(trace)) {
      if (key === "$base") continue;
      if (value === null) delete out[key];
      else out[key] = patched(value, old[key]);
    }
    return out;
  });
  const layout = { ...base.layout };
  for (const [key, value] of Object.entries(patch.layout)) {
    if (value === null) delete layout[key];
    else layout[key] = value;
  }
  return { data, layout };
}

/** The paths of ``object``'s attributes that hold arrays, joined ("x,y,marker.color"), or
 * null if an array holds objects (plotly's linked containers, not found in our traces). */
function arrayPaths(object, prefix = "", out = []) {
  for (const key in object) {
    if (key[0] === "_") continue; // plotly's own links (_input, _module, ...)
    const value = object[key];
    if (Array.isArray(value)) {
      if (value.some((item) => item && typeof item === "object" && !Array.isArray(item))) return null;
      out.push(prefix + key);
    } else if (ArrayBuffer.isView(value)) {
      out.push(prefix + key);
    } else if (value && Object.getPrototypeOf(value) === Object.prototype) {
      if (arrayPaths(value, `${prefix}${key}.`, out) === null) return null;
    }
  }
  return out.join(",");
}

/** On every recalculation plotly.js finds each trace's array attributes by walking the whole
 * attribute schema: a third of a redraw here. The answer depends only on the trace's type
 * and which of its attributes hold arrays, so it is remembered by those (the original is
 * kept as ``findArrayAttributes.original``; a browser test checks the two agree). */
function rememberArrayAttributes(Plotly) {
  const schema = Plotly.PlotSchema;
  if (!schema || !schema.findArrayAttributes || schema.findArrayAttributes.original) return;
  const original = schema.findArrayAttributes;
  const known = new Map();
  const remembered = (trace) => {
    const paths = arrayPaths(trace);
    if (paths === null) return original(trace);
    const key = `${trace.type}|${paths}`;
    if (!known.has(key)) known.set(key, original(trace));
    return known.get(key).slice();
  };
  remembered.original = original;
  schema.findArrayAttributes = remembered;
}

/** window.Plotly, loading ``bundle`` on first use (one load shared by every chart). */
function plotly(bundle) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__referralPlotly) {
    window.__referralPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(bundle, document.baseURI).href;
      script.onload = () => {
        rememberArrayAttributes(window.Plotly);
        resolve(window.Plotly);
      };
      script.onerror = () => {
        window.__referralPlotly = undefined;
        reject(new Error(`could not load ${bundle}`));
      };
      document.head.appendChild(script);
    });
  }
  return window.__referralPlotly;
}

/** A tap, in the shape of Streamlit's plotly selection event. */
function tapEvent(event) {
  const points = (event.points || []).map((p) => ({
    curve_number: p.curveNumber,
    point_index: p.pointIndex ?? p.pointNumber,
    x: p.x,
    y: p.y,
    customdata: p.customdata,
  }));
  return { points, point_indices: points.map((p) => p.point_index), box: [], lasso: [] };
}

/** A lasso's path in data coordinates, in the shape of Streamlit's selection event. */
function lassoEvent(event) {
  const path = event && event.lassoPoints;
  const lasso = path ? [{ x: Array.from(path.x), y: Array.from(path.y) }] : [];
  return { points: [], point_indices: [], box: [], lasso };
}

/** Whether two flat arrays hold the same values in the same order. */
function sameValues(a, b) {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Draw ``figure`` on ``gd``. Each trace is a shallow copy (plotly writes into the traces it
 * is given); an array equal to the one drawn before in the same trace is passed as that
 * same array, because Plotly.react compares arrays by identity: the lattice and borders,
 * which rarely change, are then not recalculated. The config is passed only when it
 * changed: given a config, Plotly.react rebuilds and compares the chart's whole context
 * (≈ 1 ms a view). */
function draw(Plotly, gd) {
  const { figure, config } = gd.__referral;
  const before = gd.data || [];
  const data = figure.data.map((trace, i) => {
    const copy = { ...trace };
    const old = before[i];
    if (old && old.type === trace.type) {
      for (const [key, value] of Object.entries(trace)) {
        const drawn = old[key];
        if (Array.isArray(value) && Array.isArray(drawn) && sameValues(value, drawn)) copy[key] = drawn;
      }
    }
    return copy;
  });
  const layout = structuredClone(figure.layout);
  const configText = JSON.stringify(config);
  if (gd.__referralConfig === configText) return Plotly.react(gd, data, layout);
  gd.__referralConfig = configText;
  return Plotly.react(gd, data, layout, config);
}

/** Show the figure ``patch`` describes on ``base`` (named ``baseName``) in ``gd``, unless
 * that figure, with the chart's config, is the one shown. */
function show(Plotly, gd, baseName, base, patch) {
  const shown = JSON.stringify([baseName, gd.__referral.config, patch]);
  if (gd.__referralShown === shown) return Promise.resolve();
  gd.__referralShown = shown;
  gd.__referral.figure = unpatch(patch, base);
  return draw(Plotly, gd);
}

/** Send taps and lassos to Streamlit as the trigger ``selection`` (once per chart). */
function listen(Plotly, gd) {
  if (gd.__referralListening) return;
  gd.__referralListening = true;
  let sequence = 0;
  const send = (selection) => {
    const { setTriggerValue, events } = gd.__referral;
    if (events) setTriggerValue("selection", { selection, sequence: ++sequence });
  };
  gd.on("plotly_click", (event) => {
    if (gd._fullLayout.dragmode === false) send(tapEvent(event));
  });
  gd.on("plotly_selected", (event) => {
    if (!event || !event.lassoPoints) return;
    send(lassoEvent(event));
    draw(Plotly, gd); // clear the drawn path and the dimming; the rerun brings the result
  });
}

/** Draw ``level`` from the ladder's patches on every chart of it that is drawn already. */
function showLevel(level) {
  const ladder = window.__referralLadder;
  const patches = ladder && ladder.levels[level];
  if (!patches || !window.Plotly) return;
  for (const [view, patch] of Object.entries(patches)) {
    const [key, baseName] = ladder.charts[view];
    const gd = charts.get(key);
    if (!gd || !gd.isConnected || !gd.__referral) continue;
    baseFigure(baseName).then((base) => show(window.Plotly, gd, baseName, base, patch));
  }
}

/** The ladder's pills, in order, and the index of the selected one (-1: none found). */
function pills(ladder) {
  const all = [...document.querySelectorAll(`.st-key-${ladder.widget} [role="radio"]`)];
  return [all, all.findIndex((pill) => pill.getAttribute("aria-checked") === "true")];
}

/** The level selected on the ladder, if the ladder holds its figures (else null). */
function ladderLevel() {
  const ladder = window.__referralLadder;
  if (!ladder) return null;
  const [all, selected] = pills(ladder);
  const level = selected < 0 ? null : all[selected].textContent.trim();
  return level && ladder.levels[level] ? level : null;
}

/** Press the pill ``by`` places from the selected one; false if the ladder is not found. */
function step(ladder, by) {
  const [all, selected] = pills(ladder);
  if (selected < 0) return false;
  const target = all[selected + by];
  if (target) target.click();
  return true;
}

/** Whether a key event comes from a field being typed in (Streamlit's shortcuts skip those). */
function typing(event) {
  return event.composedPath().some(
    (node) => ["INPUT", "TEXTAREA", "SELECT"].includes(node.tagName) || node.isContentEditable,
  );
}

/** Route a step (button click or shortcut key) through the ladder's pills, in place of the
 * step button's own round trip; left to Streamlit if the ladder is not on the page. */
function routeStep(event, by) {
  const ladder = window.__referralLadder;
  if (!ladder || by === undefined || !step(ladder, by)) return;
  event.preventDefault();
  event.stopImmediatePropagation();
}

/** Follow the ladder's selected pill, its step buttons and shortcut keys (once per page). */
function watchLadder() {
  if (window.__referralLadderWatched) return;
  window.__referralLadderWatched = true;
  new MutationObserver((records) => {
    const ladder = window.__referralLadder;
    if (!ladder) return;
    for (const { target } of records) {
      if (target.getAttribute("aria-checked") === "true" && target.closest(`.st-key-${ladder.widget}`)) {
        showLevel(target.textContent.trim());
      }
    }
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["aria-checked"] });
  // Capture on window: before Streamlit's own click and shortcut handlers.
  window.addEventListener(
    "keydown",
    (event) => {
      const ladder = window.__referralLadder;
      if (!ladder || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      if (typing(event)) return;
      routeStep(event, ladder.shortcuts[event.key]);
    },
    true,
  );
  window.addEventListener(
    "click",
    (event) => {
      const ladder = window.__referralLadder;
      if (!ladder || !(event.target instanceof Element)) return;
      for (const [key, by] of Object.entries(ladder.steps)) {
        if (event.target.closest(`.st-key-${key} button`)) routeStep(event, by);
      }
    },
    true,
  );
}

export default function (component) {
  const { parentElement, data, setTriggerValue } = component;
  if (data.bases) {
    registerBases(data.bases);
    plotly(data.bundle).catch(() => {}); // start loading now; a chart reports a failure
    return;
  }
  if (data.ladder) {
    window.__referralLadder = data.ladder;
    watchLadder();
    return () => {
      if (window.__referralLadder === data.ladder) window.__referralLadder = null;
    };
  }
  let gd = parentElement.querySelector(":scope > .referral-plot");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "referral-plot";
    parentElement.appendChild(gd);
  }
  let current = true;
  Promise.all([plotly(data.bundle), baseFigure(data.base)])
    .then(async ([Plotly, base]) => {
      if (!current) return;
      gd.__referral = { ...gd.__referral, config: data.config, events: data.events, setTriggerValue };
      charts.set(data.key, gd);
      // A rerun for an earlier choice on the ladder is not drawn over the newer one.
      const chosen = ladderLevel();
      if (gd.__referralShown && data.level && chosen && chosen !== data.level) return;
      await show(Plotly, gd, data.base, base, data.patch);
      listen(Plotly, gd); // gd.on exists once the chart is drawn
    })
    .catch((error) => {
      gd.textContent = `The map could not be drawn: ${error.message}`;
    });
  return () => {
    current = false;
  };
}
