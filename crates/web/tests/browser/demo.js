// `camguard demo --serve` in headless Debian Chromium: a new user signs in with the printed
// one-time password and finds the demo's data: devices, a device page, compliance charts, and
// a scan of the demo's system started from the browser with live progress.
// Usage: node demo.js BASE_URL ADMIN_PASSWORD SHOTS — prints one JSON line of results.
"use strict";
const { chromium } = require("playwright-core");
const fs = require("fs");
const path = require("path");

const [base, adminPw, shots] = process.argv.slice(2);

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const userDataDir = fs.mkdtempSync(path.join(require("os").tmpdir(), "camguard-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost, EXCLUDE " + new URL(base).hostname,
    ],
    headless: true,
    viewport: { width: 1280, height: 800 },
  });
  const r = {};
  const errors = [];
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    await page.goto(base + "/");
    await page.fill("#username", "admin");
    await page.fill("#password", adminPw);
    await Promise.all([page.waitForURL(base + "/devices"), page.click("button[type=submit]")]);
    r.devices = await page.locator("#devices tbody tr").count();
    await page.screenshot({ path: path.join(shots, "demo-devices.png"), fullPage: true });
    await page.click("#devices tbody tr:first-child a");
    await page.waitForSelector("#device-title");
    r.findings = await page.locator("#findings tbody tr").count();
    await page.goto(base + "/compliance");
    r.charts = await page.locator("figure.chart svg").count();
    await page.screenshot({ path: path.join(shots, "demo-compliance.png"), fullPage: true });
    await page.goto(base + "/organisation");
    r.systems = await page.locator("#systems tbody tr").count();
    await page.goto(base + "/scans");
    r.recordedScans = await page.locator("#scans tbody tr").count();
    await page.click("#scan-form button[type=submit]");
    await page.waitForSelector("#progress[data-done]", { timeout: 120000 });
    r.scan = await page.getAttribute("#progress", "data-done");
    r.hostLines = (await page.textContent("#progress")).split("\n").filter((l) => l.startsWith("host ")).length;
    // The job table is refreshed in place when the scan ends.
    await page.waitForFunction(() => document.querySelectorAll("#scans tbody tr").length > 1);
    r.recordedScansAfter = await page.locator("#scans tbody tr").count();
    await page.screenshot({ path: path.join(shots, "demo-scans.png"), fullPage: true });
    r.consoleErrors = errors.slice();
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(r));
}

main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
