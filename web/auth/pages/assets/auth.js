// Derives the login secret from the passphrase as the server expects it:
// key = PBKDF2-SHA256(passphrase, salt, iterations); secret =
// base64(PBKDF2-SHA256(key, passphrase, 1)). Only the secret is sent.
// WebCrypto exists only in secure contexts: over plain http (a box's first
// boot on http://cozy.local) the vendored cozyPBKDF2 (pbkdf2.js) computes
// the same bytes.
"use strict";
async function cozyDerive(passphrase, salt, iterations) {
  const enc = new TextEncoder();
  const pass = enc.encode(passphrase);
  if (typeof crypto === "undefined" || !crypto.subtle) {
    const key = cozyPBKDF2(pass, enc.encode(salt), iterations);
    return btoa(String.fromCharCode(...cozyPBKDF2(key, pass, 1)));
  }
  const base = await crypto.subtle.importKey("raw", pass, "PBKDF2", false, ["deriveBits"]);
  const key = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: enc.encode(salt), iterations: iterations }, base, 256);
  const base2 = await crypto.subtle.importKey("raw", key, "PBKDF2", false, ["deriveBits"]);
  const secret = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: pass, iterations: 1 }, base2, 256);
  return btoa(String.fromCharCode(...new Uint8Array(secret)));
}
document.addEventListener("DOMContentLoaded", function () {
  const form = document.querySelector("form.derive");
  if (!form) return;
  const error = document.getElementById("error");
  const fail = function (msg) { error.textContent = msg; error.hidden = false; };
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const pw = document.getElementById("password").value;
    const confirm = document.getElementById("confirm");
    if (confirm) {
      if (pw.length < 8) return fail(form.dataset.short);
      if (pw !== confirm.value) return fail(form.dataset.mismatch);
    }
    const button = document.getElementById("send");
    button.disabled = true;
    try {
      form.elements.passphrase.value = await cozyDerive(pw, form.dataset.salt, parseInt(form.dataset.iterations, 10));
      HTMLFormElement.prototype.submit.call(form);
    } catch (e) {
      button.disabled = false;
      fail(String(e));
    }
  });
});
