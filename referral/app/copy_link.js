// "Copy link" (sharing.py's copy_link): copies the page's link to the clipboard; where the
// browser refuses (no clipboard access, e.g. a plain-http address other than localhost),
// shows the link as selectable plain text, selected, to copy by hand. Everything shown is
// set as text (textContent, value), never as markup.

const COPIED = "Link copied. Paste it into a note or a message: it opens this drawing.";
const BY_HAND = "This browser did not let the page copy. The link is selected below: copy it " +
  "with Ctrl+C (⌘C on a Mac), or press and hold it on a tablet.";

/** The button's look (near Streamlit's secondary buttons), added to the page once. */
const STYLE = `
.referral-copy-link button {
  font: inherit;
  color: inherit;
  background: transparent;
  min-height: 2.5rem;
  padding: 0.25rem 0.75rem;
  border: 1px solid rgba(49, 51, 63, 0.2);
  border-radius: 0.5rem;
  cursor: pointer;
}
.referral-copy-link button:hover {
  border-color: currentColor;
}
.referral-copy-link button:focus-visible {
  outline: 2px solid #1c6fd1;
  outline-offset: 2px;
}
.referral-copy-link p {
  margin: 0.25rem 0 0;
  font-size: 0.875rem;
}
.referral-copy-link p:empty {
  display: none;
}
.referral-copy-link input {
  box-sizing: border-box;
  width: 100%;
  margin-top: 0.25rem;
  padding: 0.4rem 0.5rem;
  font: inherit;
  font-size: 0.875rem;
  border: 1px solid rgba(49, 51, 63, 0.4);
  border-radius: 0.25rem;
}
`;

function build(parentElement) {
  if (!document.getElementById("referral-copy-link-style")) {
    const style = document.createElement("style");
    style.id = "referral-copy-link-style";
    style.textContent = STYLE;
    document.head.appendChild(style);
  }
  const root = document.createElement("div");
  root.className = "referral-copy-link";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Copy link";
  const status = document.createElement("p");
  status.setAttribute("role", "status");
  const field = document.createElement("input");
  field.type = "text";
  field.readOnly = true;
  field.hidden = true;
  field.setAttribute("aria-label", "Link to this drawing");
  root.append(button, status, field);
  parentElement.appendChild(root);
  button.addEventListener("click", async () => {
    const link = root.__link;
    try {
      if (!navigator.clipboard || !navigator.clipboard.writeText) throw new Error("no clipboard");
      await navigator.clipboard.writeText(link);
      field.hidden = true;
      status.textContent = COPIED;
    } catch {
      field.value = link;
      field.hidden = false;
      field.focus();
      field.select();
      status.textContent = BY_HAND;
    }
  });
  return root;
}

export default function ({ parentElement, data }) {
  const root = parentElement.querySelector(":scope > .referral-copy-link") || build(parentElement);
  root.__link = new URL(data.link, window.location.href).href;
  const field = root.querySelector("input");
  if (!field.hidden) field.value = root.__link;
}
