// Logs in to an instance where Cozy's real Home, Drive, Contacts and
// Settings builds are installed, in headless Chromium over http://, and
// reports what the browser saw: where the login landed, the apps' icons
// Home shows (loaded or not), every answer >= 400 and every page error.
// Only loopback hosts (*.localhost) are reached: requests elsewhere (the
// apps' error reporting) are aborted and listed.
// Usage: node cozy-apps.mjs <instance-url> <passphrase> <home-url> [<app-url>...]
// The other apps' pages are opened after Home, in order.
// Prints one JSON line; exits non-zero when the browser could not drive
// the pages (the Go test judges what was seen).
import { chromium } from "playwright-core";

const [instURL, passphrase, homeURL, ...otherApps] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
const out = { failed: [], pageErrors: [], consoleErrors: [], aborted: [] };
let page;
try {
  const context = await browser.newContext();
  await context.route("**/*", (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === "localhost" || host.endsWith(".localhost")) return route.continue();
    out.aborted.push(route.request().url());
    return route.abort();
  });
  page = await context.newPage();
  // The bodies of the failed answers are read before the page moves on
  // (the browser drops them with the page).
  const pending = [];
  page.on("response", (res) => {
    if (res.status() < 400) return;
    const f = { method: res.request().method(), url: res.url(), status: res.status(), request: (res.request().postData() || "").slice(0, 500) };
    out.failed.push(f);
    pending.push(res.text().then((t) => { f.body = t.slice(0, 500); }, (e) => { f.body = String(e); }));
  });
  page.on("pageerror", (e) => out.pageErrors.push(String(e).slice(0, 500)));
  page.on("console", (m) => { if (m.type() === "error") out.consoleErrors.push(m.text().slice(0, 500)); });
  await page.goto(instURL + "/");
  out.loginURL = page.url();
  await page.fill("#password", passphrase);
  await Promise.all([page.waitForURL((u) => u.href.startsWith(homeURL), { timeout: 60000 }), page.click("#send")]);
  out.landedURL = page.url();
  await page.waitForLoadState("networkidle", { timeout: 60000 });
  // Home lists the apps as links to their sub-domains, each with an icon.
  await page.waitForFunction(() => document.querySelectorAll("img").length >= 4, null, { timeout: 60000 }).catch(() => {});
  await page.waitForLoadState("networkidle", { timeout: 60000 });
  await page.waitForFunction(() => Array.from(document.images).every((i) => i.complete), null, { timeout: 30000 }).catch(() => {});
  out.images = await page.evaluate(() => Array.from(document.images).map((i) => ({ src: i.currentSrc || i.src, loaded: i.complete && i.naturalWidth > 0, alt: i.alt })));
  out.unloaded = [];
  for (const img of out.images.filter((i) => !i.loaded)) {
    const r = await page.context().request.get(img.src);
    const body = await r.body();
    out.unloaded.push({ src: img.src, status: r.status(), type: r.headers()["content-type"], encoding: r.headers()["content-encoding"], size: body.length, head: body.toString("utf8", 0, 120) });
  }
  out.text = (await page.evaluate(() => document.body.innerText)).slice(0, 3000);
  out.finalURL = page.url();
  // Then each other app, as the user opens it from Home.
  out.apps = [];
  for (const appURL of otherApps) {
    const seen = { url: appURL, failedFrom: out.failed.length, errorsFrom: out.pageErrors.length };
    await Promise.allSettled(pending);
    await page.goto(appURL);
    await page.waitForLoadState("networkidle", { timeout: 60000 }).catch(() => {});
    // An app renders after its scripts ran: wait for its first words.
    await page.waitForFunction(() => document.body.innerText.trim().length > 0, null, { timeout: 30000 }).catch(() => {});
    await page.waitForLoadState("networkidle", { timeout: 60000 }).catch(() => {});
    seen.landed = page.url();
    seen.text = (await page.evaluate(() => document.body.innerText)).slice(0, 1500);
    if (!seen.text.trim()) seen.html = (await page.content()).slice(0, 3000);
    out.apps.push(seen);
  }
  await Promise.allSettled(pending);
  console.log(JSON.stringify(out));
} catch (e) {
  const where = page ? { url: page.url(), body: (await page.content()).slice(0, 3000) } : {};
  console.log(JSON.stringify({ ...out, ...where, error: String(e) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
