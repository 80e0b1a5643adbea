// Scroll the container keyed data.target into sight when data.token changed since the last
// call on this page (scrolling.py). The first token seen is only remembered. While the
// container still grows or moves (its text arriving, a file's chip appearing above it), it
// is kept in sight: scrolled again whenever its place or height changes, until both have
// held for QUIET frames.
// Module scope: Streamlit imports a component's script once per page, so every element of
// the component shares it.
const seen = new Map();
const QUIET = 10;
const MOST_FRAMES = 120;

export default function ({ data }) {
  const before = seen.get(data.target);
  seen.set(data.target, data.token);
  if (before === undefined || before === data.token) return;
  let place = "";
  let quiet = 0;
  let frames = 0;
  const follow = () => {
    const element = document.querySelector(`.st-key-${CSS.escape(data.target)}`);
    if (element) {
      const box = element.getBoundingClientRect();
      const now = `${Math.round(box.top)} ${Math.round(box.height)}`;
      if (now !== place) {
        element.style.scrollMarginTop = "4.5rem"; // clear of Streamlit's header
        element.scrollIntoView({ block: data.block || "start" });
        place = `${Math.round(element.getBoundingClientRect().top)} ${Math.round(box.height)}`;
        quiet = 0;
      } else {
        quiet += 1;
      }
    }
    frames += 1;
    if (quiet < QUIET && frames < MOST_FRAMES) requestAnimationFrame(follow);
  };
  follow();
}
