// validate_doc_update through real PouchDB 9: a design document on the
// server refuses some documents; a push replication goes on past them
// ("denied" events, doc_write_failures), the others are written, and a put
// through the http adapter gets the 403/401 error. Driven by web/data's Go
// tests:
//   COZY_URL=http://localhost:PORT COZY_TOKEN=... COZY_DOCTYPE=io.cozy.test node validate.mjs
// Prints one JSON line of figures; exits 1 with a message on the first failure.
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

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
const remote = new PouchDB(`${base}/data/${doctype}`, { auth: { username: 'user', password: token } });
const local = new PouchDB(`vdu-${process.pid}`, { adapter: 'memory' });

async function main() {
  await remote.put({
    _id: '_design/vdu',
    validate_doc_update: `function(newDoc) {
      if (newDoc.foo === 'forbidden') throw({forbidden: 'no forbidden foo'});
      if (newDoc.foo === 'unauth') throw({unauthorized: 'no unauth foo'});
    }`,
  });
  const docs = [];
  for (let i = 0; i < 20; i++) {
    const foo = i % 5 === 1 ? 'forbidden' : i % 5 === 3 ? 'unauth' : 'ok';
    docs.push({ _id: `d${String(i).padStart(2, '0')}`, foo });
  }
  await local.bulkDocs(docs);
  const denied = [];
  const res = await local.replicate.to(remote).on('denied', (e) => denied.push(e));
  const refused = docs.filter((d) => d.foo !== 'ok').map((d) => d._id);
  assert.equal(res.ok, true, 'the replication completes');
  assert.equal(res.docs_written, docs.length - refused.length);
  assert.equal(res.doc_write_failures, refused.length);
  assert.deepEqual(res.errors.map((e) => e.id).sort(), refused);
  assert.equal(denied.length, refused.length);
  const reasons = new Set(res.errors.map((e) => `${e.name}: ${e.message}`));
  assert.deepEqual([...reasons].sort(), ['forbidden: no forbidden foo', 'unauthorized: no unauth foo']);
  const all = await remote.allDocs({ keys: docs.map((d) => d._id) });
  const there = all.rows.filter((r) => !r.error).map((r) => r.id);
  assert.deepEqual(there, docs.filter((d) => d.foo === 'ok').map((d) => d._id));
  // A put through the http adapter.
  await assert.rejects(remote.put({ _id: 'p1', foo: 'forbidden' }), (e) => e.status === 403 && e.name === 'forbidden');
  await assert.rejects(remote.put({ _id: 'p2', foo: 'unauth' }), (e) => e.status === 401 && e.name === 'unauthorized');
  console.log(JSON.stringify({ ok: true, written: res.docs_written, failures: res.doc_write_failures, denied: denied.length }));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
