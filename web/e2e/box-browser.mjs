// Drives a box's first boot to HTTPS in headless Chromium, in two runs as
// a household does it on two devices (or before and after trusting a root):
//
//   node box-browser.mjs setup <box-url> <rules> <https-choice-json> <root-out>
//     A fresh profile opens the box over plain HTTP (<box-url>, e.g.
//     http://cozy.local, which --host-resolver-rules <rules> maps to the
//     test's listener), fills the setup page with the choice (lan, or domain with a
//     provider and its credentials), watches the progress until HTTPS is
//     ready and times it. With the LAN CA it downloads the root from the
//     page that explains it into <root-out>, and checks that this profile,
//     which does not trust the root yet, refuses the instance's HTTPS.
//
//   node box-browser.mjs https <registration-url> <rules> <other-url>
//     A fresh profile (HOME chosen by the caller, whose NSS database trusts
//     the root) opens the onboarding link over HTTPS, sets the passphrase
//     (WebCrypto: a secure context), logs out and in, lands on the
//     instance, then opens <other-url> (another of the box's names).
//
// Prints one JSON line with what it saw; exits non-zero on failure.
import { chromium } from "playwright-core";

const [step, url, rules, ...rest] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", `--host-resolver-rules=${rules}`] });
const out = {};
let page;
const passphrase = "a passphrase for the box";

// tls describes the certificate a navigation was served with.
const tls = async (res) => {
  const d = res && (await res.securityDetails());
  return d ? { protocol: d.protocol, subject: d.subjectName, issuer: d.issuer } : null;
};

async function setup(context, choice, rootOut) {
  page = await context.newPage();
  await page.goto(url + "/");
  out.setupURL = page.url();
  out.setupSecure = await page.evaluate(() => window.isSecureContext);
  await page.fill("#household", "The Smiths");
  await page.fill("#member", "alice");
  await page.check(`input[name=mode][value=${choice.mode}]`);
  if (choice.mode === "domain") {
    await page.fill("#domain", choice.domain);
    await page.selectOption("#provider", choice.provider);
    for (const [k, v] of Object.entries(choice.credentials)) await page.fill(`#credential-${k}`, v);
  }
  // Every state the page shows, as it shows it.
  await page.evaluate(() => {
    window.seen = [];
    const st = document.getElementById("state");
    new MutationObserver(() => {
      const s = st.textContent.trim();
      if (window.seen[window.seen.length - 1] !== s) window.seen.push(s);
    }).observe(st, { childList: true, characterData: true, subtree: true });
  });
  const start = Date.now();
  await page.click("#send");
  await page.waitForSelector("#progress:not([hidden])", { timeout: 20000 });
  await page.waitForSelector("#next:not([hidden])", { timeout: 45000 });
  out.readyMs = Date.now() - start;
  out.states = await page.evaluate(() => window.seen);
  out.state = (await page.textContent("#state")).trim();
  out.caShown = await page.isVisible("#ca");
  out.registration = await page.getAttribute("#onboard", "href");
  if (choice.mode === "lan") {
    await Promise.all([page.waitForURL("**/box/ca"), page.click("#ca a")]);
    out.fingerprint = (await page.textContent("#fingerprint")).trim();
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("a[href='/box/ca.crt'] >> nth=0")]);
    out.rootName = download.suggestedFilename();
    await download.saveAs(rootOut);
  }
  // Not trusted yet: the instance's HTTPS is refused.
  const other = await context.newPage();
  try {
    await other.goto(new URL(out.registration).origin + "/auth/login");
    out.untrusted = "loaded";
  } catch (e) {
    out.untrusted = (String(e).match(/net::ERR_[A-Z_]+/) || [String(e)])[0];
  }
  await other.close();
}

async function https(context, other) {
  page = await context.newPage();
  const res = await page.goto(url); // throws on a certificate error
  out.onboardingURL = page.url().replace(/registerToken=.*/, "registerToken=…");
  out.tls = await tls(res);
  out.protocol = await page.evaluate(() => location.protocol);
  out.secure = await page.evaluate(() => window.isSecureContext);
  out.subtle = await page.evaluate(() => typeof (globalThis.crypto && crypto.subtle));
  await page.fill("#password", passphrase);
  await page.fill("#confirm", passphrase);
  await Promise.all([page.waitForSelector("#logout", { timeout: 30000 }), page.click("#send")]);
  out.onboarded = true;
  const base = new URL(url).origin;
  const cookie = (await context.cookies(base)).find((c) => c.name === "cozysessid");
  out.secureCookie = !!(cookie && cookie.secure);
  await Promise.all([page.waitForSelector("#password"), page.click("#logout")]);
  out.loginURL = page.url();
  await page.fill("#password", passphrase);
  await Promise.all([page.waitForSelector("#logout", { timeout: 30000 }), page.click("#send")]);
  out.loggedIn = (await context.cookies(base)).some((c) => c.name === "cozysessid");
  out.landed = page.url();
  if (other) {
    const p = await context.newPage();
    const r = await p.goto(other); // throws on a certificate error
    out.other = { url: p.url(), status: r.status(), tls: await tls(r) };
    await p.close();
  }
}

try {
  const context = await browser.newContext();
  if (step === "setup") await setup(context, JSON.parse(rest[0]), rest[1]);
  else if (step === "https") await https(context, rest[0]);
  else throw new Error("unknown step " + step);
  console.log(JSON.stringify(out));
} catch (e) {
  const where = page ? { url: page.url(), body: (await page.content()).slice(0, 2000) } : {};
  console.log(JSON.stringify({ ...out, ...where, error: String(e) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
