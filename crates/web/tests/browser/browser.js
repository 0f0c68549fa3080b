// Drives the camguard dashboard in headless Debian Chromium through playwright-core, as a new
// administrator would after `camguard demo --serve`: sign in; build the organisation (site,
// system, scope) and the users in the pages; scan the lab twice with live progress; cancel a
// scan of a device that never answers; filter the inventory; open a device and its history;
// attest a documentary (D/L) provision and see it labelled; schedule a scan; compliance,
// audit log, API token, reports; the language choice survives sign-out and sign-in; a viewer
// sees no evidence and cannot start scans. Screenshots of the pages go to SHOTS.
// Usage: node browser.js BASE_URL ADMIN_PASSWORD CIDR LAB_TARGETS HANG_TARGET SHOTS
// Prints one JSON line of results; the Rust test (crates/cli/tests/e2e/browser.rs) checks it.
"use strict";
const { chromium } = require("playwright-core");
const fs = require("fs");
const path = require("path");

const [base, adminPw, cidr, labTargets, hangTarget, shots] = process.argv.slice(2);
const newAdminPw = "Chosen-by-the-admin-2026!";
const chromiumArgs = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  // Never ask a resolver: every name fails except the loopback address the dashboard is on.
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost, EXCLUDE " + new URL(base).hostname,
];

async function signIn(page, user, password) {
  await page.goto(base + "/login");
  await page.fill("#username", user);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(base + "/devices"), page.click("button[type=submit]")]);
}

// Submit an API form whose success reloads the page.
async function submitReload(page, formId) {
  await Promise.all([page.waitForEvent("load"), page.click(formId + " button[type=submit]")]);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, name), fullPage: true });
}

const cells = (page, sel) => page.locator(sel).allTextContents();

async function scan(page, systemId, targets, credentials) {
  await page.goto(base + "/scans");
  await page.selectOption("#scan-form select[name=system]", String(systemId));
  await page.fill("#scan-form input[name=targets]", targets);
  if (credentials) await page.check("#scan-form input[name=check_credentials]");
  await page.click("#scan-form button[type=submit]");
}

async function filterDevices(page, fields) {
  await page.goto(base + "/devices");
  for (const [name, value] of Object.entries(fields)) {
    const el = page.locator("#device-filter [name=" + name + "]");
    if ((await el.evaluate((e) => e.tagName)) === "SELECT") await el.selectOption(value);
    else await el.fill(value);
  }
  await Promise.all([page.waitForEvent("load"), page.click("#device-filter button")]);
  return page.locator("#devices tbody tr").count();
}

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const userDataDir = fs.mkdtempSync(path.join(require("os").tmpdir(), "camguard-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    args: chromiumArgs,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
  });
  const r = {};
  const errors = [];
  const t0 = Date.now();
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("dialog", (d) => d.accept()); // the delete confirmations
    const login = await page.goto(base + "/login");
    const h = login.headers();
    r.headers = {
      csp: h["content-security-policy"], frame: h["x-frame-options"],
      nosniff: h["x-content-type-options"], hsts: h["strict-transport-security"] || null,
    };
    await page.screenshot({ path: path.join(shots, "login.png") });
    // A wrong password is refused with a message on the page.
    await page.fill("#username", "admin");
    await page.fill("#password", "not-the-password");
    await page.click("button[type=submit]");
    await page.waitForSelector("#login-error:not(:empty)");
    r.loginError = await page.textContent("#login-error");
    errors.splice(0); // the refused sign-in's 401, on purpose
    await signIn(page, "admin", adminPw);

    // The organisation, built in the pages: site, system, scope; a site made and deleted.
    await page.goto(base + "/organisation");
    await page.fill("#site-form input[name=name]", "Lab");
    await submitReload(page, "#site-form");
    await page.selectOption("#system-form select[name=site_id]", { label: "Lab" });
    await page.fill("#system-form input[name=name]", "Cameras");
    await page.selectOption("#system-form select[name=security_level]", "2");
    await page.fill("#system-form input[name=owner]", "Security office");
    await submitReload(page, "#system-form");
    const systemId = Number((await page.textContent("#systems tbody tr:first-child td:first-child")).trim());
    // The approved level changed in place, the owner through the edit form.
    await Promise.all([page.waitForEvent("load"),
      page.locator("#systems tbody tr").first().locator("select.api-select").selectOption("3")]);
    await page.selectOption("#system-edit-form select[name=id]", String(systemId));
    await page.fill("#system-edit-form input[name=owner]", "Provincial IT office");
    await submitReload(page, "#system-edit-form");
    r.systemRow = await cells(page, "#systems tbody tr:first-child td");
    // A site's address changed through its edit form.
    await page.selectOption("#site-edit-form select[name=id]", { label: "Lab" });
    await page.fill("#site-edit-form input[name=address]", "1 Lab street");
    await submitReload(page, "#site-edit-form");
    r.siteRow = await cells(page, "#sites tbody tr:first-child td");
    await page.selectOption("#scope-form select[name=system_id]", String(systemId));
    await page.fill("#scope-form input[name=cidr]", cidr);
    await submitReload(page, "#scope-form");
    // A scope outside what the API accepts is refused with its message next to the form.
    await page.selectOption("#scope-form select[name=system_id]", String(systemId));
    await page.fill("#scope-form input[name=cidr]", "not a network");
    await page.click("#scope-form button[type=submit]");
    await page.waitForSelector("#scope-form .error:not(:empty)");
    r.scopeError = await page.textContent("#scope-form .error");
    errors.splice(0); // the refused scope's 400, on purpose
    await page.fill("#site-form input[name=name]", "Temporary");
    await submitReload(page, "#site-form");
    r.sitesBeforeDelete = await page.locator("#sites tbody tr").count();
    await Promise.all([page.waitForEvent("load"),
      page.locator("#sites tbody tr", { hasText: "Temporary" }).locator("button.api-action").click()]);
    r.sitesAfterDelete = await page.locator("#sites tbody tr").count();
    r.scopes = await cells(page, "#scopes tbody td:nth-child(3)");

    // Users: a viewer (generated password shown once), an auditor demoted, then deleted.
    await page.goto(base + "/account");
    await page.fill("#user-form input[name=username]", "viewer1");
    await page.selectOption("#user-form select[name=role]", "viewer");
    await page.selectOption("#user-form select[name=lang]", "vi");
    await page.click("#user-form button[type=submit]");
    await page.waitForSelector("#secret:not([hidden])");
    const viewerPw = (await page.textContent("#secret code")).trim();
    await page.fill("#user-form input[name=username]", "auditor1");
    await page.selectOption("#user-form select[name=role]", "auditor");
    await page.click("#user-form button[type=submit]");
    await page.waitForFunction((old) => document.querySelector("#secret code").textContent !== old, viewerPw);
    await page.reload();
    const auditorRow = () => page.locator("#users tbody tr", { hasText: "auditor1" });
    await Promise.all([page.waitForEvent("load"), auditorRow().locator("select.api-select").selectOption("viewer")]);
    r.demotedRole = (await auditorRow().locator("td:nth-child(3)").textContent()).trim();
    await Promise.all([page.waitForEvent("load"), auditorRow().locator("button.api-action").click()]);
    r.usersAfterDelete = await cells(page, "#users tbody td:nth-child(2)");
    // The one-time password is replaced by the administrator's own (used at the next sign-in).
    await page.fill("#password-form input[name=current_password]", adminPw);
    await page.fill("#password-form input[name=password]", newAdminPw);
    await submitReload(page, "#password-form");
    // A new password ends every session of the account: sign in again with it.
    r.afterPasswordChange = new URL(page.url()).pathname;
    await signIn(page, "admin", newAdminPw);
    await page.goto(base + "/account");
    await page.fill("#token-form input[name=name]", "automation");
    await page.selectOption("#token-form select[name=role]", "viewer");
    await page.click("#token-form button[type=submit]");
    await page.waitForSelector("#secret:not([hidden])");
    r.tokenShown = ((await page.textContent("#secret code")) || "").length;
    await shot(page, "account.png");

    // Two scans of the lab with live progress (history across scans), then a cancelled one.
    const tScan = Date.now();
    for (let i = 1; i <= 2; i++) {
      // The second scan also tries default credentials (the lab is ours): models appear.
      await scan(page, systemId, labTargets, i === 2);
      await page.waitForSelector("#progress[data-done]", { timeout: 120000 });
      r["scan" + i] = await page.getAttribute("#progress", "data-done");
      r["hostEvents" + i] = (await page.textContent("#progress")).split("\n").filter((l) => l.startsWith("host ")).length;
    }
    r.scanSeconds = (Date.now() - tScan) / 1000;
    await scan(page, systemId, hangTarget);
    // The device accepts connections and never answers: the scan is still running when the
    // cancel button is pressed right after its start.
    await page.waitForFunction(() => document.getElementById("progress").textContent.includes("started "));
    await page.click("#cancel");
    await page.waitForSelector("#progress[data-done]", { timeout: 30000 });
    r.cancelled = await page.getAttribute("#progress", "data-done");
    await page.reload();
    r.jobStatuses = await page.locator("#jobs tbody td[data-status]").evaluateAll(
      (tds) => tds.map((td) => td.dataset.status));
    r.jobLabels = await cells(page, "#jobs tbody td[data-status]");
    await shot(page, "scans.png");

    // The inventory and its filters.
    await page.goto(base + "/devices");
    r.deviceRows = await page.locator("#devices tbody tr").count();
    await shot(page, "devices.png");
    const vendors = await cells(page, "#devices tbody td:nth-child(2)");
    const vendor = vendors.find((v) => v !== "-") || vendors[0];
    r.vendorRows = await filterDevices(page, { vendor });
    r.vendorCells = await cells(page, "#devices tbody td:nth-child(2)");
    r.noSuchVendorRows = await filterDevices(page, { vendor: "NoSuchVendor" });
    r.failRows = await filterDevices(page, { verdict: "fail" });
    r.siteRows = await filterDevices(page, { site: { label: "Lab" } });
    await page.goto(base + "/devices");
    const models = (await cells(page, "#devices tbody td:nth-child(3)")).filter((m) => m !== "-");
    const firmwares = (await cells(page, "#devices tbody td:nth-child(4)")).filter((m) => m !== "-");
    r.modelRows = models.length ? await filterDevices(page, { model: models[0] }) : -1;
    r.firmwareRows = firmwares.length ? await filterDevices(page, { firmware: firmwares[0] }) : -1;
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
    r.firstSeenTodayRows = await filterDevices(page, { first_seen: today });
    r.lastSeenTomorrowRows = await filterDevices(page, { last_seen: tomorrow });
    r.searchRows = await filterDevices(page, { q: labTargets.split("-")[0] });

    // A device: identity, findings, history of both scans; filter by one of its findings.
    await page.goto(base + "/devices");
    await page.click("#devices tbody tr:first-child a");
    await page.waitForSelector("#device-title");
    r.deviceTitle = await page.textContent("#device-title");
    r.historyRows = await page.locator("#history tbody tr").count();
    r.endpointRows = await page.locator("#endpoints tbody tr").count();
    r.identityRows = await page.locator("#identity tbody tr").count();
    r.remediation = (await page.textContent("#findings tbody tr:first-child td:nth-child(5)")).trim().length;
    r.adminEvidence = await page.locator("#findings tbody code").count();
    r.adminQuotedCredential = (await page.textContent("#findings")).includes('" / "');
    const check = (await page.textContent("#findings tbody tr:first-child td:nth-child(2)")).trim();
    await shot(page, "device.png");
    r.checkRows = await filterDevices(page, { check });

    // Attest D/L provisions: one for a camera model (pass), one for the system (fail); the
    // verdicts a scan cannot reach are then labelled attested on the device.
    await page.goto(base + "/organisation");
    const subjects = await page.locator("#attestation-form select[name=subject] option").evaluateAll(
      (os) => os.map((o) => o.value));
    const modelSubject = subjects.find((x) => x.startsWith("model:"));
    r.modelSubject = modelSubject || null;
    const attest = async (subject, provision, status) => {
      await page.selectOption("#attestation-form select[name=subject]", subject);
      await page.selectOption("#attestation-form select[name=baseline]", "qcvn-11-2026");
      await page.fill("#attestation-form input[name=provision]", provision);
      await page.selectOption("#attestation-form select[name=status]", status);
      await page.fill("#attestation-form input[name=document]", "Vendor statement ref. 42/2026");
      await submitReload(page, "#attestation-form");
    };
    if (modelSubject) await attest(modelSubject, "2.1.b", "pass");
    await attest("system:" + systemId, "2.1.d", "fail");
    r.attestations = await page.locator("#attestations tbody tr").count();
    // A schedule per system.
    await page.selectOption("#schedule-form select[name=system_id]", String(systemId));
    await page.fill("#schedule-form input[name=spec]", "weekly");
    await submitReload(page, "#schedule-form");
    r.schedules = await cells(page, "#schedules tbody td:nth-child(3)");
    await shot(page, "organisation.png");
    const model = modelSubject ? modelSubject.slice(modelSubject.indexOf("/") + 1) : "";
    if (model) await filterDevices(page, { model });
    else await page.goto(base + "/devices");
    await page.click("#devices tbody tr:first-child a");
    await page.waitForSelector("#device-title");
    r.attestedVerdicts = await page.evaluate(() => {
      const out = {};
      for (const tr of document.querySelectorAll("#verdicts tbody tr")) {
        if (tr.cells[0].textContent === "qcvn-11-2026") out[tr.cells[1].textContent] = tr.cells[2].dataset.status;
      }
      return out;
    });

    await page.goto(base + "/compliance");
    r.scorecardRows = await page.locator("#scorecard tbody tr").count();
    r.charts = await page.locator("figure.chart svg").count();
    await shot(page, "compliance.png");
    r.modelList = await page.locator("main ul li").count();
    await page.selectOption("select[name=system]", String(systemId));
    await Promise.all([page.waitForEvent("load"), page.click("main form button")]);
    r.systemScorecardRows = await page.locator("#scorecard tbody tr").count();
    r.systemScorecardUrl = page.url();

    await page.goto(base + "/audit");
    r.auditActions = await cells(page, "#audit tbody td:nth-child(3)");
    await shot(page, "audit.png");

    // Settings: the organisation named on report covers.
    await page.goto(base + "/settings");
    await page.fill("#settings-form input[name=organisation]", "Lab agency");
    await submitReload(page, "#settings-form");
    r.settingsOrganisation = await page.inputValue("#settings-form input[name=organisation]");
    // The default baseline: one chosen, then back to automatic (sent as "", stored as none).
    const baselineChoice = "#settings-form select[name=default_baseline]";
    const chosen = await page.locator(baselineChoice + " option >> nth=1").getAttribute("value");
    await page.selectOption(baselineChoice, chosen);
    await submitReload(page, "#settings-form");
    r.settingsBaseline = [await page.inputValue(baselineChoice)];
    await page.selectOption(baselineChoice, "");
    await submitReload(page, "#settings-form");
    r.settingsBaseline.push(await page.inputValue(baselineChoice));
    r.settingsBaselineApi = await page.evaluate(async () =>
      (await (await fetch("/api/v1/settings", { credentials: "same-origin" })).json()).default_baseline);
    await shot(page, "settings.png");

    await page.goto(base + "/reports");
    await shot(page, "reports.png");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("a.report >> nth=0")]);
    const saved = path.join(shots, download.suggestedFilename());
    await download.saveAs(saved);
    r.report = download.suggestedFilename();
    r.reportBytes = fs.statSync(saved).size;
    // Every report format in both languages, as the links fetch them.
    r.reportFormats = await page.evaluate(async () => {
      const out = [];
      for (const a of document.querySelectorAll("a.report, a.diff")) {
        const resp = await fetch(a.getAttribute("href"), { credentials: "same-origin" });
        out.push([a.getAttribute("href"), resp.status, (await resp.arrayBuffer()).byteLength]);
      }
      return out;
    });

    // The attested verdicts are in the downloaded HTML report, labelled.
    const reportHtml = await page.evaluate(async () =>
      (await fetch("/api/v1/reports?format=html&lang=en", { credentials: "same-origin" })).text());
    r.reportOrganisation = reportHtml.includes("Lab agency");
    const reportPage = await context.newPage();
    await reportPage.setContent(reportHtml);
    // Attested verdicts sit in the devices' verdict tables, labelled (badge class st-attested_*).
    const attestedRows = reportPage.locator("table.verdicts tr:has(.badge[class*='st-attested'])");
    r.reportAttested = await attestedRows.evaluateAll((rows) =>
      rows.map((tr) => tr.textContent + " " + tr.querySelector(".badge").className));
    await reportPage.locator("table.verdicts:has(.badge[class*='st-attested'])").first()
      .screenshot({ path: path.join(shots, "report-attestations.png") });
    await reportPage.close();

    // The language choice is the user's: English survives sign-out, lost cookies, sign-in.
    await Promise.all([page.waitForEvent("load"), page.click("[data-lang=en]")]);
    r.langAfterSwitch = await page.getAttribute("html", "lang");
    await Promise.all([page.waitForURL(base + "/login"), page.click("#logout")]);
    await context.clearCookies();
    await signIn(page, "admin", newAdminPw);
    r.langAfterSignIn = await page.getAttribute("html", "lang");
    r.navAfterSignIn = await page.textContent("nav");

    // Errors of the admin's session (the viewer's refused POST below is a 403 on purpose).
    r.consoleErrors = errors.slice();
    await Promise.all([page.waitForURL(base + "/login"), page.click("#logout")]);
    await context.clearCookies();
    await signIn(page, "viewer1", viewerPw);
    r.viewerLang = await page.getAttribute("html", "lang");
    await page.click("#devices tbody tr:first-child a");
    await page.waitForSelector("#device-title");
    r.viewerEvidence = await page.locator("#findings tbody code").count();
    r.viewerQuotedCredential = (await page.textContent("#findings")).includes('" / "');
    r.viewerEvidenceHidden = await page.locator("#findings tbody em").count();
    await shot(page, "device-viewer.png");
    await page.goto(base + "/scans");
    r.viewerScanForm = await page.locator("#scan-form").count();
    r.viewerControls = await page.locator("button.api-action").count();
    await page.goto(base + "/organisation");
    r.viewerForms = await page.locator("form.api-form").count() + await page.locator("button.api-action").count();
    r.viewerAudit = (await page.goto(base + "/audit")).status();
    r.viewerPost = await page.evaluate(async (id) => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const resp = await fetch("/api/v1/scans", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ system_id: Number(id) }),
      });
      return resp.status;
    }, systemId);
    // Decision 724's lockout in the sign-in form: five wrong passwords, then the right one is
    // refused too, with the reason on the page.
    await Promise.all([page.waitForURL(base + "/login"), page.click("#logout")]);
    const attempt = async (password) => {
      await page.fill("#username", "viewer1");
      await page.fill("#password", password);
      const [resp] = await Promise.all([
        page.waitForResponse((x) => x.url().endsWith("/api/v1/login")),
        page.click("button[type=submit]"),
      ]);
      await page.waitForSelector("#login-error:not(:empty)");
      return resp.status();
    };
    r.wrongStatuses = [];
    for (let i = 0; i < 5; i++) r.wrongStatuses.push(await attempt("Wrong-pass-" + i));
    r.lockedStatus = await attempt(viewerPw);
    r.lockedMessage = await page.textContent("#login-error");
    await page.screenshot({ path: path.join(shots, "locked.png") });
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  r.seconds = (Date.now() - t0) / 1000;
  console.log(JSON.stringify(r));
}

main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
