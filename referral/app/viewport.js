// The browser window's size, reported to the server (viewport.py): once when the page is
// drawn, and again when the width changes or the height changes by more than SLACK px (a
// phone's address bar showing or hiding while the page scrolls changes the height by less,
// and must not move the page under a finger).

const SLACK = 120;

/** What the page knows: the size last sent, and how to send one (the latest element's).
 * Module scope: Streamlit imports a component's script once per page (one Blob URL per
 * script text), so every element of the component shares it. */
const state = { known: null, send: null, timer: null };

function size() {
  const root = document.documentElement;
  return { width: root.clientWidth, height: root.clientHeight };
}

function update() {
  const now = size();
  const known = state.known;
  if (known && known.width === now.width && Math.abs(known.height - now.height) <= SLACK) return;
  state.known = now;
  if (state.send) state.send("size", now);
}

export default function ({ data, setStateValue }) {
  state.known = (data && data.known) || null; // what the server knows: null, tell it
  state.send = setStateValue;
  if (!state.listening) {
    state.listening = true;
    window.addEventListener("resize", () => {
      clearTimeout(state.timer);
      state.timer = setTimeout(update, 250);
    });
  }
  update();
}
