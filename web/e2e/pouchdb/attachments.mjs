// Attachments with real PouchDB 9 through the server's /data API: a
// document with an attachment replicated both ways, attachments written
// on the server (raw PUT, inline base64 in _bulk_docs) pulled, and every
// later pull still succeeding. Driven by web/data's Go tests:
//   COZY_URL=http://localhost:PORT COZY_TOKEN=... COZY_DOCTYPE=io.cozy.test node attachments.mjs
// Prints one JSON line; exits 1 with a message on the first failure.
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

const require = createRequire(import.meta.url);
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'));

const base = process.env.COZY_URL;
const token = process.env.COZY_TOKEN;
const doctype = process.env.COZY_DOCTYPE || 'io.cozy.test';
if (!base || !token) {
  console.error('COZY_URL and COZY_TOKEN are required');
  process.exit(2);
}
const dbURL = `${base}/data/${doctype}`;
const remote = () => new PouchDB(dbURL, { auth: { username: 'user', password: token } });
let seq = 0;
const local = (name) => new PouchDB(`${name}-${process.pid}-${seq++}`, { adapter: 'memory' });

async function api(method, path, body, headers = {}) {
  const res = await fetch(`${dbURL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : (typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body)),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  let json;
  try { json = JSON.parse(buf.toString('utf8')); } catch { json = undefined; }
  return { status: res.status, json, buf, headers: res.headers };
}

const md5 = (buf) => 'md5-' + crypto.createHash('md5').update(buf).digest('base64');

async function step(name, fn) {
  try {
    await fn();
  } catch (err) {
    console.error(`FAILED at ${name}: ${err && err.stack || err}`);
    process.exit(1);
  }
}

const photo = crypto.randomBytes(300 * 1024); // a phone photo, shrunk
const note = Buffer.from('a note ✓ with unicode\n', 'utf8');
const A = local('a');
const B = local('b');

await step('push a document with attachments', async () => {
  await A.put({
    _id: 'photo/1',
    title: 'holidays',
    _attachments: {
      'img.jpg': { content_type: 'image/jpeg', data: photo },
      'dir/note.txt': { content_type: 'text/plain', data: note },
    },
  });
  await A.put({ _id: 'plain', n: 1 });
  const res = await A.replicate.to(remote());
  assert.equal(res.ok, true);
  assert.equal(res.docs_written, 2);
  const doc = await api('GET', '/photo%2F1');
  assert.equal(doc.status, 200, JSON.stringify(doc.json));
  const stub = doc.json._attachments['img.jpg'];
  assert.equal(stub.stub, true);
  assert.equal(stub.digest, md5(photo));
  assert.equal(stub.length, photo.length);
  assert.equal(stub.content_type, 'image/jpeg');
  assert.equal(stub.revpos, 1);
  const raw = await api('GET', '/photo%2F1/img.jpg');
  assert.equal(raw.status, 200);
  assert.equal(raw.headers.get('content-type'), 'image/jpeg');
  assert.ok(raw.buf.equals(photo));
  const txt = await api('GET', '/photo%2F1/dir/note.txt');
  assert.ok(txt.buf.equals(note));
});

await step('pull it into a fresh database', async () => {
  const res = await B.replicate.from(remote());
  assert.equal(res.ok, true);
  assert.equal(res.docs_written, 2);
  const img = await B.getAttachment('photo/1', 'img.jpg');
  assert.ok(img.equals(photo));
  const doc = await B.get('photo/1');
  assert.equal(doc._attachments['img.jpg'].digest, md5(photo));
});

await step('the hazard: inline base64 in _bulk_docs, then pulls', async () => {
  const data = Buffer.from('inline content written by another client');
  const r = await api('POST', '/_bulk_docs', {
    docs: [{ _id: 'inline', _attachments: { 'a.bin': { content_type: 'application/octet-stream', data: data.toString('base64') } } }],
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json[0].ok, true);
  const got = await api('GET', `/inline/a.bin?rev=${r.json[0].rev}`);
  assert.equal(got.status, 200);
  assert.ok(got.buf.equals(data));
  const res = await B.replicate.from(remote());
  assert.equal(res.ok, true);
  assert.equal(res.docs_written, 1);
  assert.ok((await B.getAttachment('inline', 'a.bin')).equals(data));
});

await step('raw PUT of an attachment on the server, then a pull', async () => {
  const cur = await api('GET', '/photo%2F1');
  const more = crypto.randomBytes(64 * 1024);
  const put = await api('PUT', `/photo%2F1/second.bin?rev=${cur.json._rev}`, new Uint8Array(more), { 'Content-Type': 'application/x-test' });
  assert.equal(put.status, 201, JSON.stringify(put.json));
  const res = await B.replicate.from(remote());
  assert.equal(res.ok, true);
  assert.equal(res.docs_written, 1);
  assert.ok((await B.getAttachment('photo/1', 'second.bin')).equals(more));
  assert.ok((await B.getAttachment('photo/1', 'img.jpg')).equals(photo));
  const srv = await api('GET', '/photo%2F1');
  assert.equal(srv.json._attachments['img.jpg'].revpos, 1);
  assert.equal(srv.json._attachments['second.bin'].revpos, 2);
});

await step('an edit on the phone keeps the attachments (stubs), pushed and pulled back', async () => {
  const doc = await B.get('photo/1');
  doc.title = 'holidays 2026';
  await B.put(doc);
  const res = await B.replicate.to(remote());
  assert.equal(res.ok, true);
  assert.equal(res.docs_written, 1);
  const srv = await api('GET', '/photo%2F1');
  assert.equal(srv.json.title, 'holidays 2026');
  assert.deepEqual(Object.keys(srv.json._attachments).sort(), ['dir/note.txt', 'img.jpg', 'second.bin']);
  const pull = await A.replicate.from(remote());
  assert.equal(pull.ok, true);
  assert.ok((await A.getAttachment('photo/1', 'second.bin')).length > 0);
});

await step('attachment deleted on the server, pulled', async () => {
  const cur = await api('GET', '/photo%2F1');
  const del = await api('DELETE', `/photo%2F1/second.bin?rev=${cur.json._rev}`);
  assert.equal(del.status, 200, JSON.stringify(del.json));
  const gone = await api('GET', '/photo%2F1/second.bin');
  assert.equal(gone.status, 404);
  const res = await B.replicate.from(remote());
  assert.equal(res.ok, true);
  const doc = await B.get('photo/1');
  assert.deepEqual(Object.keys(doc._attachments).sort(), ['dir/note.txt', 'img.jpg']);
});

await step('a further pull succeeds and writes nothing', async () => {
  const res = await B.replicate.from(remote());
  assert.equal(res.ok, true);
  assert.equal(res.docs_written, 0);
  const fresh = local('c');
  const all = await fresh.replicate.from(remote());
  assert.equal(all.ok, true);
  assert.ok((await fresh.getAttachment('photo/1', 'img.jpg')).equals(photo));
});

await step('a push of photos larger than the JSON body limit (streamed)', async () => {
  const big = Array.from({ length: 3 }, () => crypto.randomBytes(7 * 1024 * 1024));
  await A.bulkDocs(big.map((data, i) => ({ _id: `big-${i}`, _attachments: { 'p.jpg': { content_type: 'image/jpeg', data } } })));
  const res = await A.replicate.to(remote());
  assert.equal(res.ok, true);
  assert.equal(res.docs_written, 3);
  const fresh = local('d');
  const pull = await fresh.replicate.from(remote());
  assert.equal(pull.ok, true);
  for (let i = 0; i < 3; i++) {
    assert.ok((await fresh.getAttachment(`big-${i}`, 'p.jpg')).equals(big[i]));
  }
});

await step('attachments=true and _bulk_get inline the data', async () => {
  const doc = await api('GET', '/photo%2F1?attachments=true');
  assert.equal(doc.status, 200);
  assert.ok(Buffer.from(doc.json._attachments['img.jpg'].data, 'base64').equals(photo));
  const bg = await api('POST', '/_bulk_get?attachments=true&revs=true', { docs: [{ id: 'photo/1' }] });
  assert.equal(bg.status, 200, JSON.stringify(bg.json));
  const ok = bg.json.results[0].docs[0].ok;
  assert.ok(Buffer.from(ok._attachments['dir/note.txt'].data, 'base64').equals(note));
  const since = await api('GET', `/photo%2F1?atts_since=${encodeURIComponent(JSON.stringify([doc.json._rev]))}`);
  assert.equal(since.json._attachments['img.jpg'].stub, true);
});

console.log(JSON.stringify({ ok: true }));
