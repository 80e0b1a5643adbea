// The script Streamlit sends inside every element of the three chart components (plot.py:
// referral_plot_bases, referral_plot_chart, referral_plot_ladder): a loader of plot.js.
//
// Streamlit sends a component's script inside each of its elements, so plot.js itself
// (13 kB) travelled in all four charts on every tap. Instead the page's bases element,
// which is sent once per page and then as a short reference, carries plot.js as data; this
// loader imports it once per page (a module from a Blob URL) and hands each element to
// plot.js's export for its role, the last part of the component's name.
//
// The three components carry this same text, and Streamlit imports a component's script
// from one Blob URL per distinct text: the three share this module, so the promise below,
// and with it plot.js's module scope (the state the roles share), exist once per page. If
// that ever changed, the charts would wait for a plot.js that never comes (the browser
// tests would fail), not run with separate state.

let resolveCode;
const code = new Promise((resolve) => (resolveCode = resolve));
let loaded = false;

const decoder = new TextDecoder();

export default function (element) {
  // plot.py sends each element's data as compact UTF-8 JSON bytes (plot.encode).
  const data = JSON.parse(decoder.decode(element.data));
  const component = { ...element, data };
  const role = String(element.name).split("_").pop();
  if (role === "bases" && !loaded) {
    loaded = true;
    const url = URL.createObjectURL(new Blob([data.script], { type: "text/javascript" }));
    resolveCode(import(/* @vite-ignore */ url));
  }
  let cleanup;
  let gone = false;
  code.then((module) => {
    if (!gone) cleanup = module[role](component);
  });
  return () => {
    gone = true;
    if (typeof cleanup === "function") cleanup();
  };
}
