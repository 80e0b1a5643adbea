// The three chart components of plot.py, one export each, called by plot_loader.js with an
// element of that component: ``bases`` (the page's base figures), ``chart`` (one plotly
// chart that stays mounted across reruns) and ``ladder`` (every level's patches).
//
// The state the three share (base figures, charts by key, tap logs, the ladder, plotly.js
// loading) lives in this module's scope, which exists once per page (plot_loader.js imports
// the module once): nothing of it is on ``window``. The one global is plotly.js's own
// ``window.Plotly``, which its bundle sets. What tests may read is a chart div's
// ``gd.__referral`` (its key, config and the figure shown, ``figure``) and the ladder
// element's ``data-levels`` attribute (the levels it holds figures for, space-separated).
//
// Streamlit calls an export with the element's data on mount and again whenever
// the data changes; a chart's div survives, so a changed figure is patched with
// Plotly.react instead of drawn afresh. A chart's data is its figure as a patch on a base
// figure (referral.figures.patch) that the page's bases element registers by name.
// plotly.js (the basic bundle: scatter, which is all the maps use) loads once per page from
// the app's own static folder.
//
// Taps and lassos travel to Streamlit as state that accumulates, never as a one-shot
// trigger (which Streamlit drops when a newer one from the same chart is pending): each is
// numbered and kept in the chart's log until the server acknowledges its number (``ack`` in
// the chart's data); the server applies each number once (plot.py's new_selections). A tap
// is read from pointer events, once per press whatever the pointer (finger, pen, mouse), not
// from plotly's click, which a finger fires twice (the touch, then the mouse click the
// browser synthesises) and which plotly skips for two clicks in its double-click window.
//
// The ladder element (plot.py's ladder) holds every level's patches for the page's charts:
// when the selected pill of the level ladder changes, the charts draw that level at once,
// and the rerun the change starts finds them drawn. Its step buttons and arrow keys press
// the ladder's pills, so they take the same path.

/** Base figures by name, each a promise resolved when the bases element registers it. */
const baseFigures = new Map();

function baseFigure(name) {
  if (!baseFigures.has(name)) {
    let resolve;
    const promise = new Promise((r) => (resolve = r));
    baseFigures.set(name, { promise, resolve });
  }
  return baseFigures.get(name).promise;
}

function registerBases(named) {
  for (const [name, figure] of Object.entries(named)) {
    baseFigure(name);
    const entry = baseFigures.get(name);
    entry.resolve(figure);
    entry.promise = Promise.resolve(figure);
  }
}

/** The page's charts by key: the divs plotly draws in. */
const charts = new Map();

/** A list patched by ``{$changes: [[i, v], ...]}`` or ``{$sets: [[v, [i, ...]], ...]}``,
 * or ``value`` itself. */
function patched(value, base) {
  if (value && Array.isArray(value.$changes)) {
    const out = base.slice();
    for (const [i, item] of value.$changes) out[i] = item;
    return out;
  }
  if (value && Array.isArray(value.$sets)) {
    const out = base.slice();
    for (const [item, indices] of value.$sets) for (const i of indices) out[i] = item;
    return out;
  }
  return value;
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
 * kept as ``findArrayAttributes.original``; a browser test checks the two agree). It
 * replaces an internal function, checked only against the vendored plotly.js: any other
 * version (``bundle`` names it) keeps plotly's own. */
function rememberArrayAttributes(Plotly, bundle) {
  const schema = Plotly.PlotSchema;
  const vendored = /plotly-basic-(.+)\.min\.js$/.exec(bundle);
  if (!vendored || Plotly.version !== vendored[1]) return;
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

/** Loading plotly.js, once per page (null: not started, or failed). */
let plotlyLoading = null;

/** window.Plotly, loading ``bundle`` on first use (one load shared by every chart). */
function plotly(bundle) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(bundle, document.baseURI).href;
      script.onload = () => {
        rememberArrayAttributes(window.Plotly, bundle);
        resolve(window.Plotly);
      };
      script.onerror = () => {
        plotlyLoading = null;
        reject(new Error(`could not load ${bundle}`));
      };
      document.head.appendChild(script);
    });
  }
  return plotlyLoading;
}

/** A tap on ``points``, in the shape of Streamlit's plotly selection event. */
function tapEvent(points) {
  return { points, point_indices: points.map((p) => p.point_index), box: [], lasso: [] };
}

/** The lattice point of the tap trace (``meta.role`` "tap") nearest to the page point
 * (``clientX``, ``clientY``) within the layout's hover distance, as a one-item list of
 * points in Streamlit's shape; none outside the plot area or when no point is that near.
 * This is the point plotly's hover ("closest") would report there. */
function pick(gd, clientX, clientY) {
  const layout = gd._fullLayout;
  if (!layout || !layout.xaxis || !layout.yaxis) return [];
  const box = gd.getBoundingClientRect();
  const px = clientX - box.left - layout._size.l;
  const py = clientY - box.top - layout._size.t;
  if (px < 0 || py < 0 || px > layout._size.w || py > layout._size.h) return [];
  const reach = layout.hoverdistance > 0 ? layout.hoverdistance : Infinity;
  let best = null;
  let bestDistance = reach;
  (gd.data || []).forEach((trace, curve) => {
    if (!trace.meta || trace.meta.role !== "tap" || !trace.x || !trace.customdata) return;
    for (let i = 0; i < trace.x.length; i++) {
      const x = trace.x[i];
      const y = trace.y[i];
      if (x === null || y === null || x === undefined || y === undefined) continue;
      const distance = Math.hypot(layout.xaxis.d2p(x) - px, layout.yaxis.d2p(y) - py);
      if (distance <= bestDistance) {
        bestDistance = distance;
        best = { curve_number: curve, point_index: i, x, y, customdata: trace.customdata[i] };
      }
    }
  });
  return best ? [best] : [];
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
  if (gd.__referral.drawnConfig === configText) return Plotly.react(gd, data, layout);
  gd.__referral.drawnConfig = configText;
  return Plotly.react(gd, data, layout, config);
}

/** Show the figure ``patch`` describes on ``base`` (named ``baseName``) in ``gd``, unless
 * that figure, with the chart's config, is the one shown. */
function show(Plotly, gd, baseName, base, patch) {
  const shown = JSON.stringify([baseName, gd.__referral.config, patch]);
  if (gd.__referral.shown === shown) return Promise.resolve();
  gd.__referral.shown = shown;
  gd.__referral.figure = unpatch(patch, base);
  return draw(Plotly, gd);
}

/** Unacknowledged taps and lassos by chart key (kept on the page, so a chart mounted again
 * under the same key goes on numbering): ``{sequence, entries: [{seq, selection}, ...]}``. */
const logs = new Map();
/** Most unacknowledged entries kept for one chart (the oldest go first beyond it). */
const LOG_LIMIT = 200;
/** How far (px) a pointer may move between press and release for the press to be a tap. */
const TAP_SLOP = 10;

function logOf(key) {
  if (!logs.has(key)) logs.set(key, { sequence: 0, entries: [] });
  return logs.get(key);
}

/** The server has applied every entry of chart ``key`` up to number ``ack``: drop them, and
 * number new ones after it (the page may be new while the server's session is not). */
function acknowledge(key, ack) {
  const log = logOf(key);
  const applied = Number.isInteger(ack) ? ack : 0;
  log.sequence = Math.max(log.sequence, applied);
  log.entries = log.entries.filter((entry) => entry.seq > applied);
}

/** Number ``selection``, add it to the chart's log and send the log to Streamlit as state. */
function report(gd, selection) {
  const { key, events, setStateValue } = gd.__referral;
  if (!events) return;
  const log = logOf(key);
  log.sequence += 1;
  log.entries.push({ seq: log.sequence, selection });
  if (log.entries.length > LOG_LIMIT) log.entries.splice(0, log.entries.length - LOG_LIMIT);
  setStateValue("log", log.entries.slice());
}

/** Presses under way on a chart, by pointer id: ``[gd, clientX, clientY]``. */
const pressed = new Map();
let releasesWatched = false;

/** A press on chart ``gd`` released within TAP_SLOP of where it began, with the chart in
 * tap mode, is a tap: report the region point under it. The release is watched on the
 * window (once per page): plotly may lay a cover over the page while the mouse is down, so
 * the release does not reach the chart itself. */
function watchReleases() {
  if (releasesWatched) return;
  releasesWatched = true;
  window.addEventListener(
    "pointerup",
    (event) => {
      const press = pressed.get(event.pointerId);
      pressed.delete(event.pointerId);
      if (!press) return;
      const [gd, x, y] = press;
      if (!gd.isConnected || !gd.__referral || !gd.__referral.events) return; // no taps wanted
      if (!gd._fullLayout || gd._fullLayout.dragmode !== false) return;
      if (Math.hypot(event.clientX - x, event.clientY - y) > TAP_SLOP) return;
      const points = pick(gd, event.clientX, event.clientY);
      if (points.length) report(gd, tapEvent(points));
    },
    true,
  );
  window.addEventListener("pointercancel", (event) => pressed.delete(event.pointerId), true);
}

/** Watch presses on chart ``gd`` for taps (once per press, whatever the pointer); from the
 * chart's creation, so that a tap the moment it is drawn counts. */
function watchPresses(gd) {
  watchReleases();
  gd.addEventListener(
    "pointerdown",
    (event) => {
      const onToolbar = event.target instanceof Element && event.target.closest(".modebar");
      if (!event.isPrimary || event.button !== 0 || onToolbar) return;
      pressed.set(event.pointerId, [gd, event.clientX, event.clientY]);
    },
    true,
  );
}

/** Report lassos (once per chart). */
function listen(Plotly, gd) {
  if (gd.__referral.listening) return;
  gd.__referral.listening = true;
  gd.on("plotly_selected", (event) => {
    if (!event || !event.lassoPoints) return;
    report(gd, lassoEvent(event));
    draw(Plotly, gd); // clear the drawn path and the dimming; the rerun brings the result
  });
}

/** The ladder element's data while it is on the page (``LadderData`` in plot.py), or null. */
let currentLadder = null;
let radiosWatched = false;
let ladderWatched = false;

/** Draw ``level`` from the ladder's patches on every chart of it that is drawn already. */
function showLevel(level) {
  const ladder = currentLadder;
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
  const ladder = currentLadder;
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

/** Controls that use the arrow keys themselves: a key pressed in one of them is theirs. */
const OWN_KEYS_CONTROL =
  'input, textarea, select, [contenteditable="true"], [role="radiogroup"], [role="radio"], ' +
  '[role="listbox"], [role="combobox"], [role="slider"], [role="tablist"], [role="menu"]';

/** The control (other than the ladder ``ladder``) a key event comes from, if it is one
 * that uses the arrow keys itself (null: the key may step the ladder). */
function ownKeysControl(event, ladder) {
  const path = event.composedPath().filter((node) => node instanceof Element);
  if (ladder && path.some((node) => node.classList.contains(`st-key-${ladder.widget}`))) return null;
  return path.find((node) => node.matches(OWN_KEYS_CONTROL)) || null;
}

/** Arrow keys step the radio buttons of a radio group (Streamlit's segmented controls and
 * pills are buttons with role="radio", which the arrows do not move between): the next or
 * previous one, wrapping, takes the focus and is chosen, as in a native radio group
 * (WAI-ARIA's radio group pattern). Native radio inputs keep the browser's own handling. */
const RADIO_STEPS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };

function moveInRadioGroup(event) {
  const by = RADIO_STEPS[event.key];
  const radio = event.target instanceof Element && event.target.closest('[role="radio"]');
  if (!by || !radio || radio.tagName === "INPUT" || event.altKey || event.ctrlKey || event.metaKey) {
    return;
  }
  const ladder = currentLadder;
  if (ladder && radio.closest(`.st-key-${ladder.widget}`)) return; // the ladder's own keys
  const group = radio.closest('[role="radiogroup"]');
  if (!group) return;
  const radios = [...group.querySelectorAll('[role="radio"]')].filter((r) => !r.disabled);
  const next = radios[(radios.indexOf(radio) + by + radios.length) % radios.length];
  event.preventDefault();
  event.stopImmediatePropagation();
  if (next && next !== radio) {
    next.focus();
    next.click();
  }
}

/** Watch the page's radio groups for arrow keys (once per page); before the ladder's
 * shortcuts and Streamlit's own, which would otherwise take the arrows as a level step. */
function watchRadioGroups() {
  if (radiosWatched) return;
  radiosWatched = true;
  window.addEventListener("keydown", moveInRadioGroup, true);
}

/** Route a step (button click or shortcut key) through the ladder's pills, in place of the
 * step button's own round trip; left to Streamlit if the ladder is not on the page. */
function routeStep(event, by) {
  const ladder = currentLadder;
  if (!ladder || by === undefined || !step(ladder, by)) return;
  event.preventDefault();
  event.stopImmediatePropagation();
}

/** Follow the ladder's selected pill, its step buttons and shortcut keys (once per page). */
function watchLadder() {
  if (ladderWatched) return;
  ladderWatched = true;
  new MutationObserver((records) => {
    const ladder = currentLadder;
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
      const ladder = currentLadder;
      if (!ladder || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      if (ownKeysControl(event, ladder)) return;
      routeStep(event, ladder.shortcuts[event.key]);
    },
    true,
  );
  window.addEventListener(
    "click",
    (event) => {
      const ladder = currentLadder;
      if (!ladder || !(event.target instanceof Element)) return;
      for (const [key, by] of Object.entries(ladder.steps)) {
        if (event.target.closest(`.st-key-${key} button`)) routeStep(event, by);
      }
    },
    true,
  );
}

/** The bases element: register the page's base figures and start loading plotly.js. */
export function bases(component) {
  const { data } = component;
  watchRadioGroups();
  registerBases(data.bases);
  plotly(data.bundle).catch(() => {}); // start loading now; a chart reports a failure
}

/** The ladder element: hold every level's patches while it is on the page. */
export function ladder(component) {
  const { parentElement, data } = component;
  watchRadioGroups();
  currentLadder = data;
  watchLadder();
  parentElement.setAttribute("data-levels", Object.keys(data.levels).join(" "));
  return () => {
    if (currentLadder === data) currentLadder = null;
  };
}

/** A chart element: draw its figure (a patch on a base) and report its taps and lassos. */
export function chart(component) {
  const { parentElement, data, setStateValue } = component;
  watchRadioGroups();
  let gd = parentElement.querySelector(":scope > .referral-plot");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "referral-plot";
    parentElement.appendChild(gd);
    watchPresses(gd);
  }
  // The chart is a figure named in words (what is marked, which level): its name follows
  // every figure the server sends.
  gd.setAttribute("role", "figure");
  if (data.name) gd.setAttribute("aria-label", data.name);
  else gd.removeAttribute("aria-label");
  if (data.events) acknowledge(data.key, data.ack);
  gd.__referral = { ...gd.__referral, key: data.key, events: data.events, setStateValue };
  let current = true;
  Promise.all([plotly(data.bundle), baseFigure(data.base)])
    .then(async ([Plotly, base]) => {
      if (!current) return;
      gd.__referral.config = data.config;
      charts.set(data.key, gd);
      // A rerun for an earlier choice on the ladder is not drawn over the newer one.
      const chosen = ladderLevel();
      if (gd.__referral.shown && data.level && chosen && chosen !== data.level) return;
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
