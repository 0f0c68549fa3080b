// Drives the camguard dashboard in headless Debian Chromium through playwright-core:
// sign in, start a scan of the lab, watch its progress, open a device, download a report,
// then check that a viewer cannot start scans. Screenshots of the main pages go to SHOTS.
// Usage: node browser.js BASE_URL ADMIN_PASSWORD VIEWER VIEWER_PASSWORD SYSTEM_ID TARGETS SHOTS
"use strict";
const { chromium } = require("playwright-core");
const fs = require("fs");
const path = require("path");

const [base, adminPw, viewer, viewerPw, systemId, targets, shots] = process.argv.slice(2);
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
  const result = {};
  const errors = [];
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(base + "/login");
    await page.screenshot({ path: path.join(shots, "login.png") });
    await signIn(page, "admin", adminPw);

    await page.goto(base + "/scans");
    await page.selectOption("select[name=system]", String(systemId));
    await page.fill("input[name=targets]", targets);
    await page.click("#scan-form button[type=submit]");
    await page.waitForSelector("#progress[data-done]", { timeout: 180000 });
    result.scan = await page.getAttribute("#progress", "data-done");
    result.hostEvents = (await page.textContent("#progress")).split("\n").filter((l) => l.startsWith("host ")).length;
    await page.screenshot({ path: path.join(shots, "scans.png"), fullPage: true });

    await page.goto(base + "/devices");
    result.deviceRows = await page.locator("#devices tbody tr").count();
    await page.screenshot({ path: path.join(shots, "devices.png"), fullPage: true });
    await page.click("#devices tbody tr:first-child a");
    await page.waitForSelector("#device-title");
    result.deviceTitle = await page.textContent("#device-title");
    await page.screenshot({ path: path.join(shots, "device.png"), fullPage: true });

    await page.goto(base + "/compliance");
    result.scorecardRows = await page.locator("#scorecard tbody tr").count();
    result.charts = await page.locator("figure.chart svg").count();
    await page.screenshot({ path: path.join(shots, "compliance.png"), fullPage: true });

    await page.goto(base + "/organisation");
    await page.fill("#schedule-form input[name=system_id]", String(systemId));
    await page.fill("#schedule-form input[name=spec]", "weekly");
    await Promise.all([page.waitForEvent("load"), page.click("#schedule-form button[type=submit]")]);
    result.schedules = await page.locator("#schedules tbody tr").count();
    await page.screenshot({ path: path.join(shots, "organisation.png"), fullPage: true });

    await page.goto(base + "/account");
    await page.fill("#token-form input[name=name]", "automation");
    await page.fill("#token-form input[name=role]", "viewer");
    await page.click("#token-form button[type=submit]");
    await page.waitForSelector("#secret:not([hidden])");
    result.tokenShown = ((await page.textContent("#secret code")) || "").length;
    await page.screenshot({ path: path.join(shots, "account.png"), fullPage: true });

    // The language choice is remembered: English after a switch, still English on the next page.
    await Promise.all([page.waitForEvent("load"), page.click("[data-lang=en]")]);
    await page.goto(base + "/devices");
    result.langAfterSwitch = await page.getAttribute("html", "lang");

    await page.goto(base + "/reports");
    await page.screenshot({ path: path.join(shots, "reports.png") });
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("a.report >> nth=0")]);
    const saved = path.join(shots, download.suggestedFilename());
    await download.saveAs(saved);
    result.report = download.suggestedFilename();
    result.reportBytes = fs.statSync(saved).size;

    // Errors of the admin's session (the viewer's refused POST below is a 403 on purpose).
    result.consoleErrors = errors.slice();
    await Promise.all([page.waitForURL(base + "/login"), page.click("#logout")]);
    await signIn(page, viewer, viewerPw);
    await page.goto(base + "/scans");
    result.viewerScanForm = await page.locator("#scan-form").count();
    result.viewerPost = await page.evaluate(async (id) => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const r = await fetch("/api/v1/scans", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ system_id: Number(id) }),
      });
      return r.status;
    }, systemId);
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(result));
}

main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
