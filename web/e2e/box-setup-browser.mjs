// Drives a fresh box's first boot in headless Chromium over plain HTTP, as
// a phone on the LAN: http://cozy.local:PORT resolves to loopback through
// --host-resolver-rules (not "localhost", which Chromium counts as a
// secure context), so the pages run without WebCrypto. The setup page
// sets the household up with the "later" (plain HTTP) choice, then the
// instance's onboarding sets the passphrase (the vendored PBKDF2 derives
// it), logout, and login lands on the instance.
// Usage: node box-setup-browser.mjs <box-url> <setup-code>
// Prints one JSON line with what it saw; exits non-zero on failure.
import { chromium } from "playwright-core";

const [base, code] = process.argv.slice(2);
const host = new URL(base).hostname;
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", `--host-resolver-rules=MAP ${host} 127.0.0.1`] });
const out = {};
let page;
const passphrase = "a passphrase for the box";
try {
  const context = await browser.newContext();
  page = await context.newPage();
  await page.goto(base + "/");
  out.setupURL = page.url();
  out.setupSecure = await page.evaluate(() => window.isSecureContext);
  await page.fill("#code", code.toLowerCase().slice(0, 5) + "-" + code.slice(5));
  await page.fill("#household", "The Smiths");
  await page.fill("#member", "alice");
  await page.check("input[name=mode][value=later]");
  out.risk = (await page.textContent("div.mode[data-mode=later]")).trim();
  await page.click("#send");
  await page.waitForSelector("#next:not([hidden])", { timeout: 30000 });
  out.state = (await page.textContent("#state")).trim();
  const onboard = await page.getAttribute("#onboard", "href");
  out.onboardLink = onboard.replace(/registerToken=.*/, "registerToken=…");
  await Promise.all([page.waitForSelector("#confirm"), page.click("#onboard")]);
  out.onboardingSecure = await page.evaluate(() => window.isSecureContext);
  out.subtle = await page.evaluate(() => typeof (globalThis.crypto && crypto.subtle));
  out.fallback = await page.evaluate(() => typeof cozyPBKDF2);
  await page.fill("#password", passphrase);
  await page.fill("#confirm", passphrase);
  await Promise.all([page.waitForSelector("#logout", { timeout: 60000 }), page.click("#send")]);
  out.onboarded = true;
  await Promise.all([page.waitForSelector("#password"), page.click("#logout")]);
  out.loginURL = page.url();
  await page.fill("#password", passphrase);
  await Promise.all([page.waitForSelector("#logout", { timeout: 60000 }), page.click("#send")]);
  out.loggedIn = (await context.cookies(base)).some((c) => c.name === "cozysessid");
  out.landed = page.url();
  console.log(JSON.stringify(out));
} catch (e) {
  const where = page ? { url: page.url(), body: (await page.content()).slice(0, 2000) } : {};
  console.log(JSON.stringify({ ...out, ...where, error: String(e) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
