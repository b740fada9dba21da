// End-to-end test of /files through cozy-stack-client's file collection
// (the library Drive and the other apps use). Driven by web/files' Go tests:
//   COZY_URL=http://127.0.0.1:PORT COZY_TOKEN=... node stack-client.mjs
// Prints one JSON line {"ok":true,...}; exits 1 on the first failure.
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

const require = createRequire(import.meta.url);
const CozyStackClient = require('cozy-stack-client').default;

const uri = process.env.COZY_URL;
const token = process.env.COZY_TOKEN;
if (!uri || !token) {
  console.error('COZY_URL and COZY_TOKEN are required');
  process.exit(2);
}
const client = new CozyStackClient({ uri, token });
const files = client.collection('io.cozy.files');
const ROOT = 'io.cozy.files.root-dir';
const TRASH = 'io.cozy.files.trash-dir';
const steps = [];

async function step(name, fn) {
  try {
    await fn();
    steps.push(name);
  } catch (err) {
    console.error(`step "${name}" failed:`, err && err.stack ? err.stack : err);
    process.exit(1);
  }
}

async function rejects(promise, status) {
  try {
    await promise;
  } catch (err) {
    assert.equal(err.status, status, `expected ${status}, got ${err.status}: ${err.message}`);
    return;
  }
  assert.fail(`expected an error ${status}`);
}

const md5 = (s) => crypto.createHash('md5').update(s).digest('base64');
let dir, sub, file;

await step('createDirectory', async () => {
  const { data } = await files.createDirectory({ name: 'Documents', dirId: ROOT });
  assert.equal(data.type, 'directory');
  assert.equal(data.path, '/Documents');
  assert.equal(data.dir_id, ROOT);
  dir = data;
  sub = (await files.createDirectory({ name: 'Été', dirId: dir._id })).data;
  assert.equal(sub.path, '/Documents/Été');
});

await step('createDirectory clash is 409', async () => {
  await rejects(files.createDirectory({ name: 'Documents', dirId: ROOT }), 409);
});

await step('createFile with checksum', async () => {
  const body = 'Hello world!';
  const { data } = await files.createFile(body, { name: 'hello.txt', dirId: sub._id, checksum: md5(body), contentType: 'text/plain' });
  assert.equal(data.name, 'hello.txt');
  assert.equal(data.md5sum, md5(body));
  assert.equal(String(data.size), '12');
  assert.equal(data.mime, 'text/plain');
  file = data;
});

await step('createFile with a wrong checksum is 412', async () => {
  await rejects(files.createFile('abc', { name: 'bad.txt', dirId: sub._id, checksum: md5('xyz') }), 412);
});

await step('statByPath and statById', async () => {
  const byPath = await files.statByPath('/Documents/Été/hello.txt');
  assert.equal(byPath.data._id, file._id);
  const d = await files.statById(sub._id);
  assert.equal(d.data._id, sub._id);
  const kids = d.included.map((f) => f.id || f._id);
  assert.deepEqual(kids, [file._id]);
});

await step('fetchFileContentById', async () => {
  const res = await files.fetchFileContentById(file._id);
  assert.equal(await res.text(), 'Hello world!');
});

await step('updateFile with If-Match', async () => {
  const body = 'HELLO WORLD!';
  const { data } = await files.updateFile(body, { fileId: file._id, name: 'hello.txt', checksum: md5(body), ifMatch: file._rev });
  assert.equal(data.md5sum, md5(body));
  await rejects(files.updateFile('late', { fileId: file._id, name: 'hello.txt', ifMatch: file._rev }), 412);
  file = data;
});

await step('updateAttributes renames and moves', async () => {
  const { data } = await files.updateAttributes(file._id, { name: 'renamed.txt', dir_id: dir._id, tags: ['poem'] });
  assert.equal(data.name, 'renamed.txt');
  assert.equal(data.dir_id, dir._id);
  assert.deepEqual(data.tags, ['poem']);
  const res = await files.fetchFileContentById(file._id);
  assert.equal(await res.text(), 'HELLO WORLD!');
});

await step('fetchChanges', async () => {
  const res = await files.fetchChanges({ since: '' }, { includeFilePath: true });
  const ids = res.results.map((r) => r.id);
  const f = res.results.find((r) => r.id === file._id);
  assert.equal(f.doc.path, '/Documents/renamed.txt');
  assert.ok(ids.includes(file._id), 'file in changes');
  assert.ok(ids.includes(dir._id), 'directory in changes');
  assert.ok(!ids.some((id) => id.startsWith('_design/')), 'no design docs');
  assert.ok(res.newLastSeq, 'last_seq');
});

await step('find and all', async () => {
  const res = await files.find({ dir_id: dir._id }, { sort: [{ dir_id: 'asc' }, { name: 'asc' }] });
  const names = res.data.map((f) => f.name);
  assert.deepEqual(names, ['Été', 'renamed.txt']);
  const found = res.data.find((f) => f.name === 'renamed.txt');
  assert.equal(found.path, '/Documents/renamed.txt');
  const all = await files.all({ keys: [file._id, dir._id] });
  assert.deepEqual(all.data.map((f) => f._id).sort(), [file._id, dir._id].sort());
});

await step('findAll pages through more files than a page', async () => {
  const many = (await files.createDirectory({ name: 'Many', dirId: ROOT })).data;
  const names = [];
  for (let i = 0; i < 7; i++) {
    names.push(`f${i}.txt`);
    await files.createFile(`content ${i}`, { name: `f${i}.txt`, dirId: many._id });
  }
  const sort = [{ dir_id: 'asc' }, { name: 'asc' }];
  const first = await files.find({ dir_id: many._id }, { sort, limit: 3 });
  assert.equal(first.data.length, 3);
  assert.equal(first.next, true, 'a full page tells that more exist');
  assert.ok(first.bookmark, 'a full page has a bookmark');
  const all = await files.findAll({ dir_id: many._id }, { sort, limit: 3 });
  assert.deepEqual(all.map((f) => f.name), names);
  const exact = await files.find({ dir_id: many._id }, { sort, limit: 7 });
  assert.equal(exact.data.length, 7);
  assert.equal(exact.next, false, 'a page ending exactly at the last file is the last');
  const bySkip = [];
  for (let skip = 0, next = true; next; skip += 3) {
    const page = await files.find({ dir_id: many._id }, { sort, limit: 3, skip });
    bySkip.push(...page.data.map((f) => f.name));
    next = page.next;
  }
  assert.deepEqual(bySkip, names);
});

await step('copyIndex and destroyIndex on io.cozy.files', async () => {
  await files.createIndex(['class', 'name'], { indexName: 'by-class-name' });
  let mine = (await files.fetchAllMangoIndexes()).find((i) => i._id === '_design/by-class-name');
  assert.ok(mine, 'the index made is listed');
  await files.copyIndex(mine, 'by-class-name-2');
  const indexes = await files.fetchAllMangoIndexes();
  const copy = indexes.find((i) => i._id === '_design/by-class-name-2');
  assert.ok(copy, 'the copy is listed');
  await files.destroyIndex(mine);
  await files.destroyIndex(copy);
  const left = (await files.fetchAllMangoIndexes()).map((i) => i._id);
  assert.ok(!left.includes('_design/by-class-name') && !left.includes('_design/by-class-name-2'), `left: ${left}`);
  assert.ok(left.includes('_design/by-path'), 'the server keeps its own');
  const server = (await files.fetchAllMangoIndexes()).find((i) => i._id === '_design/by-path');
  await rejects(files.destroyIndex(server), 403);
});

await step('destroy moves to the trash, restore brings back', async () => {
  const { data } = await files.destroy({ _id: file._id });
  assert.equal(data.trashed, true);
  assert.equal(data.dir_id, TRASH);
  const restored = await files.restore(file._id);
  assert.equal(restored.data.trashed, false);
  assert.equal(restored.data.dir_id, dir._id);
});

await step('deleteFilePermanently and emptyTrash', async () => {
  await files.destroy({ _id: sub._id });
  await files.destroy({ _id: file._id });
  await files.deleteFilePermanently(file._id);
  await rejects(files.statById(file._id), 404);
  await files.emptyTrash();
  await rejects(files.statById(sub._id), 404);
});

console.log(JSON.stringify({ ok: true, steps: steps.length }));
