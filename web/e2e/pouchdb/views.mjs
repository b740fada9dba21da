// Oracle test of JavaScript views: the same documents, design document and
// queries (db.query through PouchDB's http adapter) against two servers,
// ours (COZY_URL/data/COZY_DOCTYPE with COZY_TOKEN) and COZY_REMOTE (a
// pouchdb-server database URL). Prints one JSON line {ours, theirs}: for
// each step, the answer or {error: status}; web/data's Go test compares.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-replication'))
  .plugin(require('pouchdb-mapreduce'));

const { COZY_URL, COZY_TOKEN, COZY_REMOTE } = process.env;
const doctype = process.env.COZY_DOCTYPE || 'io.cozy.test';
if (!COZY_URL || !COZY_TOKEN || !COZY_REMOTE) {
  console.error('COZY_URL, COZY_TOKEN and COZY_REMOTE are required');
  process.exit(2);
}

// Keys of every JSON type, strings in lower-case ASCII: PouchDB collates
// strings by UTF-16 code unit, CouchDB (and we) by ICU ("a" < "B" < "é" <
// "z"), so mixed case and accents are left out of the comparison.
const keys = [null, false, true, -3, 0, 1.5, 2, 10, 'a', 'aa', 'b', 'ba', 'c', [1], [1, 'a'], ['a', 2], { a: 1 }];
const docs = [];
for (let i = 0; i < 40; i++) {
  docs.push({
    _id: `doc-${String(i).padStart(3, '0')}`,
    n: i,
    kind: ['x', 'y', 'z'][i % 3],
    key: keys[i % keys.length],
    tags: i % 4 === 0 ? ['red', 'blue'] : ['red'],
    parent: i % 10 === 5 ? `doc-${String(i - 1).padStart(3, '0')}` : undefined,
  });
}
const ddoc = {
  _id: '_design/oracle',
  views: {
    by_key: { map: 'function(doc){ if (doc.key !== undefined) emit(doc.key, doc.n) }' },
    by_kind_n: { map: 'function(doc){ emit([doc.kind, doc.n], 1) }', reduce: '_count' },
    sum: { map: 'function(doc){ emit(doc.kind, doc.n) }', reduce: '_sum' },
    stats: { map: 'function(doc){ emit(doc.kind, doc.n) }', reduce: '_stats' },
    js: {
      map: 'function(doc){ doc.tags.forEach(function(t){ emit([t, doc.kind], doc.n) }) }',
      reduce: 'function(keys, values, rereduce){ return rereduce ? sum(values) : values.length * 1000 + sum(values) }',
    },
    linked: { map: 'function(doc){ if (doc.parent) emit(doc.n, {_id: doc.parent}) }' },
    dup: { map: 'function(doc){ if (doc.n < 6) { emit(doc.n % 2, doc.n); emit(doc.n % 2, -doc.n) } }' },
  },
  filters: {
    odd: 'function(doc, req){ return doc.n % 2 == 1 }',
    kind: 'function(doc, req){ return doc.kind == req.query.kind }',
    deleted: 'function(doc, req){ return !!doc._deleted }',
  },
};
// Changes filters run by the query server, compared by the ids they let
// through (sequences differ between servers). A missing filter function
// is left to web/data's TestViews: it crashes pouchdb-server 4.2.0.
const filters = [
  { filter: 'oracle/odd' },
  { filter: 'oracle/kind', query_params: { kind: 'y' } },
  { filter: 'oracle/deleted' },
  { filter: '_view', view: 'oracle/linked' },
];
const queries = [
  ['by_key', {}],
  ['by_key', { descending: true }],
  ['by_key', { key: 'a' }],
  ['by_key', { key: [1, 'a'] }],
  ['by_key', { key: { a: 1 } }],
  ['by_key', { startkey: 1, endkey: 'b' }],
  ['by_key', { startkey: 1, endkey: 'b', inclusive_end: false }],
  ['by_key', { startkey: 'b', endkey: 1, descending: true }],
  ['by_key', { startkey: 'b', endkey: 1, descending: true, inclusive_end: false }],
  ['by_key', { keys: ['b', null, 2, 'missing', [1]] }],
  ['by_key', { keys: ['b', 2], descending: true }],
  ['by_key', { limit: 5, skip: 3 }],
  ['by_key', { limit: 0 }],
  ['by_key', { startkey: 'a', startkey_docid: 'doc-025', limit: 4 }],
  ['by_key', { endkey: 'a', endkey_docid: 'doc-008' }],
  ['by_key', { key: 2, include_docs: true }],
  ['by_kind_n', {}],
  ['by_kind_n', { reduce: false, limit: 3 }],
  ['by_kind_n', { group: true, limit: 4, skip: 2 }],
  ['by_kind_n', { group_level: 1 }],
  ['by_kind_n', { group_level: 1, descending: true }],
  ['by_kind_n', { group_level: 1, startkey: ['y'], endkey: ['y', {}] }],
  ['by_kind_n', { group: true, keys: [['x', 3], ['z', 5], ['q', 1]] }],
  ['by_kind_n', { reduce: false, startkey: ['y', 10], endkey: ['z'], descending: false }],
  ['sum', { group: true }],
  ['sum', {}],
  ['stats', { group: true }],
  ['js', { group: true }],
  ['js', { group_level: 1 }],
  ['js', {}],
  ['linked', { include_docs: true }],
  ['dup', {}],
  ['dup', { key: 1 }],
  ['dup', { descending: true, limit: 3 }],
  ['missing_view', {}],
  ['by_key', { reduce: true }],
];

// strip leaves out what legitimately differs between two servers:
// revisions (each server's own hashes) and update sequences.
function strip(v) {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '_rev' || k === 'update_seq') continue;
      out[k] = strip(x);
    }
    return out;
  }
  return v;
}

async function run(db) {
  const steps = [];
  const query = async (label) => {
    for (const [view, opts] of queries) {
      try {
        const res = await db.query(`oracle/${view}`, opts);
        steps.push({ label, view, opts, res: strip(res) });
      } catch (e) {
        steps.push({ label, view, opts, error: e.status || String(e) });
      }
    }
  };
  const changes = async (label) => {
    for (const opts of filters) {
      try {
        const res = await db.changes(opts);
        steps.push({ label, view: '_changes', opts, res: { ids: res.results.map((r) => r.id).sort() } });
      } catch (e) {
        steps.push({ label, view: '_changes', opts, error: e.status || String(e) });
      }
    }
  };
  // A filtered pull, as a phone replicating part of a doctype does.
  const pull = async (label) => {
    for (const opts of [{ filter: 'oracle/odd' }, { filter: 'oracle/kind', query_params: { kind: 'z' } }]) {
      const local = new PouchDB(`pull-${process.pid}-${steps.length}`, { adapter: 'memory' });
      try {
        const r = await PouchDB.replicate(db, local, opts);
        const all = await local.allDocs();
        steps.push({ label, view: 'replicate', opts, res: { ok: r.ok, ids: all.rows.map((x) => x.id) } });
      } catch (e) {
        steps.push({ label, view: 'replicate', opts, error: e.status || String(e) });
      }
    }
  };
  const written = await db.bulkDocs(docs);
  if (written.some((r) => r.error)) throw new Error(`bulkDocs: ${JSON.stringify(written)}`);
  await db.put(ddoc);
  await query('first');
  await changes('first');
  await pull('first');
  // Changes after the index was built: an update, a deletion, a new doc.
  const d3 = await db.get('doc-003');
  d3.key = 'zz';
  d3.n = 300;
  await db.put(d3);
  const d7 = await db.get('doc-007');
  await db.remove(d7);
  await db.put({ _id: 'doc-100', n: 100, kind: 'x', key: 'a', tags: ['green'] });
  await query('after writes');
  await changes('after writes');
  await pull('after writes');
  return steps;
}

const ours = new PouchDB(`${COZY_URL}/data/${doctype}`, { auth: { username: 'user', password: COZY_TOKEN } });
const theirs = new PouchDB(COZY_REMOTE);
const out = { ours: await run(ours), theirs: await run(theirs) };
console.log(JSON.stringify(out));
