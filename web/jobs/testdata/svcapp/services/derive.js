// Reads the note that fired the trigger and writes a derived document.
async function main() {
  const note = JSON.parse(process.env.COZY_COUCH_DOC);
  const r = await fetch("/data/io.cozy.notes/" + note._id);
  if (!r.ok) throw new Error("read failed " + r.status);
  const got = await r.json();
  console.log("read " + got.title);
  const w = await fetch("/data/io.cozy.notes.derived/", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({source: got._id, upper: got.title.toUpperCase()}),
  });
  if (!w.ok) throw new Error("write failed " + w.status + " " + (await w.text()));
  console.log("wrote " + (await w.json()).id);
}
main().catch((err) => { console.error(String(err)); process.exit(1); });
