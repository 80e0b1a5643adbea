// "Copy link" (sharing.py's copy_link): copies the page's link to the clipboard; where the
// browser refuses (no clipboard access, e.g. a plain-http address other than localhost),
// shows the link as selectable plain text, selected, to copy by hand. Everything shown is
// set as text (textContent, value), never as markup.

const COPIED = "Link copied. Paste it into a note or a message: it opens this drawing.";
const BY_HAND = "This browser did not let the page copy. The link is selected below: copy it " +
  "with Ctrl+C (⌘C on a Mac), or press and hold it on a tablet.";

function build(parentElement) {
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
