// Logs in to an instance where Cozy's real Home, Drive, Contacts and
// Settings builds are installed, in headless Chromium over http://, and
// uses them as a household would: it reports what the browser saw (where
// the login landed, the apps' icons Home shows, every answer >= 400 and
// every page error) and the outcome of each step (Drive: a folder and a
// file made in its UI, seen live in a second tab, the file opened, Recent,
// Trash, the sharing modal; Contacts: a contact made in its UI; Settings:
// profile and storage pages).
// Only loopback hosts (*.localhost) are reached: requests elsewhere (the
// apps' error reporting) are aborted and listed.
// Usage: node cozy-apps.mjs <instance-url> <passphrase> <home-url> <drive-url> <contacts-url> <settings-url>
// Prints one JSON line; exits non-zero when the browser could not drive
// the pages at all (the Go test judges what was seen, step by step).
// Every wait is on a selector or a condition, with a timeout.
import { chromium } from "playwright-core";

const [instURL, passphrase, homeURL, driveURL, contactsURL, settingsURL] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
const out = { failed: [], pageErrors: [], consoleErrors: [], aborted: [], steps: [] };
const T = 10000; // the timeout of one wait
const pending = [];
let page;
// A watchdog: whatever hangs, what was seen so far is printed.
const watchdog = setTimeout(() => {
  out.error = "the script ran out of time";
  console.log(JSON.stringify(out));
  process.exit(0);
}, 150000);

// watch records the failed answers and the page errors of a page.
function watch(p) {
  // The bodies of the failed answers are read before the page moves on
  // (the browser drops them with the page).
  p.on("response", (res) => {
    if (res.status() < 400) return;
    const f = { method: res.request().method(), url: res.url(), status: res.status(), request: (res.request().postData() || "").slice(0, 500) };
    out.failed.push(f);
    pending.push(res.text().then((t) => { f.body = t.slice(0, 500); }, (e) => { f.body = String(e); }));
  });
  p.on("pageerror", (e) => out.pageErrors.push(String(e).slice(0, 500)));
  p.on("console", (m) => { if (m.type() === "error") out.consoleErrors.push(m.text().slice(0, 500)); });
}

// visible is the page's visible text, for failure messages.
async function visible(p) {
  return (await p.evaluate(() => document.body.innerText).catch((e) => String(e))).slice(0, 2500);
}

// step runs one step; a failure is recorded with the page's visible text
// and the next steps still run.
async function step(name, fn, p = () => page) {
  const s = { name };
  const t0 = Date.now();
  try {
    await fn(s);
    s.ok = true;
  } catch (e) {
    s.error = String(e).slice(0, 1000);
    s.url = p().url();
    s.text = await visible(p());
    // What can be clicked or filled, to tell what the app showed instead.
    s.controls = await p().evaluate(() => Array.from(document.querySelectorAll("button,a,input,[role],[data-testid],[aria-label]"))
      .filter((e) => e.getClientRects().length > 0).slice(0, 80)
      .map((e) => [e.tagName, e.getAttribute("role"), e.getAttribute("aria-label"), e.getAttribute("data-testid"), e.className && String(e.className).slice(0, 60), (e.innerText || e.value || "").slice(0, 40)].filter(Boolean).join("|")))
      .catch((e) => [String(e)]);
  }
  s.ms = Date.now() - t0;
  out.steps.push(s);
  return s.ok;
}

const text = (p, t) => p.getByText(t, { exact: true }).first();
// fileName is a name in Drive's list.
const fileName = (p, name) => p.locator("[data-testid=fil-file-filename-and-ext]").filter({ hasText: name }).first();
// actions opens the menu of a row of Drive's list.
async function actions(p, name) {
  await fileName(p, name).locator("xpath=ancestor::*[.//button[@aria-label='More']][1]").getByRole("button", { name: "More" }).click();
}

try {
  const context = await browser.newContext({ locale: "en-US" });
  await context.route("**/*", (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === "localhost" || host.endsWith(".localhost")) return route.continue();
    out.aborted.push(route.request().url());
    return route.abort();
  });
  context.setDefaultTimeout(T);
  page = await context.newPage();
  watch(page);
  await page.goto(instURL + "/");
  out.loginURL = page.url();
  await page.fill("#password", passphrase);

  // Home: from the login to the apps' icons shown.
  await step("home", async () => {
    const t0 = Date.now();
    await Promise.all([page.waitForURL((u) => u.href.startsWith(homeURL), { timeout: 60000 }), page.click("#send")]);
    out.landedURL = page.url();
    await page.waitForFunction(() => {
      const icons = Array.from(document.images).filter((i) => /\/apps\/(drive|contacts|settings)\/icon/.test(i.currentSrc || i.src));
      return icons.length >= 3 && icons.every((i) => i.complete && i.naturalWidth > 0);
    }, null, { timeout: 60000 });
    out.homeMs = Date.now() - t0;
    await page.waitForLoadState("networkidle", { timeout: T }).catch(() => {});
    out.images = await page.evaluate(() => Array.from(document.images).map((i) => ({ src: i.currentSrc || i.src, loaded: i.complete && i.naturalWidth > 0 })));
    out.text = (await visible(page)).slice(0, 3000);
  });

  // Drive, with a second tab on the same folder that must see the changes
  // live (realtime), never reloaded.
  const folder = "Household papers";
  const file = "shopping-list.txt";
  const content = "eggs, milk and bread for the household";
  const watcher = await context.newPage();
  watch(watcher);
  await step("drive: open", async () => {
    await page.goto(driveURL);
    await page.getByRole("button", { name: "Create" }).first().waitFor({ timeout: T });
    await watcher.goto(driveURL);
    await watcher.getByRole("button", { name: "Create" }).first().waitFor({ timeout: T });
  });
  await step("drive: create a folder", async () => {
    await page.getByRole("button", { name: "Create" }).first().click();
    await text(page, "Folder").click();
    const input = page.locator("[data-testid=fil-content-body] input[type=text]").first();
    await input.waitFor({ timeout: T });
    await input.fill(folder);
    await input.press("Enter");
    await text(page, folder).waitFor({ timeout: T });
  });
  await step("drive: the folder appears live in the other tab", async () => {
    await text(watcher, folder).waitFor({ timeout: T });
  }, () => watcher);
  await step("drive: upload a file", async () => {
    await page.locator("input[type=file]").first().setInputFiles({ name: file, mimeType: "text/plain", buffer: Buffer.from(content) });
    await text(page, file).waitFor({ timeout: T });
  });
  await step("drive: the file appears live in the other tab", async () => {
    await text(watcher, file).waitFor({ timeout: T });
  }, () => watcher);
  await watcher.close();
  await step("drive: open the file", async () => {
    await fileName(page, file).click();
    await page.waitForURL(/\/file\//, { timeout: T });
    await page.getByText(content).first().waitFor({ timeout: T });
    await page.keyboard.press("Escape");
    await page.goto(driveURL);
    await text(page, file).waitFor({ timeout: T });
  });
  await step("drive: who has access", async () => {
    await actions(page, file);
    await page.getByRole("menuitem").filter({ hasText: "Share" }).first().click();
    await text(page, "Who has access?").waitFor({ timeout: T });
    await page.keyboard.press("Escape");
  });
  await step("drive: recent", async () => {
    await page.goto(driveURL + "#/recent");
    await text(page, file).waitFor({ timeout: T });
  });
  await step("drive: trash a file", async () => {
    await page.goto(driveURL);
    await actions(page, file);
    await page.getByRole("menuitem").filter({ hasText: "Remove" }).first().click();
    await page.getByRole("button", { name: "Remove" }).last().click({ timeout: 5000 }).catch(() => {});
    await text(page, file).waitFor({ state: "detached", timeout: T });
    await page.goto(driveURL + "#/trash");
    await text(page, file).waitFor({ timeout: T });
  });

  // Contacts: one contact made in its form.
  await step("contacts: create a contact", async () => {
    await page.goto(contactsURL);
    await text(page, "Create a contact").click({ timeout: T });
    await page.getByLabel("Firstname").first().fill("Ada");
    await page.getByLabel("Lastname").first().fill("Lovelace");
    await page.getByRole("button", { name: "Save" }).click();
    // Saved when the form's dialog has gone and the contact is shown.
    await page.locator("form").filter({ hasText: "Firstname" }).waitFor({ state: "detached", timeout: T });
    await page.getByText("Ada Lovelace").first().waitFor({ timeout: T });
    await page.goto(contactsURL);
    await page.getByText("Ada Lovelace").first().waitFor({ timeout: T });
  });

  // Settings: profile and storage with their values.
  await step("settings: profile", async () => {
    await page.goto(settingsURL + "#/profile");
    await text(page, "Username").waitFor({ timeout: T });
    out.profile = await visible(page);
  });
  await step("settings: storage", async () => {
    await page.goto(settingsURL + "#/storage");
    // The sidebar says "0% used" on every page: wait for a size.
    await page.locator("main, [role=main]").first().getByText(/\d\s?(B|KB|kB|MB|GB)\b/).first().waitFor({ timeout: T });
    out.storage = await visible(page);
  });
  await Promise.allSettled(pending);
  console.log(JSON.stringify(out));
} catch (e) {
  const where = page ? { url: page.url(), body: (await page.content()).slice(0, 3000) } : {};
  console.log(JSON.stringify({ ...out, ...where, error: String(e) }));
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await browser.close();
}
