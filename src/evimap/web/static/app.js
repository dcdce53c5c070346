// evimap's one script: keyboard shortcuts and decisions without page reloads on the screening
// page. Every form also works without it (the server answers form posts with a redirect).

const $ = (selector, root = document) => root.querySelector(selector);

function csrf() {
  const meta = $('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function say(text, isError = false) {
  const box = $("#message");
  if (!box) return;
  box.textContent = text;
  box.className = isError ? "error" : "ok";
  box.hidden = !text;
}

async function postJSON(path, body) {
  const response = await fetch(`${path}.json`, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      "x-csrf-token": csrf(),
    },
    body: JSON.stringify(body),
  });
  let data;
  try {
    data = await response.json();
  } catch {
    data = { ok: false, error: `${response.status} ${response.statusText}` };
  }
  if (response.status === 401) {
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
  }
  if (!response.ok || !data.ok) throw new Error(data.error || response.statusText);
  return data;
}

// Replace the screening panel with the one of another address, without reloading the page.
async function show(url, push = true) {
  const response = await fetch(url, { credentials: "same-origin", headers: { accept: "text/html" } });
  if (response.redirected && new URL(response.url).pathname === "/login") {
    window.location.assign(response.url);
    return;
  }
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = $("#screen", doc);
  const current = $("#screen");
  if (!fresh || !current) {
    window.location.assign(url);
    return;
  }
  current.replaceWith(fresh);
  document.title = doc.title;
  if (push) window.history.pushState({}, "", url);
}

function screen() {
  return $("#screen");
}

function recordUrl(panel, recordId) {
  return recordId ? `${panel.dataset.base}?record=${recordId}` : panel.dataset.base;
}

async function decide(decision) {
  const panel = screen();
  if (!panel || !panel.dataset.record) return;
  const form = $("#decide", panel);
  const picked = $("#reason", panel).selectedOptions[0];
  const reason = decision === "exclude" && picked ? picked.value : "";
  const label = reason ? picked.dataset.label || reason : "";
  const note = $("#note", panel).value;
  try {
    const data = await postJSON(`${panel.dataset.base}/decide`, {
      record_id: Number(panel.dataset.record),
      decision,
      reason,
      note,
    });
    say(`Record ${data.recorded.record_id}: ${decision}${label ? ` (${label})` : ""}`);
    await show(recordUrl(panel, data.next || data.recorded.record_id));
  } catch (error) {
    say(error.message, true);
    if (form) form.dataset.failed = "true";
  }
}

async function undo() {
  const panel = screen();
  if (!panel) return;
  try {
    const data = await postJSON(`${panel.dataset.base}/undo`, {});
    say(`Undone: record ${data.recorded.record_id}`);
    await show(recordUrl(panel, data.recorded.record_id));
  } catch (error) {
    say(error.message, true);
  }
}

function pickReason(n) {
  const panel = screen();
  const option = panel && $(`#reason option[data-key="${n}"]`, panel);
  if (!option) return;
  $("#reason", panel).value = option.value;
  say(`Reason ${option.dataset.label} (e excludes with it)`);
}

function go(which) {
  const panel = screen();
  const target = panel && panel.dataset[which];
  if (target) show(recordUrl(panel, target));
}

function typing(target) {
  return target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]");
}

document.addEventListener("keydown", (event) => {
  if (!screen() || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  const key = event.key;
  const choices = { i: "include", e: "exclude", m: "maybe" };
  if (choices[key] && $(`button.decision.${choices[key]}`, screen())) {
    event.preventDefault();
    decide(choices[key]);
  } else if (/^[1-9]$/.test(key)) {
    event.preventDefault();
    pickReason(key);
  } else if (key === "u") {
    event.preventDefault();
    undo();
  } else if (key === "ArrowRight" || key === "n") {
    event.preventDefault();
    go("forward");
  } else if (key === "ArrowLeft" || key === "p") {
    event.preventDefault();
    go("back");
  } else if (key === "/") {
    const search = $("#q");
    if (search) {
      event.preventDefault();
      search.focus();
    }
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !screen() || !screen().contains(form)) return;
  if (form.id === "decide" && event.submitter && event.submitter.value) {
    event.preventDefault();
    decide(event.submitter.value);
  } else if (form.id === "undo") {
    event.preventDefault();
    undo();
  }
});

document.addEventListener("click", (event) => {
  const link = event.target instanceof Element && event.target.closest("#back, #forward, #next-todo");
  if (!link || !screen() || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  show(link.getAttribute("href"));
});

window.addEventListener("popstate", () => {
  if (screen()) show(window.location.href, false);
});

const box = $("#message");
if (box) box.hidden = true;
document.documentElement.dataset.js = "ready";
