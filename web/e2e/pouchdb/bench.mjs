// Benchmark: PouchDB 9 pushes then pulls COZY_DOCS documents (default
// 10,000) through /data. Prints {"push_ms","pull_ms"} as one JSON line.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'));

const N = Number(process.env.COZY_DOCS || 10000);
const remote = new PouchDB(`${process.env.COZY_URL}/data/${process.env.COZY_DOCTYPE || 'io.cozy.bench'}`, {
  auth: { username: 'user', password: process.env.COZY_TOKEN },
});
const src = new PouchDB(`src-${process.pid}`, { adapter: 'memory' });
const dst = new PouchDB(`dst-${process.pid}`, { adapter: 'memory' });
const docs = Array.from({ length: N }, (_, i) => ({ _id: `doc-${String(i).padStart(6, '0')}`, n: i, label: `label ${i % 100}`, nested: { a: [i, 'x'] } }));
for (let i = 0; i < N; i += 1000) await src.bulkDocs(docs.slice(i, i + 1000));
let t0 = Date.now();
const push = await src.replicate.to(remote, { batch_size: 500 });
const pushMs = Date.now() - t0;
t0 = Date.now();
const pull = await dst.replicate.from(remote, { batch_size: 500 });
const pullMs = Date.now() - t0;
if (push.docs_written !== N || pull.docs_written !== N) {
  console.error(`wrote ${push.docs_written} / read ${pull.docs_written}, want ${N}`);
  process.exit(1);
}
console.log(JSON.stringify({ docs: N, push_ms: pushMs, pull_ms: pullMs }));
