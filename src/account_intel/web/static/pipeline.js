// The creation form as a dialog over the account page. Without this script (or without <dialog>) the link opens the
// same form as a page. The form posts as a page either way, so a refused form comes back with its input kept.
"use strict";

function closeDialog(dialog) {
  dialog.close();
  dialog.remove();
}

async function openFormDialog(link) {
  const response = await fetch(link.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (!response.ok) {
    window.location.assign(link.href);
    return;
  }
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const form = page.querySelector(link.dataset.dialog);
  if (!form) {
    window.location.assign(link.href);
    return;
  }
  const dialog = document.createElement("dialog");
  dialog.className = "modal";
  dialog.append(document.importNode(form, true));
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog || event.target.closest("[data-close]")) {
      event.preventDefault();
      closeDialog(dialog);
    }
  });
  dialog.addEventListener("cancel", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  const first = dialog.querySelector("input:not([type=hidden]), select, textarea");
  if (first) first.focus();
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-dialog]");
  if (!link || typeof HTMLDialogElement === "undefined" || event.button !== 0 || event.metaKey || event.ctrlKey) {
    return;
  }
  event.preventDefault();
  openFormDialog(link).catch(() => window.location.assign(link.href));
});
