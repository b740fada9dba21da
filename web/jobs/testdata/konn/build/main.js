// A konnector: saves one operation for its account, or fails to log in.
async function main() {
  const fields = JSON.parse(process.env.COZY_FIELDS);
  const params = JSON.parse(process.env.COZY_PARAMETERS);
  console.log(JSON.stringify({type: "info", message: "account " + fields.account + " secret " + params.secret}));
  if (fields.account === "bad") {
    console.log(JSON.stringify({type: "error", message: "LOGIN_FAILED"}));
    return;
  }
  const r = await fetch("/data/io.cozy.bank.operations/", {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({account: fields.account, amount: -12.5}),
  });
  if (!r.ok) throw new Error("save failed " + r.status);
  const denied = await fetch("/data/io.cozy.contacts/_all_docs");
  console.log(JSON.stringify({type: "info", message: "contacts " + denied.status}));
}
main().catch((err) => { console.log(JSON.stringify({type: "critical", message: String(err)})); });
