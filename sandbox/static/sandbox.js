// The sandbox's only script: forms are sent without reloading the page, and the live parts
// (messages, sidebar, modal) are polled. Without it every form still works by reloading.
"use strict";

const live = document.getElementById("live");
const modal = document.getElementById("modal");
const sidebar = document.getElementById("sidebar");

function openThreads() {
  return new Set([...document.querySelectorAll("details.thread[open]")].map((d) => d.id));
}

async function refresh() {
  if (!live) return;
  const response = await fetch(live.dataset.src, { cache: "no-store" });
  if (!response.ok) return;
  const data = await response.json();
  if (live.innerHTML !== data.live) {
    const open = openThreads();
    const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    live.innerHTML = data.live;
    open.forEach((id) => { const d = document.getElementById(id); if (d) d.open = true; });
    if (atBottom) window.scrollTo(0, document.body.scrollHeight);
  }
  if (sidebar.innerHTML !== data.sidebar) sidebar.innerHTML = data.sidebar;
  if (modal.dataset.key !== data.modal_key) {
    modal.dataset.key = data.modal_key;
    modal.innerHTML = data.modal;
    const first = modal.querySelector("input:not([type=hidden]), select, textarea, button");
    if (first) first.focus();
  }
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (form.method.toLowerCase() !== "post") return;
  event.preventDefault();
  const submitter = event.submitter;
  const body = new URLSearchParams(new FormData(form, submitter));
  const action = (submitter && submitter.getAttribute("formaction")) || form.action;
  form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  try {
    await fetch(action, { method: "POST", body, headers: { "X-Sandbox": "fetch" } });
    const text = form.querySelector("input[name=text]");
    if (text) text.value = "";
  } finally {
    form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
  }
  if (form.hasAttribute("data-navigate")) {  // e.g. the demo data: go where it shows
    window.location.assign("/sandbox?" + form.elements.back.value);
    return;
  }
  if (form.closest("#modal")) modal.dataset.key = "-";  // show what the bot answered
  refresh();
});

document.addEventListener("change", (event) => {
  const select = event.target.closest("[data-autosubmit]");
  if (select && select.value) select.form.requestSubmit();
});

if (live) {
  setInterval(refresh, 1000);
  window.scrollTo(0, document.body.scrollHeight);
}
