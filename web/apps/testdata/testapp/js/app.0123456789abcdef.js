// The test app: reads its token and the stack's domain from the index,
// writes a contact through /data and reads it back. The outcome goes into
// #result as JSON, for the browser test to read.
(async () => {
  const root = document.querySelector("[role=application]");
  const data = JSON.parse(root.dataset.cozy);
  const token = root.dataset.cozyToken;
  const base = location.protocol + "//" + root.dataset.cozyDomain;
  const out = { tokenMatches: data.token === token, hasToken: token.length > 20, slug: data.app.slug };
  try {
    const headers = { Authorization: "Bearer " + token, "Content-Type": "application/json" };
    const created = await fetch(base + "/data/io.cozy.contacts/", {
      method: "POST", credentials: "include", headers, body: JSON.stringify({ name: "Alice from the app" }),
    });
    out.createStatus = created.status;
    const doc = await created.json();
    const read = await fetch(base + "/data/io.cozy.contacts/" + doc.id, { credentials: "include", headers });
    out.readStatus = read.status;
    out.readName = (await read.json()).name;
  } catch (e) {
    out.error = String(e);
  }
  document.getElementById("result").textContent = JSON.stringify(out);
})();
