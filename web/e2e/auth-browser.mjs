// Drives the onboarding, logout and login pages in headless Chromium.
// Usage: node auth-browser.mjs <base-url> <registration-link>
// Prints one JSON line with what it saw; exits non-zero on failure.
import { chromium } from "playwright-core";

const [base, registration] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
const out = {};
let page;
try {
  const context = await browser.newContext();
  page = await context.newPage();
  await page.goto(registration);
  await page.fill("#password", "a long enough passphrase");
  await page.fill("#confirm", "a different passphrase");
  await page.click("#send");
  out.mismatch = (await page.textContent("#error")).trim();
  await page.fill("#confirm", "a long enough passphrase");
  await Promise.all([page.waitForSelector("#logout", { timeout: 30000 }), page.click("#send")]);
  out.onboarded = true;
  const cookie = (await context.cookies(base)).find((c) => c.name === "cozysessid");
  out.cookie = cookie ? { httpOnly: cookie.httpOnly, sameSite: cookie.sameSite, secure: cookie.secure, path: cookie.path } : null;
  await Promise.all([page.waitForSelector("#password"), page.click("#logout")]);
  out.loggedOut = !(await context.cookies(base)).some((c) => c.name === "cozysessid");
  await page.fill("#password", "not the passphrase");
  await Promise.all([page.waitForLoadState("load"), page.click("#send")]);
  await page.waitForSelector("#error:not([hidden])", { timeout: 30000 });
  out.wrong = (await page.textContent("#error")).trim();
  await page.fill("#password", "a long enough passphrase");
  await Promise.all([page.waitForSelector("#logout", { timeout: 30000 }), page.click("#send")]);
  out.loggedIn = (await context.cookies(base)).some((c) => c.name === "cozysessid");
  console.log(JSON.stringify(out));
} catch (e) {
  const where = page ? { url: page.url(), body: (await page.content()).slice(0, 2000) } : {};
  console.log(JSON.stringify({ ...out, ...where, error: String(e) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
