// camguard dashboard: the only script (no inline scripts: the CSP forbids them).
"use strict";
const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

async function api(method, path, body) {
  const opts = { method, headers: { "X-CSRF-Token": csrf() }, credentials: "same-origin" };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  const r = await fetch(path, opts);
  const text = await r.text();
  let data = null;
  try { data = JSON.parse(text); } catch (_) { data = text; }
  if (!r.ok) {
    // A problem with a stable code reads in the page's language (data/i18n/web-*.toml).
    const problems = document.getElementById("problems");
    const local = data && data.code && problems && problems.getAttribute("data-" + data.code);
    const e = new Error(local || (data && data.detail) || r.statusText);
    e.code = data && data.code;
    e.status = r.status;
    throw e;
  }
  return data;
}

function show(id, text) { const e = document.getElementById(id); if (e) e.textContent = text; }

document.addEventListener("DOMContentLoaded", () => {
  const login = document.getElementById("login-form");
  if (login) login.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api("POST", "/api/v1/login", { username: login.username.value, password: login.password.value });
      location.href = "/devices";
    } catch (e) {
      // The page's own words for a refused or locked sign-in (data-e401, data-e429).
      show("login-error", login.dataset["e" + e.status] || e.message);
    }
  });
  const logout = document.getElementById("logout");
  if (logout) logout.addEventListener("click", async () => {
    try { await api("POST", "/api/v1/logout"); } finally { location.href = "/login"; }
  });
  document.querySelectorAll("[data-lang]").forEach((a) => a.addEventListener("click", async (ev) => {
    ev.preventDefault();
    const lang = a.dataset.lang;
    document.cookie = "camguard_lang=" + lang + "; Path=/; SameSite=Strict; Max-Age=31536000";
    try { await api("PATCH", "/api/v1/me", { lang }); } catch (_) { /* signed out: the cookie is enough */ }
    location.reload();
  }));
  // API forms: fields become a JSON object sent to data-api ("{field}" in it takes that
  // field's value instead of the body). Empty fields are left out, except those marked
  // data-clear, sent as "" (which clears the setting: the default baseline's "automatic").
  document.querySelectorAll("form.api-form").forEach((form) => form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = {};
    let target = form.dataset.api;
    form.querySelectorAll("input[name], select[name]").forEach((input) => {
      if (input.value === "" && input.dataset.clear === undefined) return;
      const value = input.dataset.kind === "number" ? Number(input.value) : input.value;
      if (target.includes("{" + input.name + "}")) {
        target = target.replace("{" + input.name + "}", encodeURIComponent(input.value));
      } else {
        body[input.name] = value;
      }
    });
    const error = form.querySelector(".error");
    error.textContent = "";
    try {
      const reply = await api(form.dataset.method || "POST", target, body);
      const secret = form.dataset.show && reply && reply[form.dataset.show];
      if (secret) {
        // Shown once: the server keeps only its hash.
        const box = document.getElementById("secret");
        box.querySelector("code").textContent = secret;
        box.hidden = false;
        form.reset();
      } else {
        location.reload();
      }
    } catch (e) {
      error.textContent = e.message;
    }
  }));
  // Buttons that call one route (delete, revoke), after a confirmation.
  document.querySelectorAll("button.api-action").forEach((b) => b.addEventListener("click", async () => {
    if (b.dataset.confirm && !window.confirm(b.dataset.confirm)) return;
    try {
      await api(b.dataset.method, b.dataset.api);
      location.reload();
    } catch (e) { show("flash", e.message); }
  }));
  // Choices that change one field at once (a user's role).
  document.querySelectorAll("select.api-select").forEach((sel) => sel.addEventListener("change", async () => {
    try {
      const value = sel.dataset.kind === "number" ? Number(sel.value) : sel.value;
      await api("PATCH", sel.dataset.api, { [sel.dataset.field]: value });
      location.reload();
    } catch (e) { show("flash", e.message); }
  }));
  const scan = document.getElementById("scan-form");
  if (scan) scan.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const targets = scan.targets.value.split(/[\s,]+/).filter(Boolean);
    const body = {
      system_id: Number(scan.system.value),
      check_credentials: scan.check_credentials.checked,
      prove_streams: scan.prove_streams.checked,
    };
    if (targets.length) body.targets = targets;
    try {
      const job = await api("POST", "/api/v1/scans", body);
      watch(job.id);
    } catch (e) { show("scan-error", e.message); }
  });
});

// One line of progress: the event's name, then a readable summary of its data.
// Words come from the page (data-* of #progress), in the user's language.
function progressLine(type, data) {
  let d = {};
  try { d = JSON.parse(data); } catch (_) { return type + " " + data; }
  const w = document.getElementById("progress").dataset;
  switch (type) {
    case "started": return "started " + (d.targets || []).join(" ");
    case "host": return "host " + d.ip + " — " + (d.vendor || "?") + (d.camera ? " (" + (w.camera || "camera") + ")" : "") + ", " + d.findings + " " + (w.findings || "findings");
    case "finished": return "finished " + d.hosts + " " + (w.hosts || "hosts") + ", " + (w.scan || "scan") + " " + d.scan_id;
    default: return type + (d.error ? " " + d.error : "");
  }
}

// Refresh the tables of the scans page in place (the progress log stays).
async function refreshTables() {
  try {
    const html = await (await fetch(location.href, { credentials: "same-origin" })).text();
    const doc = new DOMParser().parseFromString(html, "text/html");
    ["jobs", "scans"].forEach((id) => {
      const fresh = doc.getElementById(id);
      const old = document.getElementById(id);
      if (fresh && old) old.replaceWith(fresh);
    });
  } catch (_) { /* the next visit shows them */ }
}

function watch(id) {
  const out = document.getElementById("progress");
  const cancel = document.getElementById("cancel");
  out.textContent = "job " + id + "\n";
  delete out.dataset.done;
  cancel.hidden = false;
  cancel.onclick = () => api("POST", "/api/v1/jobs/" + id + "/cancel").catch((e) => show("scan-error", e.message));
  const es = new EventSource("/api/v1/jobs/" + id + "/events");
  const line = (ev) => { out.textContent += progressLine(ev.type, ev.data) + "\n"; };
  ["started", "host"].forEach((t) => es.addEventListener(t, line));
  ["finished", "failed", "cancelled"].forEach((t) => es.addEventListener(t, (ev) => {
    line(ev); es.close(); cancel.hidden = true;
    out.dataset.done = t;
    refreshTables();
  }));
}
