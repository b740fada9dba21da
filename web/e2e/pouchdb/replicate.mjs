// Interop test: real PouchDB 9 replicating a doctype with the server's /data
// API, the token sent as the Basic password. Driven by web/data's Go tests:
//   COZY_URL=http://localhost:PORT COZY_TOKEN=... COZY_DOCTYPE=io.cozy.test node replicate.mjs
// Prints one JSON line of figures; exits 1 with a message on the first failure.
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'))
  .plugin(require('pouchdb-find'));

const base = process.env.COZY_URL;
const token = process.env.COZY_TOKEN;
const doctype = process.env.COZY_DOCTYPE || 'io.cozy.test';
const N = Number(process.env.COZY_DOCS || 1200);
if (!base || !token) {
  console.error('COZY_URL and COZY_TOKEN are required');
  process.exit(2);
}
const dbURL = `${base}/data/${doctype}`;
const remote = () => new PouchDB(dbURL, { auth: { username: 'user', password: token } });
let seq = 0;
const local = (name) => new PouchDB(`${name}-${process.pid}-${seq++}`, { adapter: 'memory' });
const figures = {};

async function api(method, path, body) {
  const res = await fetch(`${dbURL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.status, json };
}

// varied documents: unicode, nesting, awkward ids.
function makeDoc(i) {
  const ids = [`doc-${i}`, `dir/sub/${i}`, `pct%${i}%20`, `q?${i}&x=1`, `hash#${i}`, `été-${i}-日本語-🎉`];
  return {
    _id: `${ids[i % ids.length]}-${String(i).padStart(5, '0')}`,
    n: i,
    label: `label ${i % 17} ✓ «${'ü'.repeat(i % 5)}»`,
    nested: { deep: { list: [i, String(i), { k: i % 3 === 0 }], nul: null }, flag: i % 2 === 0 },
    tags: Array.from({ length: i % 4 }, (_, k) => `t${k}`),
    num: i / 7,
    ...(i % 50 === 0 ? { cozyLocalOnly: true } : {}),
  };
}

async function docsOf(db) {
  const res = await db.allDocs({ include_docs: true });
  return res.rows.map((r) => r.doc).filter((d) => !d._id.startsWith('_design/'));
}

async function step(name, fn) {
  try {
    await fn();
  } catch (err) {
    console.error(`FAILED at ${name}: ${err && err.stack || err}`);
    process.exit(1);
  }
}

const A = local('a');
const B = local('b');

await step('push 1,000+ varied docs', async () => {
  await A.bulkDocs(Array.from({ length: N }, (_, i) => makeDoc(i)));
  const t0 = Date.now();
  const res = await A.replicate.to(remote());
  figures.push_ms = Date.now() - t0;
  assert.equal(res.ok, true);
  assert.equal(res.docs_written, N);
  const info = await remote().info();
  assert.equal(info.doc_count, N);
});

await step('pull into a fresh database and compare', async () => {
  const t0 = Date.now();
  const res = await B.replicate.from(remote());
  figures.pull_ms = Date.now() - t0;
  assert.equal(res.docs_written, N);
  assert.deepEqual(await docsOf(B), await docsOf(A));
});

await step('checkpoints reused: second runs write nothing', async () => {
  const push = await A.replicate.to(remote());
  assert.equal(push.docs_written, 0);
  const pull = await B.replicate.from(remote());
  assert.equal(pull.docs_written, 0);
});

await step('incremental push', async () => {
  const docs = await docsOf(A);
  const changed = docs.slice(0, 10).map((d) => ({ ...d, label: `changed ${d.n}` }));
  const added = Array.from({ length: 5 }, (_, i) => makeDoc(N + i));
  await A.bulkDocs([...changed, ...added]);
  const res = await A.replicate.to(remote());
  assert.equal(res.docs_written, 15);
  await B.replicate.from(remote());
  assert.deepEqual(await docsOf(B), await docsOf(A));
});

await step('deletions both ways', async () => {
  const docs = await docsOf(A);
  for (const d of docs.slice(20, 23)) await A.remove(d);
  await A.replicate.to(remote());
  for (const d of docs.slice(30, 33)) {
    const r = await api('DELETE', `/${encodeURIComponent(d._id)}?rev=${encodeURIComponent(d._rev)}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
  await A.replicate.from(remote());
  await B.replicate.from(remote());
  const a = await docsOf(A);
  assert.equal(a.length, N + 5 - 6);
  assert.deepEqual(await docsOf(B), a);
  for (const d of [...docs.slice(20, 23), ...docs.slice(30, 33)]) {
    const r = await api('GET', `/${encodeURIComponent(d._id)}`);
    assert.equal(r.status, 404);
    assert.equal(r.json.reason, 'deleted');
  }
});

await step('a conflict resolves to the same winner everywhere', async () => {
  const id = 'conflict/é?#%';
  await A.put({ _id: id, v: 'base' });
  await A.replicate.to(remote());
  await B.replicate.from(remote());
  const a = await A.get(id);
  const b = await B.get(id);
  await A.put({ ...a, v: 'from A' });
  await B.put({ ...b, v: 'from B', more: 1 });
  await A.replicate.to(remote());
  await B.replicate.to(remote());
  await A.replicate.from(remote());
  await B.replicate.from(remote());
  const wa = await A.get(id, { conflicts: true });
  const wb = await B.get(id, { conflicts: true });
  const ws = await api('GET', `/${encodeURIComponent(id)}?conflicts=true`);
  assert.equal(ws.status, 200);
  assert.equal(wa._rev, wb._rev);
  assert.equal(wa._rev, ws.json._rev);
  assert.equal(wa.v, ws.json.v);
  assert.equal(wa._conflicts.length, 1);
  assert.deepEqual(ws.json._conflicts, wa._conflicts);
  assert.deepEqual(wb._conflicts, wa._conflicts);
});

await step('a live pull sees a server-side write within 2 s', async () => {
  const C = local('c');
  const rep = PouchDB.replicate(remote(), C, { live: true, heartbeat: 10000 });
  await new Promise((resolve, reject) => {
    rep.on('paused', (err) => (err ? reject(err) : resolve()));
    rep.on('error', reject);
  });
  const t0 = Date.now();
  const seen = new Promise((resolve) => {
    rep.on('change', (info) => {
      if (info.docs.some((d) => d.live === 'yes')) resolve(Date.now() - t0);
    });
  });
  const r = await api('POST', '/', { live: 'yes' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const ms = await Promise.race([seen, new Promise((resolve) => setTimeout(() => resolve(-1), 2000))]);
  rep.cancel();
  assert.ok(ms >= 0, 'the live replication did not see the write within 2 s');
  figures.live_ms = ms;
  const doc = await C.get(r.json.id);
  assert.equal(doc.live, 'yes');
});

await step('pouchdb-find against the server', async () => {
  const db = remote();
  const idx = await db.createIndex({ index: { fields: ['n'] }, ddoc: 'by-n' });
  assert.equal(idx.result, 'created');
  const again = await db.createIndex({ index: { fields: ['n'] }, ddoc: 'by-n' });
  assert.equal(again.result, 'exists');
  const res = await db.find({ selector: { n: { $gte: 100, $lt: 110 } }, sort: ['n'], fields: ['_id', 'n'] });
  assert.deepEqual(res.docs.map((d) => d.n), [100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
  const labels = await db.find({ selector: { n: { $gt: 0 }, 'nested.flag': true }, limit: 3, sort: [{ n: 'asc' }] });
  assert.deepEqual(labels.docs.map((d) => d.n), [2, 4, 6]);
  await assert.rejects(db.find({ selector: { label: 'x' } }), (err) => err.status === 400);
});

await step("cozy-client's sync: _all_docs pages, then _changes with _selector", async () => {
  const info = await api('GET', '/');
  const since = info.json.update_seq;
  const docs = [];
  let startkey = '';
  for (;;) {
    const q = `/_all_docs?include_docs=true&limit=1000&startkey_docid=${encodeURIComponent(startkey)}`;
    const r = await api('GET', q);
    assert.equal(r.status, 200);
    const rows = startkey === '' ? r.json.rows : r.json.rows.slice(1);
    docs.push(...rows.map((row) => row.doc));
    if (r.json.rows.length < 1000) break;
    startkey = r.json.rows[r.json.rows.length - 1].id;
  }
  const server = await docsOf(A);
  const fetched = docs.filter((d) => !d._id.startsWith('_design/'));
  assert.equal(fetched.length, server.length + 1); // + the live doc
  const w = await api('POST', '/', { after: true });
  const local1 = await api('POST', '/', { after: true, cozyLocalOnly: true });
  const ch = await api('POST', `/_changes?filter=_selector&include_docs=true&since=${since}`, {
    selector: { cozyLocalOnly: { $exists: false } },
  });
  assert.equal(ch.status, 200, JSON.stringify(ch.json));
  const ids = ch.json.results.map((x) => x.id);
  assert.ok(ids.includes(w.json.id));
  assert.ok(!ids.includes(local1.json.id));
  // PouchDB's selector replication asks the same of the server.
  const D = local('d');
  await D.replicate.from(remote(), { selector: { cozyLocalOnly: { $exists: false } } });
  const d = await docsOf(D);
  assert.ok(d.length > 0 && d.every((x) => x.cozyLocalOnly === undefined));
});

console.log(JSON.stringify({ ok: true, docs: N, ...figures }));
