// One plotly chart that stays mounted across reruns, or the page's base figures (plot.py).
//
// Streamlit calls the default export with the element's data on mount and again whenever
// the data changes; a chart's div survives, so a changed figure is patched with
// Plotly.react instead of drawn afresh. A chart's data is its figure as a patch on a base
// figure (referral.figures.patch) that the page's bases element registers by name.
// plotly.js (the basic bundle: scatter, which is all the maps use) loads once per page from
// the app's own static folder.

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

/** window.Plotly, loading ``bundle`` on first use (one load shared by every chart). */
function plotly(bundle) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__referralPlotly) {
    window.__referralPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(bundle, document.baseURI).href;
      script.onload = () => resolve(window.Plotly);
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
 * which rarely change, are then not recalculated. */
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
  return Plotly.react(gd, data, structuredClone(figure.layout), config);
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

export default function (component) {
  const { parentElement, data, setTriggerValue } = component;
  if (data.bases) {
    registerBases(data.bases);
    plotly(data.bundle).catch(() => {}); // start loading now; a chart reports a failure
    return;
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
      const figure = unpatch(data.patch, base);
      gd.__referral = { figure, config: data.config, events: data.events, setTriggerValue };
      await draw(Plotly, gd);
      listen(Plotly, gd); // gd.on exists once the chart is drawn
    })
    .catch((error) => {
      gd.textContent = `The map could not be drawn: ${error.message}`;
    });
  return () => {
    current = false;
  };
}
