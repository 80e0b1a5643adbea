// Scroll the container keyed data.target into sight when data.token changed since the last
// call on this page (scrolling.py). The first token seen is only remembered.
const seen = (window.__referralScrollTokens ??= new Map());

export default function ({ data }) {
  const before = seen.get(data.target);
  seen.set(data.target, data.token);
  if (before === undefined || before === data.token) return;
  const scroll = () => {
    const element = document.querySelector(`.st-key-${CSS.escape(data.target)}`);
    if (!element) return false;
    element.style.scrollMarginTop = "4.5rem"; // clear of Streamlit's header
    element.scrollIntoView({ block: data.block || "start" });
    return true;
  };
  if (!scroll()) requestAnimationFrame(scroll);
}
