// Scroll the container keyed data.target into sight when data.token changed since the last
// call on this page (scrolling.py). The first token seen is only remembered. While the
// container is still growing (its text, its icon arriving), it is kept in sight: scrolled
// again on each change of its height, until the height has held for QUIET frames.
const seen = (window.__referralScrollTokens ??= new Map());
const QUIET = 10;
const MOST_FRAMES = 120;

export default function ({ data }) {
  const before = seen.get(data.target);
  seen.set(data.target, data.token);
  if (before === undefined || before === data.token) return;
  let height = -1;
  let quiet = 0;
  let frames = 0;
  const follow = () => {
    const element = document.querySelector(`.st-key-${CSS.escape(data.target)}`);
    if (element) {
      const now = element.getBoundingClientRect().height;
      if (now !== height) {
        element.style.scrollMarginTop = "4.5rem"; // clear of Streamlit's header
        element.scrollIntoView({ block: data.block || "start" });
        height = now;
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
