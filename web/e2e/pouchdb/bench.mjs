// Benchmark: PouchDB 9 pushes then pulls COZY_DOCS documents (default
// 10,000). The remote is COZY_URL/data/COZY_DOCTYPE with COZY_TOKEN, or
// COZY_REMOTE (a full database URL, no credentials: pouchdb-server).
// COZY_PHASE is push, pull or both (default); pull reads what a previous
// push wrote. Prints {"docs","push_ms","pull_ms"} as one JSON line.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'));

const N = Number(process.env.COZY_DOCS || 10000);
const phase = process.env.COZY_PHASE || 'both';
const remote = process.env.COZY_REMOTE
  ? new PouchDB(process.env.COZY_REMOTE)
  : new PouchDB(`${process.env.COZY_URL}/data/${process.env.COZY_DOCTYPE || 'io.cozy.bench'}`, {
    auth: { username: 'user', password: process.env.COZY_TOKEN },
  });
const out = { docs: N, push_ms: 0, pull_ms: 0 };
if (phase === 'push' || phase === 'both') {
  const src = new PouchDB(`src-${process.pid}`, { adapter: 'memory' });
  const docs = Array.from({ length: N }, (_, i) => ({ _id: `doc-${String(i).padStart(6, '0')}`, n: i, label: `label ${i % 100}`, nested: { a: [i, 'x'] } }));
  for (let i = 0; i < N; i += 1000) await src.bulkDocs(docs.slice(i, i + 1000));
  const t0 = Date.now();
  const push = await src.replicate.to(remote, { batch_size: 500 });
  out.push_ms = Date.now() - t0;
  if (push.docs_written !== N) {
    console.error(`push wrote ${push.docs_written}, want ${N}`);
    process.exit(1);
  }
}
if (phase === 'pull' || phase === 'both') {
  const dst = new PouchDB(`dst-${process.pid}`, { adapter: 'memory' });
  const t0 = Date.now();
  const pull = await dst.replicate.from(remote, { batch_size: 500 });
  out.pull_ms = Date.now() - t0;
  if (pull.docs_written !== N) {
    console.error(`pull read ${pull.docs_written}, want ${N}`);
    process.exit(1);
  }
}
console.log(JSON.stringify(out));
