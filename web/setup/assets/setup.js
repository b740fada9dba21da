// The box setup page: sends the form to POST /box/setup as JSON, then
// polls GET /box/https until HTTPS is ready (or plain HTTP was chosen) and
// offers the first member's onboarding page, where the passphrase is
// chosen and derived in the browser.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("setup");
  if (!form) return;
  const $ = (id) => document.getElementById(id);
  const error = $("error");
  const fail = (msg) => { error.textContent = msg; error.hidden = false; error.scrollIntoView(); };
  try { $("tz").value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* keep it empty: UTC */ }
  if ((navigator.language || "").toLowerCase().startsWith("fr")) $("locale").value = "fr";

  const modes = form.querySelectorAll("input[name=mode]");
  const showMode = function () {
    const chosen = form.querySelector("input[name=mode]:checked");
    form.querySelectorAll("div.mode").forEach((d) => { d.hidden = !chosen || d.dataset.mode !== chosen.value; });
  };
  modes.forEach((m) => m.addEventListener("change", showMode));
  if (modes.length === 1) modes[0].checked = true;
  showMode();

  const provider = $("provider");
  const showCredentials = function () {
    const box = $("credentials");
    box.textContent = "";
    const fields = provider.selectedOptions[0].dataset.fields.split(",");
    for (const f of fields) {
      const label = document.createElement("label");
      label.textContent = f.replace(/_/g, " ");
      const input = document.createElement("input");
      input.name = "credential";
      input.dataset.field = f;
      input.autocomplete = "off";
      input.spellcheck = false;
      label.htmlFor = input.id = "credential-" + f;
      box.append(label, input);
    }
  };
  if (provider) { provider.addEventListener("change", showCredentials); showCredentials(); }

  const poll = async function (answer) {
    const res = await fetch("/box/https", { cache: "no-store" });
    const st = await res.json();
    let text = st.state;
    if (st.state === "failed" && st.last_error) text += ": " + st.last_error;
    $("state").textContent = text;
    $("ca").hidden = !st.ca;
    const done = st.state === "ready" || st.state === "plain http";
    if (done) {
      let link = answer.registration;
      if (st.state === "ready") link = link.replace(/^http:/, "https:");
      $("onboard").href = link;
      $("next").hidden = false;
      return;
    }
    setTimeout(() => poll(answer).catch((e) => fail(String(e))), 2000);
  };

  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    error.hidden = true;
    const chosen = form.querySelector("input[name=mode]:checked");
    if (!chosen) return fail("Choose how the box gets HTTPS.");
    const body = {
      code: $("code") ? $("code").value : "", household: $("household").value, member: $("member").value,
      email: $("email").value, tz: $("tz").value, locale: $("locale").value,
      https: { mode: chosen.value },
    };
    if (chosen.value === "domain") {
      body.https.domain = $("domain").value;
      body.https.provider = provider.value;
      body.https.credentials = {};
      form.querySelectorAll("input[name=credential]").forEach((i) => { body.https.credentials[i.dataset.field] = i.value; });
    }
    const button = $("send");
    button.disabled = true;
    try {
      const res = await fetch("/box/setup", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      const answer = await res.json();
      if (!res.ok) {
        button.disabled = false;
        const e = answer.errors && answer.errors[0];
        return fail(e ? e.detail || e.title : "The setup failed (" + res.status + ").");
      }
      form.hidden = true;
      $("progress").hidden = false;
      await poll(answer);
    } catch (e) {
      button.disabled = false;
      fail(String(e));
    }
  });
});
