// identity_api.test.mjs — identity resolution through the management API and
// the CLI, on generated data: `rondo gen` -> `rondo import` -> `rondo resolve`,
// then the review queue (list, paging, accept, reject), explanations of a
// merged profile, unmerge (the records, orders and events of both sides split
// again; a second unmerge is a 409), and who may call what.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { rondo, createWorkspace, createKey, Server, cleanupAfter, importGenerated, expectError } from './harness.mjs';


const ctx = { ws: null, server: null, servers: [] };
cleanupAfter(ctx);
let srv;

const REVIEW_AT = 0.05;
const MERGE_AT = 0.95; // resolve's default

before(async () => {
  ctx.ws = await createWorkspace();
  const data = path.join(ctx.ws.dir, 'data');
  await rondo(['gen', '--profiles', '300', '--seed', '4', '--out', data]);
  await importGenerated(ctx.ws.db, data);
  // A wide review band, so that the queue surely holds pairs to accept and reject.
  await rondo(['resolve', '--db', ctx.ws.db, '--review-at', String(REVIEW_AT)]);
  srv = new Server(ctx.ws);
  ctx.servers.push(srv);
  await srv.start();
});

/** Every current record's profile, from `rondo export links` (source/external_id -> profile id). */
async function links() {
  const { stdout } = await rondo(['export', 'links', '--db', srv.db, '-']);
  const [head, ...rows] = stdout.trimEnd().split('\n');
  assert.equal(head, 'source,external_id,profile_id');
  return new Map(rows.map((r) => {
    const [source, ext, pid] = r.split(',');
    return [`${source}/${ext}`, Number(pid)];
  }));
}

/** A live profile's current records as "source/external_id", and its order ids. */
async function contents(id) {
  const p = await srv.profile(id);
  assert.equal(p.merged_into, null, `profile ${id} is live`);
  const records = Object.values(p.raw_records).flat().filter((r) => r.current)
    .map((r) => `${r.source}/${r.external_id}`).sort();
  return { records, orders: p.orders.map((o) => o.order_id).sort(), events: p.events.length };
}

/**
 * Merges in force whose absorbed profile has nothing merged into it (a leaf):
 * unmerging one leaves it with no merge to undo. Scored ones ("match") first.
 * Each as {merge, root}.
 */
async function leafMerges() {
  const byProfile = new Map();
  for (const pid of (await links()).values()) byProfile.set(pid, (byProfile.get(pid) ?? 0) + 1);
  const out = [];
  for (const [pid, n] of byProfile) {
    if (n < 2) continue;
    const r = await srv.api(`/api/v1/profiles/${pid}/explain`);
    assert.equal(r.status, 200, r.text);
    const live = r.json.merges.filter((m) => m.action === 'merge' && m.undone_at === null);
    const survivors = new Set(live.map((m) => m.survivor_id));
    for (const m of live) if (!survivors.has(m.absorbed_id)) out.push({ merge: m, root: pid });
  }
  out.sort((a, b) => (a.merge.rule === 'match' ? 0 : 1) - (b.merge.rule === 'match' ? 0 : 1));
  return out;
}

let leaves;

test('the review queue: a list of pairs with their evidence, paged, with a status filter', async () => {
  const r = await srv.api('/api/v1/matches?status=review');
  assert.equal(r.status, 200, r.text);
  assert.ok(Array.isArray(r.json.matches));
  assert.ok('next_cursor' in r.json);
  for (const m of r.json.matches) {
    assert.equal(m.status, 'review');
    assert.equal(typeof m.id, 'number');
    assert.ok(m.score >= REVIEW_AT && m.score < MERGE_AT, `a review pair's score is in the review band: ${m.score}`);
    for (const side of [m.a, m.b]) {
      assert.equal(typeof side.raw_id, 'number');
      assert.equal(typeof side.source, 'string');
    }
    assert.ok(Array.isArray(m.evidence.fields) && m.evidence.fields.length > 0, JSON.stringify(m.evidence));
  }
  if (r.json.matches.length >= 2) {
    const p1 = await srv.api('/api/v1/matches?status=review&limit=1');
    assert.equal(p1.json.matches.length, 1);
    assert.equal(typeof p1.json.next_cursor, 'string');
    const p2 = await srv.api(`/api/v1/matches?status=review&limit=1&cursor=${p1.json.next_cursor}`);
    assert.equal(p2.json.matches.length, 1);
    assert.ok(p2.json.matches[0].id > p1.json.matches[0].id, 'the next page continues after the first');
  }
  const all = await srv.api('/api/v1/matches?limit=500');
  assert.equal(all.status, 200);
  assert.ok(all.json.matches.length >= r.json.matches.length);
  assert.equal(all.json.next_cursor, null);

  expectError(await srv.api('/api/v1/matches?status=maybe'), 400, 'status');
  expectError(await srv.api('/api/v1/matches?limit=501'), 400, 'limit');
  expectError(await srv.api('/api/v1/matches?cursor=abc'), 400, 'cursor');
});

test('explain: a merged profile shows its records, golden sources and merges with field comparisons', async () => {
  leaves = await leafMerges();
  assert.ok(leaves.length > 0, 'resolve merged some profiles');
  const { merge, root } = leaves[0];
  assert.equal(merge.rule, 'match', 'a scored merge exists');

  // asked through the absorbed id: explained through the profile it is in
  const r = await srv.api(`/api/v1/profiles/${merge.absorbed_id}/explain`);
  assert.equal(r.status, 200, r.text);
  const ex = r.json;
  assert.equal(ex.profile_id, root);
  const recs = Object.values(ex.records).flat().filter((x) => x.current);
  assert.ok(recs.length >= 2, 'a merged profile has two records or more');
  assert.ok(Object.keys(ex.golden_sources ?? {}).length > 0, 'golden fields name their record');
  const ids = new Set(recs.map((x) => x.id));
  for (const [field, raw] of Object.entries(ex.golden_sources)) assert.ok(ids.has(raw), `${field} comes from one of the records`);

  const m = ex.merges.find((x) => x.id === merge.id);
  assert.ok(m, 'the merge is in the explanation');
  assert.equal(m.rule, 'match');
  assert.ok(m.score >= 0.99, `merged above the threshold: ${m.score}`);
  const ev = m.evidence;
  for (const side of [ev.a, ev.b]) {
    assert.ok(ids.has(side.raw_id), 'the evidence names two of the profile\'s records');
    assert.equal(typeof side.source, 'string');
  }
  const names = ev.fields.map((f) => f.field);
  for (const f of ['first_name', 'last_name', 'birth_date', 'email', 'phone', 'address']) assert.ok(names.includes(f), `compares ${f}`);
  for (const f of ev.fields) {
    assert.equal(typeof f.level, 'string');
    assert.equal(typeof f.weight, 'number');
  }
  assert.ok(ev.fields.some((f) => f.weight > 0), 'some field speaks for one person');

  // the CLI says the same for a person to read
  const { stdout } = await rondo(['explain', '--db', srv.db, String(merge.absorbed_id)]);
  assert.match(stdout, new RegExp(`merged into profile ${root}`));
  assert.match(stdout, /golden record, field by field:/);
  assert.match(stdout, new RegExp(`merge ${merge.id}, .*profile ${merge.absorbed_id} into ${merge.survivor_id}, rule match`));
  assert.match(stdout, /FIELD\s+A\s+B\s+LEVEL\s+WEIGHT/);
  const json = JSON.parse((await rondo(['explain', '--db', srv.db, String(root), '--json'])).stdout);
  assert.equal(json.profile_id, root);

  expectError(await srv.api('/api/v1/profiles/999999999/explain'), 404, 'id', 'not_found');
  expectError(await srv.api('/api/v1/profiles/zero/explain'), 400, 'id');
  const gone = await rondo(['explain', '--db', srv.db, '999999999'], { allowFail: true });
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /profile 999999999 does not exist/);
});

/** Unmerge a leaf through the API and check that the two sides split cleanly; resolves the report. */
async function unmergeAndCheck({ merge, root }) {
  const id = merge.absorbed_id;
  const before = await contents(root);
  const linksBefore = await links();

  const r = await srv.api(`/api/v1/profiles/${id}/unmerge`, { method: 'POST' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.profile_id, id);
  assert.equal(r.json.unmerged.length, 1);
  const u = r.json.unmerged[0];
  assert.equal(u.merge_id, merge.id);
  assert.equal(u.absorbed, id);
  assert.equal(u.survivor, root);
  assert.ok(u.moved.raw_records >= 1, JSON.stringify(u));

  const mine = await contents(id);
  const rest = await contents(root);
  assert.equal(mine.records.length, u.moved.raw_records);
  assert.ok(rest.records.length >= 1);
  assert.deepEqual([...mine.records, ...rest.records].sort(), before.records, 'no record lost or doubled');
  assert.deepEqual([...mine.orders, ...rest.orders].sort(), before.orders, 'every order is on one side');
  assert.equal(u.moved.orders, mine.orders.length);
  assert.equal(mine.events + rest.events, before.events, 'every event is on one side');
  assert.equal(u.moved.events, mine.events);
  const joined = [merge.evidence.a, merge.evidence.b].map((s) => `${s.source}/${s.external_id}`);
  assert.equal(joined.filter((k) => mine.records.includes(k)).length, 1,
    'of the two records the merge joined, one is back with the absorbed profile');

  // `rondo export links` agrees: the moved records belong to the absorbed profile again
  const linksAfter = await links();
  for (const k of mine.records) {
    assert.equal(linksBefore.get(k), root);
    assert.equal(linksAfter.get(k), id);
  }
  // the merge log shows the merge as undone
  const ex = (await srv.api(`/api/v1/profiles/${root}/explain`)).json;
  assert.ok(ex.merges.find((m) => m.id === merge.id).undone_at, 'the merge is marked undone');
  return u;
}

let used = 0; // leaves unmerged by the API test; the CLI test takes the next

test('unmerge through the API: both sides get their own records, orders and events back; a second unmerge is a 409', async (t) => {
  // Undo scored merges until one moved orders and one moved events back (at most 20).
  let orders = 0;
  let events = 0;
  while (used < leaves.length - 1 && used < 20 && (!orders || !events)) {
    const u = await unmergeAndCheck(leaves[used++]);
    orders += u.moved.orders;
    events += u.moved.events;
  }
  t.diagnostic(`${used} merges undone; ${orders} orders and ${events} events moved back`);
  assert.ok(orders > 0, 'an unmerge moved orders back');
  assert.ok(events > 0, 'an unmerge moved events back');

  // nothing is merged into the first one any more
  const { merge, root } = leaves[0];
  const again = await srv.api(`/api/v1/profiles/${merge.absorbed_id}/unmerge`, { method: 'POST' });
  const err = expectError(again, 409, 'id', 'conflict');
  assert.match(err.message, /never merged/);

  expectError(await srv.api('/api/v1/profiles/999999999/unmerge', { method: 'POST' }), 404, 'id', 'not_found');
  expectError(await srv.api('/api/v1/profiles/-3/unmerge', { method: 'POST' }), 400, 'id');
  expectError(await srv.api(`/api/v1/profiles/${root}/unmerge`, { method: 'POST', body: 'not json' }), 400, 'body');
  expectError(await srv.api(`/api/v1/profiles/${root}/unmerge`), 405);
});

test('rondo unmerge: the report, and clear errors', async (t) => {
  const next = leaves[used];
  assert.ok(next, 'the data has a second merge to undo');
  const id = next.merge.absorbed_id;
  const { stdout } = await rondo(['unmerge', '--db', srv.db, String(id), '--json']);
  const rep = JSON.parse(stdout);
  assert.equal(rep.profile_id, id);
  assert.equal(rep.unmerged[0].absorbed, id);
  assert.equal((await srv.profile(id)).merged_into, null, 'the server sees the CLI\'s unmerge');

  const twice = await rondo(['unmerge', '--db', srv.db, String(id)], { allowFail: true });
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /never merged/);
  const unknown = await rondo(['unmerge', '--db', srv.db, '999999999'], { allowFail: true });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /profile 999999999 does not exist/);
  for (const args of [[], ['abc'], ['1', '2']]) {
    const bad = await rondo(['unmerge', '--db', srv.db, ...args], { allowFail: true });
    assert.equal(bad.code, 2, `rondo unmerge ${args.join(' ')}`);
    assert.match(bad.stderr, /usage: rondo unmerge/);
  }
});

test('accept and reject a pair from the review queue', async (t) => {
  const pending = (await srv.api('/api/v1/matches?status=review&limit=500')).json.matches;
  expectError(await srv.api('/api/v1/matches/999999999/accept', { method: 'POST' }), 404, 'id', 'not_found');
  expectError(await srv.api('/api/v1/matches/x/reject', { method: 'POST' }), 400, 'id');
  assert.ok(pending.length >= 2, `pairs in the review band: ${pending.length}`);
  const [first, second] = pending;
  t.diagnostic(`${pending.length} pairs waiting for review`);

  const acc = await srv.api(`/api/v1/matches/${first.id}/accept`, { method: 'POST' });
  assert.equal(acc.status, 200, acc.text);
  assert.equal(acc.json.id, first.id);
  assert.equal(acc.json.status, 'accepted');
  if (acc.json.absorbed !== undefined) {
    assert.equal(acc.json.survivor, Math.min(acc.json.survivor, acc.json.absorbed), 'the older profile survives');
    const v = await srv.profile(acc.json.absorbed);
    assert.equal(v.merged_into, acc.json.survivor);
  }
  const l = await links();
  assert.equal(l.get(`${first.a.source}/${first.a.external_id}`), l.get(`${first.b.source}/${first.b.external_id}`),
    'the two records are in one profile');
  expectError(await srv.api(`/api/v1/matches/${first.id}/accept`, { method: 'POST' }), 409, 'id', 'conflict');
  expectError(await srv.api(`/api/v1/matches/${first.id}/reject`, { method: 'POST' }), 409, 'id', 'conflict');
  const accepted = (await srv.api('/api/v1/matches?status=accepted')).json.matches;
  assert.ok(accepted.some((m) => m.id === first.id && m.decided_at));

  const rej = await srv.api(`/api/v1/matches/${second.id}/reject`, { method: 'POST' });
  assert.equal(rej.status, 200, rej.text);
  assert.deepEqual(rej.json, { id: second.id, status: 'rejected' });
  expectError(await srv.api(`/api/v1/matches/${second.id}/reject`, { method: 'POST' }), 409, 'id', 'conflict');
  const rejected = (await srv.api('/api/v1/matches?status=rejected')).json.matches;
  assert.ok(rejected.some((m) => m.id === second.id));
  assert.ok(!(await srv.api('/api/v1/matches?status=review')).json.matches.some((m) => m.id === second.id));
});

test('who may call: admin and marketer keys; a write key gets 403, no key 401', async () => {
  const marketer = await createKey(srv.db, 'marketer');
  const m = await srv.api('/api/v1/matches', { key: marketer.key });
  assert.equal(m.status, 200, m.text);
  const root = leaves[0].root;
  const calls = [
    ['GET', '/api/v1/matches?status=review'],
    ['GET', `/api/v1/profiles/${root}/explain`],
    ['POST', `/api/v1/profiles/${root}/unmerge`],
    ['POST', '/api/v1/matches/1/accept'],
    ['POST', '/api/v1/matches/1/reject'],
  ];
  for (const [method, url] of calls) {
    expectError(await srv.api(url, { method, key: ctx.ws.writeKey }), 403, 'Authorization', 'forbidden');
    expectError(await srv.api(url, { method, key: null }), 401, 'Authorization', 'unauthorized');
  }
  // nothing was changed by the refused writes
  const ex = (await srv.api(`/api/v1/profiles/${root}/explain`)).json;
  assert.equal(ex.profile_id, root);
});
