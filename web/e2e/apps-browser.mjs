// Opens an installed app in headless Chromium: the app's sub-domain sends
// to the login page, the passphrase is typed, the app's index comes back
// with a token, and its script writes and reads a contact through /data.
// Then the token is tried from another app's page, where it must fail.
// Usage: node apps-browser.mjs <app-url> <other-app-url> <instance-url> <passphrase>
// Prints one JSON line with what it saw; exits non-zero on failure.
import { chromium } from "playwright-core";

const [appURL, otherURL, instURL, passphrase] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
const out = {};
let page;
try {
  const context = await browser.newContext();
  page = await context.newPage();
  await page.goto(appURL);
  out.loginURL = page.url();
  await page.fill("#password", passphrase);
  await Promise.all([page.waitForURL(appURL, { timeout: 30000 }), page.click("#send")]);
  await page.waitForFunction(() => document.getElementById("result").textContent !== "pending", null, { timeout: 30000 });
  out.app = JSON.parse(await page.textContent("#result"));
  out.appURL = page.url();
  const token = await page.getAttribute("[role=application]", "data-cozy-token");
  // The other app opens without a new login (the session is handed over).
  await page.goto(otherURL);
  await page.waitForFunction(() => document.getElementById("result").textContent !== "pending", null, { timeout: 30000 });
  out.otherURL = page.url();
  out.stolen = await page.evaluate(async ([base, token]) => {
    const res = await fetch(base + "/data/io.cozy.contacts/", {
      method: "POST", credentials: "include",
      headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "stolen" }),
    });
    return res.status;
  }, [instURL, token]);
  console.log(JSON.stringify(out));
} catch (e) {
  const where = page ? { url: page.url(), body: (await page.content()).slice(0, 2000) } : {};
  console.log(JSON.stringify({ ...out, ...where, error: String(e) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
