// The chart component's script as Streamlit sends it inside every element: a loader of
// plot.js (plot.py).
//
// Streamlit sends a component's script inside each of its elements, so plot.js itself
// (13 kB) travelled in all four charts on every tap. Instead the page's bases element,
// which is sent once per page and then as a short reference, carries plot.js as data; this
// loader imports it once per page (a module from a Blob URL) and hands every element of
// the component (bases, ladder, charts) to its default export, as Streamlit would.

const code = (window.__referralPlotCode ??= (() => {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve, loaded: false };
})());

const decoder = new TextDecoder();

export default function (element) {
  // plot.py sends each element's data as compact UTF-8 JSON bytes (plot.encode).
  const data = element.data instanceof Uint8Array ? JSON.parse(decoder.decode(element.data)) : element.data;
  const component = { ...element, data };
  const script = data && data.script;
  if (script && !code.loaded) {
    code.loaded = true;
    const url = URL.createObjectURL(new Blob([script], { type: "text/javascript" }));
    code.resolve(import(/* @vite-ignore */ url));
  }
  let cleanup;
  let gone = false;
  code.promise.then((module) => {
    if (!gone) cleanup = module.default(component);
  });
  return () => {
    gone = true;
    if (typeof cleanup === "function") cleanup();
  };
}
