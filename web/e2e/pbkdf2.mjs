// Runs the login pages' derivation (web/auth/pages/assets/auth.js's
// cozyDerive) in node, as a page would: once without WebCrypto (the
// vendored pbkdf2.js fallback, as on http://cozy.local) and once with it.
// Also runs the bare cozyPBKDF2 for raw PBKDF2-HMAC-SHA256 vectors.
// Usage: node pbkdf2.mjs <assets-dir> <cases.json>
// cases: [{"passphrase","salt","iterations"}]; prints one JSON line:
// [{"fallback","webcrypto","raw"}] (base64, base64, hex; raw is "" above
// 10,000 iterations).
import { readFileSync } from "node:fs";
import vm from "node:vm";
import path from "node:path";

const [assets, casesFile] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesFile, "utf8"));
const source = (name) => readFileSync(path.join(assets, name), "utf8");

// page builds a window-like context: the page's scripts in order, with or
// without WebCrypto.
function page(withCrypto) {
  const ctx = { TextEncoder, btoa, Uint8Array, document: { addEventListener() {} } };
  if (withCrypto) ctx.crypto = globalThis.crypto;
  vm.createContext(ctx);
  vm.runInContext(source("pbkdf2.js"), ctx, { filename: "pbkdf2.js" });
  vm.runInContext(source("auth.js"), ctx, { filename: "auth.js" });
  if (!withCrypto && typeof ctx.crypto !== "undefined") throw new Error("the fallback context has crypto");
  return ctx;
}
const insecure = page(false);
const secure = page(true);
const out = [];
for (const c of cases) {
  const call = (ctx) => vm.runInContext("cozyDerive(p, s, n)", Object.assign(ctx, { p: c.passphrase, s: c.salt, n: c.iterations }));
  const enc = new TextEncoder();
  // The bare PBKDF2 only for the small counts: the long one costs seconds.
  const raw = c.iterations <= 10000 ? Buffer.from(insecure.cozyPBKDF2(enc.encode(c.passphrase), enc.encode(c.salt), c.iterations)).toString("hex") : "";
  out.push({ fallback: await call(insecure), webcrypto: await call(secure), raw });
}
console.log(JSON.stringify(out));
