// One plotly chart that stays mounted across reruns (see plot.py).
//
// Streamlit calls the default export with the chart's data on mount and again whenever the
// data changes; the chart's div survives, so a changed figure is patched with Plotly.react
// instead of drawn afresh. plotly.js (the basic bundle: scatter, which is all the maps use)
// loads once per page from the app's own static folder.

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
  let gd = parentElement.querySelector(":scope > .referral-plot");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "referral-plot";
    parentElement.appendChild(gd);
  }
  gd.__referral = { figure: data.figure, config: data.config, events: data.events, setTriggerValue };
  let current = true;
  plotly(data.bundle)
    .then(async (Plotly) => {
      if (!current) return;
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
