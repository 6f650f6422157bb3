// segments_api.test.mjs — saved segments through the management API, on
// generated data (`rondo gen` -> `rondo import`): create from text and from
// the JSON form, list, show, count, members (pages and CSV), preview without
// saving, new versions, delete, exclusive segments, references between
// segments (unknown names and cycles refused), the errors with the field and
// the place in the rule, who may call what, and membership that follows the
// data: a tracked event puts a new profile in a segment at once, and orders
// move a profile through the lifecycle stages, which the shift matrix shows.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { rondo, createWorkspace, createKey, Server, cleanupAfter, importGenerated, expectError, uid } from './harness.mjs';


const ctx = { ws: null, server: null, servers: [] };
cleanupAfter(ctx);
let srv;

before(async () => {
  ctx.ws = await createWorkspace();
  const data = path.join(ctx.ws.dir, 'data');
  await rondo(['gen', '--profiles', '300', '--seed', '5', '--out', data]);
  await importGenerated(ctx.ws.db, data);
  srv = new Server(ctx.ws);
  ctx.servers.push(srv);
  await srv.start();
});

async function create(body, key) {
  const r = await srv.api('/api/v1/segments', { method: 'POST', body, key });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function get(id) {
  const r = await srv.api(`/api/v1/segments/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** Every member of a segment through the JSON pages, limit at a time. */
async function allMembers(id, limit = 1000) {
  const out = [];
  let cursor = null;
  for (let pages = 0; pages < 10000; pages++) {
    const q = `limit=${limit}${cursor === null ? '' : `&after=${cursor}`}`;
    const r = await srv.api(`/api/v1/segments/${id}/members?${q}`);
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.members);
    cursor = r.json.next_cursor;
    if (cursor === null) return out;
    assert.equal(typeof cursor, 'string');
  }
  throw new Error('the pages never end');
}

/** A segment's membership of one profile: its member row, or undefined. */
async function memberRow(segmentId, profileId) {
  const r = await srv.api(`/api/v1/segments/${segmentId}/members?limit=1&after=${profileId - 1}`);
  assert.equal(r.status, 200, r.text);
  return r.json.members.find((m) => m.profile_id === profileId);
}

/** Poll until fn() resolves a truthy value; resolves {value, ms}, or {value: undefined} after ms. */
async function poll(fn, ms) {
  const t0 = Date.now();
  for (;;) {
    const value = await fn();
    if (value) return { value, ms: Date.now() - t0 };
    if (Date.now() - t0 > ms) return { value: undefined, ms: Date.now() - t0 };
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function segmentByName(name) {
  const r = await srv.api('/api/v1/segments');
  assert.equal(r.status, 200, r.text);
  return r.json.data.find((s) => s.name === name);
}

/** The shift matrix as a Map "from>to" -> count. */
async function shifts(id, query = '') {
  const r = await srv.api(`/api/v1/segments/${id}/shifts${query}`);
  assert.equal(r.status, 200, r.text);
  return new Map(r.json.shifts.map((s) => [`${s.from}>${s.to}`, s.count]));
}

function orderCompleted(userId, total) {
  return {
    userId,
    event: 'Order Completed',
    messageId: uid('m'),
    properties: {
      order_id: uid('order'),
      total,
      currency: 'EUR',
      products: [{ product_id: 'p1', sku: 'SKU-1', name: 'Tongs', category: 'bbq', price: total, quantity: 1 }],
    },
  };
}

test('a rule segment from its text and from its JSON form: saved with its members, listed, shown, counted', async () => {
  const name = uid('buyers');
  const s = await create({ name, rule: 'order_count >= 1' });
  assert.equal(typeof s.id, 'number');
  assert.equal(s.name, name);
  assert.equal(s.kind, 'rule');
  assert.equal(s.version, 1);
  assert.equal(s.time_relative, false);
  assert.equal(s.definition.text, 'order_count >= 1');
  assert.equal(s.definition.rule.op, 'cmp', JSON.stringify(s.definition));
  assert.ok(s.members > 0 && s.members < 400, `some of the generated profiles bought: ${s.members}`);

  // the same rule in its JSON form selects the same profiles
  const twin = await create({ name: uid('buyers-json'), rule: s.definition.rule });
  assert.equal(twin.definition.text, 'order_count >= 1');
  assert.equal(twin.members, s.members);

  const list = await srv.api('/api/v1/segments');
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.next_cursor, null);
  const listed = list.json.data.find((x) => x.id === s.id);
  assert.equal(listed.name, name);
  assert.equal(listed.members, s.members);
  assert.equal(listed.version, 1);
  assert.ok(list.json.data.some((x) => x.name === 'lifecycle' && x.kind === 'exclusive'), 'every workspace has the lifecycle');

  const shown = await get(s.id);
  assert.deepEqual(shown.definition, s.definition);
  assert.equal(shown.members, s.members);
  assert.equal(typeof shown.created_at, 'string');

  const c = await srv.api(`/api/v1/segments/${s.id}/count`);
  assert.equal(c.status, 200, c.text);
  assert.deepEqual(c.json, { id: s.id, count: s.members });

  // the CLI, reading the same database, agrees
  const { stdout } = await rondo(['segment', 'count', '--db', srv.db, String(s.id)]);
  assert.equal(Number(stdout.trim()), s.members);
  const members = await allMembers(s.id);
  assert.equal(members.length, s.members);
  for (const m of members) {
    assert.equal(m.sub, null, 'a rule segment has no sub-segments');
    assert.ok(!Number.isNaN(Date.parse(m.since)), m.since);
  }
});

test('an exclusive segment: first matching sub-segment wins, members carry it, each rule shown as text and JSON', async () => {
  const s = await create({
    name: uid('spenders'),
    subs: [
      { name: 'big', rule: 'total_spent >= 200' },
      { name: 'small', rule: { op: 'cmp', field: 'order_count', cmp: '>=', value: 1 } },
    ],
  });
  assert.equal(s.kind, 'exclusive');
  assert.deepEqual(s.definition.subs.map((x) => x.name), ['big', 'small']);
  assert.equal(s.definition.subs[1].text, 'order_count >= 1');
  assert.equal(s.definition.subs[0].rule.op, 'cmp');
  const members = await allMembers(s.id);
  assert.equal(members.length, s.members);
  const big = members.filter((m) => m.sub === 'big').length;
  const small = members.filter((m) => m.sub === 'small').length;
  assert.equal(big + small, members.length, 'every member is in one sub-segment');
  assert.ok(big > 0 && small > 0, `both sub-segments have members: ${big} ${small}`);

  // the same definition previewed: the same counts per sub-segment
  const p = await srv.api('/api/v1/segments/preview', {
    method: 'POST',
    body: { subs: [{ name: 'big', rule: 'total_spent >= 200' }, { name: 'small', rule: 'order_count >= 1' }] },
  });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.count, s.members);
  assert.deepEqual(p.json.subs, [{ name: 'big', count: big }, { name: 'small', count: small }]);
});

test('a wrong definition: 400 naming the member, with line and column, "did you mean", and nothing saved', async () => {
  const before = (await srv.api('/api/v1/segments')).json.data.length;
  const post = (body) => srv.api('/api/v1/segments', { method: 'POST', body });

  let err = expectError(await post({ name: uid('bad'), rule: 'order_count >= 1 and\n  (country = "BE" or' }), 400, 'rule', 'invalid');
  assert.match(err.message, /line 2, column \d+/);
  err = expectError(await post({ name: uid('bad'), rule: 'contry = "BE"' }), 400, 'rule');
  assert.match(err.message, /line 1, column 1: unknown field 'contry'; did you mean 'country'\?/);
  err = expectError(await post({ name: uid('bad'), subs: [{ name: 'a', rule: 'order_count >= 1' }, { name: 'b', rule: 'order_count >' }] }), 400, 'subs[1].rule');
  assert.match(err.message, /subs\[1\]\.rule \(b\): line 1, column \d+/);
  err = expectError(await post({ name: uid('bad'), rule: { op: 'and', args: [{ op: 'has', identity: 'email' }, { op: 'cmp', field: 'contry', cmp: '=', value: 'BE' }] } }), 400, 'rule');
  assert.match(err.message, /^rule\.args\[1\].*contry/, 'the JSON form\'s errors give the path');

  // the body's own members
  err = expectError(await post({ name: uid('bad'), rules: 'order_count >= 1' }), 400, 'rules');
  assert.match(err.message, /did you mean "rule"\?/);
  expectError(await post({ name: uid('bad'), rule: 'order_count >= 1', subs: [] }), 400, 'rule');
  expectError(await post({ name: uid('bad') }), 400, 'rule');
  expectError(await post({ rule: 'order_count >= 1' }), 400, 'name');
  expectError(await post({ name: 7, rule: 'order_count >= 1' }), 400, 'name');
  expectError(await post({ name: '', rule: 'order_count >= 1' }), 400, 'name');
  expectError(await post('{"name": "x", "rule": '), 400, 'body');
  expectError(await post('[1, 2]'), 400, 'body');

  // references to segments that do not exist
  err = expectError(await post({ name: uid('bad'), rule: 'order_count >= 1 and segment "no such segment"' }), 400, 'rule');
  assert.match(err.message, /no segment is named "no such segment"/);
  err = expectError(await post({ name: uid('bad'), rule: 'segment "lifecycle" = "repeat buyers"' }), 400, 'rule');
  assert.match(err.message, /has no sub-segment "repeat buyers"/);
  const self = uid('self');
  err = expectError(await post({ name: self, rule: `segment "${self}"` }), 400, 'rule');
  assert.match(err.message, /cannot refer to itself/);

  assert.equal((await srv.api('/api/v1/segments')).json.data.length, before, 'nothing was saved');
});

test('references between segments: a valid one works, a cycle is refused, and what others refer to stays', async () => {
  const lifecycle = await segmentByName('lifecycle');
  const repeat = (await allMembers(lifecycle.id)).filter((m) => m.sub === 'repeat buyer').length;
  const a = await create({ name: uid('repeat'), rule: 'segment "lifecycle" = "repeat buyer"' });
  assert.equal(a.members, repeat, 'a reference reads the other segment\'s members');
  const b = await create({ name: uid('refers'), rule: `segment "${a.name}" and order_count >= 1` });
  assert.equal(b.members, a.members);

  let err = expectError(await srv.api(`/api/v1/segments/${a.id}`, { method: 'PUT', body: { rule: `segment "${b.name}"` } }), 400, 'rule');
  assert.match(err.message, /cycle/);
  err = expectError(await srv.api(`/api/v1/segments/${a.id}`, { method: 'DELETE' }), 409, 'id', 'conflict');
  assert.match(err.message, new RegExp(`"${b.name}"`));
  expectError(await srv.api(`/api/v1/segments/${a.id}`, { method: 'PUT', body: { name: uid('renamed'), rule: 'order_count >= 2' } }), 409, 'name');
  assert.equal((await get(a.id)).version, 1, 'refused changes leave the version as it was');

  assert.equal((await srv.api(`/api/v1/segments/${b.id}`, { method: 'DELETE' })).status, 204);
  assert.equal((await srv.api(`/api/v1/segments/${a.id}`, { method: 'DELETE' })).status, 204);
});

test('names and ids: a name taken is a 409, an unknown id a 404, a malformed one a 400', async () => {
  const name = uid('Taken');
  const s = await create({ name, rule: 'order_count >= 3' });
  expectError(await srv.api('/api/v1/segments', { method: 'POST', body: { name, rule: 'order_count >= 1' } }), 409, 'name', 'conflict');
  expectError(await srv.api('/api/v1/segments', { method: 'POST', body: { name: name.toLowerCase(), rule: 'order_count >= 1' } }), 409, 'name');
  const other = await create({ name: uid('other'), rule: 'order_count >= 1' });
  expectError(await srv.api(`/api/v1/segments/${other.id}`, { method: 'PUT', body: { name, rule: 'order_count >= 1' } }), 409, 'name');

  const none = 987654321;
  for (const [method, p, body] of [
    ['GET', `/api/v1/segments/${none}`],
    ['PUT', `/api/v1/segments/${none}`, { rule: 'order_count >= 1' }],
    ['DELETE', `/api/v1/segments/${none}`],
    ['GET', `/api/v1/segments/${none}/count`],
    ['GET', `/api/v1/segments/${none}/members`],
    ['GET', `/api/v1/segments/${none}/members?format=csv`],
    ['GET', `/api/v1/segments/${none}/shifts`],
  ]) {
    expectError(await srv.api(p, { method, body }), 404, 'id', 'not_found');
  }
  for (const p of ['/api/v1/segments/abc', '/api/v1/segments/0/count', '/api/v1/segments/-3/members']) {
    expectError(await srv.api(p), 400, 'id');
  }
  expectError(await srv.api('/api/v1/segments/abc', { method: 'PATCH' }), 405);
  await srv.api(`/api/v1/segments/${s.id}`, { method: 'DELETE' });
  await srv.api(`/api/v1/segments/${other.id}`, { method: 'DELETE' });
});

test('members: pages with next_cursor, bad parameters refused, and every member as CSV', async () => {
  const s = await create({ name: uid('pages'), rule: 'order_count >= 1' });
  assert.ok(s.members > 10, `enough members to page: ${s.members}`);
  const first = await srv.api(`/api/v1/segments/${s.id}/members?limit=7`);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.members.length, 7);
  assert.equal(first.json.next_cursor, String(first.json.members[6].profile_id));
  const second = await srv.api(`/api/v1/segments/${s.id}/members?limit=7&cursor=${first.json.next_cursor}`);
  assert.ok(second.json.members[0].profile_id > first.json.members[6].profile_id, 'the next page continues after the first');

  const paged = await allMembers(s.id, 7);
  assert.equal(paged.length, s.members);
  const ids = paged.map((m) => m.profile_id);
  assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'ascending by profile id');
  assert.equal(new Set(ids).size, ids.length, 'no profile twice');

  expectError(await srv.api(`/api/v1/segments/${s.id}/members?after=abc`), 400, 'after');
  expectError(await srv.api(`/api/v1/segments/${s.id}/members?cursor=-1`), 400, 'cursor');
  expectError(await srv.api(`/api/v1/segments/${s.id}/members?limit=0`), 400, 'limit');
  expectError(await srv.api(`/api/v1/segments/${s.id}/members?limit=1001`), 400, 'limit');
  expectError(await srv.api(`/api/v1/segments/${s.id}/members?format=xml`), 400, 'format');

  const csv = await srv.api(`/api/v1/segments/${s.id}/members?format=csv&limit=3`);
  assert.equal(csv.status, 200, csv.text);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  const lines = csv.text.split('\r\n');
  assert.equal(lines.pop(), '', 'the last line ends too');
  assert.equal(lines.shift(), 'profile_id,sub,since');
  assert.equal(lines.length, s.members, 'every member, whatever the limit');
  const rows = lines.map((l) => l.split(','));
  assert.deepEqual(rows.map((r) => Number(r[0])), ids);
  for (const [, sub, since] of rows) {
    assert.equal(sub, '');
    assert.ok(!Number.isNaN(Date.parse(since)), since);
  }

  // an exclusive segment's sub-segments in the export, quoted where they need it
  const ex = await create({ name: uid('quoted'), subs: [{ name: 'big, "very"', rule: 'total_spent >= 200' }, { name: 'rest', rule: 'order_count >= 1' }] });
  const csv2 = await srv.api(`/api/v1/segments/${ex.id}/members?format=csv`);
  const body = csv2.text.split('\r\n').slice(1, -1);
  assert.equal(body.length, ex.members);
  assert.ok(body.some((l) => /^\d+,"big, ""very""",/.test(l)), body.slice(0, 3).join('\n'));
  assert.ok(body.some((l) => /^\d+,rest,/.test(l)));
  for (const id of [s.id, ex.id]) await srv.api(`/api/v1/segments/${id}`, { method: 'DELETE' });
});

test('preview: the count and a sample of what a rule selects now, saving nothing', async () => {
  const before = (await srv.api('/api/v1/segments')).json.data;
  const p = await srv.api('/api/v1/segments/preview', { method: 'POST', body: { rule: 'order_count >= 1 and total_spent > 50' } });
  assert.equal(p.status, 200, p.text);
  assert.equal(typeof p.json.seconds, 'number');
  assert.ok(p.json.count > 0);
  assert.ok(p.json.profiles >= p.json.count);
  assert.equal(p.json.sample.length, Math.min(10, p.json.count));
  assert.deepEqual((await srv.api('/api/v1/segments')).json.data, before, 'nothing saved');

  // the same rule saved: the same count, and the sample are members
  const s = await create({ name: uid('previewed'), rule: 'order_count >= 1 and total_spent > 50' });
  assert.equal(s.members, p.json.count);
  const members = new Set((await allMembers(s.id)).map((m) => m.profile_id));
  for (const id of p.json.sample) assert.ok(members.has(id), `sampled profile ${id} is a member`);

  // the CLI's preview agrees
  const cli = JSON.parse((await rondo(['segment', 'preview', '--db', srv.db, '--json', 'order_count >= 1 and total_spent > 50'])).stdout);
  assert.equal(cli.count, p.json.count);

  const three = await srv.api('/api/v1/segments/preview', { method: 'POST', body: { rule: 'order_count >= 1', sample: 3 } });
  assert.equal(three.json.sample.length, 3);
  const err = expectError(await srv.api('/api/v1/segments/preview', { method: 'POST', body: { rule: 'order_count >=' } }), 400, 'rule');
  assert.match(err.message, /line 1, column \d+/);
  expectError(await srv.api('/api/v1/segments/preview', { method: 'POST', body: { rule: 'segment "nope"' } }), 400, 'rule');
  expectError(await srv.api('/api/v1/segments/preview', { method: 'POST', body: { rule: 'order_count >= 1', sample: 1000 } }), 400, 'sample');
  expectError(await srv.api('/api/v1/segments/preview', { method: 'POST', body: { rule: 'order_count >= 1', smaple: 3 } }), 400, 'smaple');
  await srv.api(`/api/v1/segments/${s.id}`, { method: 'DELETE' });
});

test('PUT makes a new version and computes the members again; DELETE removes the segment and frees its name', async () => {
  const name = uid('versions');
  const s = await create({ name, rule: 'order_count >= 1' });
  const v2 = await srv.api(`/api/v1/segments/${s.id}`, { method: 'PUT', body: { rule: 'order_count >= 2' } });
  assert.equal(v2.status, 200, v2.text);
  assert.equal(v2.json.version, 2);
  assert.equal(v2.json.name, name, 'the name stays without one in the body');
  assert.equal(v2.json.definition.text, 'order_count >= 2');
  assert.ok(v2.json.members < s.members, `fewer profiles bought twice: ${v2.json.members} < ${s.members}`);
  assert.equal((await allMembers(s.id)).length, v2.json.members);

  const v3 = await srv.api(`/api/v1/segments/${s.id}`, { method: 'PUT', body: { name: `${name}-renamed`, rule: 'order_count >= 1' } });
  assert.equal(v3.json.version, 3);
  assert.equal(v3.json.name, `${name}-renamed`);
  assert.equal(v3.json.members, s.members);
  assert.equal((await get(s.id)).version, 3);
  // the kind stays
  const kind = expectError(await srv.api(`/api/v1/segments/${s.id}`, { method: 'PUT', body: { subs: [{ name: 'a', rule: 'order_count >= 1' }] } }), 400, 'subs');
  assert.match(kind.message, /rule segment/);
  assert.equal((await get(s.id)).version, 3);

  // an exclusive segment's sub-segments renamed and dropped: no member keeps a sub-segment of the old version
  const ex = await create({ name: uid('stages'), subs: [{ name: 'twice', rule: 'order_count >= 2' }, { name: 'once', rule: 'order_count >= 1' }] });
  assert.deepEqual([...new Set((await allMembers(ex.id)).map((m) => m.sub))].sort(), ['once', 'twice']);
  const twice = (await allMembers(ex.id)).filter((m) => m.sub === 'twice').length;
  const ex2 = await srv.api(`/api/v1/segments/${ex.id}`, { method: 'PUT', body: { subs: [{ name: 'loyal', rule: 'order_count >= 2' }] } });
  assert.equal(ex2.status, 200, ex2.text);
  assert.equal(ex2.json.version, 2);
  assert.equal(ex2.json.members, twice);
  const exMembers = await allMembers(ex.id);
  assert.equal(exMembers.length, twice);
  assert.ok(exMembers.every((m) => m.sub === 'loyal'), JSON.stringify(exMembers.slice(0, 3)));
  const moves = await shifts(ex.id);
  assert.equal(moves.get('twice>loyal'), twice, JSON.stringify([...moves]));
  assert.equal(moves.get('once>none'), s.members - twice, JSON.stringify([...moves]));
  await srv.api(`/api/v1/segments/${ex.id}`, { method: 'DELETE' });

  const del = await srv.api(`/api/v1/segments/${s.id}`, { method: 'DELETE' });
  assert.equal(del.status, 204, del.text);
  expectError(await srv.api(`/api/v1/segments/${s.id}`), 404, 'id');
  expectError(await srv.api(`/api/v1/segments/${s.id}`, { method: 'DELETE' }), 404, 'id');
  assert.equal(await segmentByName(`${name}-renamed`), undefined);
  const again = await create({ name: `${name}-renamed`, rule: 'order_count >= 1' });
  assert.notEqual(again.id, s.id);
  assert.equal(again.version, 1);
  await srv.api(`/api/v1/segments/${again.id}`, { method: 'DELETE' });
});

test('who may call: admin and marketer keys; a write key gets 403, no key 401', async () => {
  const marketer = await createKey(srv.db, 'marketer');
  const s = await create({ name: uid('marketer'), rule: 'order_count >= 1' }, marketer.key);
  const m = await srv.api(`/api/v1/segments/${s.id}/members?limit=2`, { key: marketer.key });
  assert.equal(m.status, 200, m.text);
  const calls = [
    ['GET', '/api/v1/segments'],
    ['POST', '/api/v1/segments', { name: uid('ingest'), rule: 'order_count >= 1' }],
    ['GET', `/api/v1/segments/${s.id}`],
    ['PUT', `/api/v1/segments/${s.id}`, { rule: 'order_count >= 2' }],
    ['DELETE', `/api/v1/segments/${s.id}`],
    ['GET', `/api/v1/segments/${s.id}/count`],
    ['GET', `/api/v1/segments/${s.id}/members`],
    ['GET', `/api/v1/segments/${s.id}/members?format=csv`],
    ['GET', `/api/v1/segments/${s.id}/shifts`],
    ['POST', '/api/v1/segments/preview', { rule: 'order_count >= 1' }],
  ];
  for (const [method, p, body] of calls) {
    expectError(await srv.api(p, { method, body, key: ctx.ws.writeKey }), 403, 'Authorization', 'forbidden');
    expectError(await srv.api(p, { method, body, key: null }), 401, 'Authorization', 'unauthorized');
  }
  const still = await get(s.id);
  assert.equal(still.version, 1, 'refused calls changed nothing');
  assert.equal((await srv.api(`/api/v1/segments/${s.id}`, { method: 'DELETE', key: marketer.key })).status, 204);
});

test('real time: a tracked event puts a new profile in the segment at once', async () => {
  const s = await create({ name: uid('ping'), rule: 'events.any(name = "Segment Test Ping")' });
  assert.equal(s.members, 0);
  const userId = uid('pinger');
  const t = await srv.ingest('/v1/track', { userId, event: 'Segment Test Ping', messageId: uid('m') });
  assert.equal(t.status, 200, t.text);
  const profile = await srv.profileBy('user_id', userId);
  const { value, ms } = await poll(async () => {
    const r = await srv.api(`/api/v1/segments/${s.id}/members`);
    return r.json.members.find((m) => m.profile_id === profile.id);
  }, 2000);
  assert.ok(value, 'the new profile is a member');
  assert.ok(ms <= 1000, `a member within a second, not ${ms} ms`);
  assert.equal((await srv.api(`/api/v1/segments/${s.id}/count`)).json.count, 1);

  // a rule on another event: the profile stays out
  const other = await create({ name: uid('other-ping'), rule: 'events.any(name = "Another Ping")' });
  assert.equal(other.members, 0);
  for (const id of [s.id, other.id]) await srv.api(`/api/v1/segments/${id}`, { method: 'DELETE' });
});

test('lifecycle: orders move a profile none -> one-time buyer -> repeat buyer, and the shift matrix counts the moves', async () => {
  const lifecycle = await segmentByName('lifecycle');
  assert.ok(lifecycle, 'the lifecycle segment is seeded');
  assert.equal(lifecycle.kind, 'exclusive');
  const shown = await get(lifecycle.id);
  assert.deepEqual(shown.definition.subs.map((x) => x.name), ['ambassador', 'inactive', 'repeat buyer', 'one-time buyer', 'prospect', 'visitor']);
  const before = await shifts(lifecycle.id);
  const delta = (after, key) => (after.get(key) ?? 0) - (before.get(key) ?? 0);

  const userId = uid('buyer');
  let r = await srv.ingest('/v1/track', orderCompleted(userId, 40));
  assert.equal(r.status, 200, r.text);
  const profile = await srv.profileBy('user_id', userId);
  let row = (await poll(async () => (await memberRow(lifecycle.id, profile.id))?.sub === 'one-time buyer', 2000)).value;
  assert.ok(row, `one order: a one-time buyer (${JSON.stringify(await memberRow(lifecycle.id, profile.id))})`);

  r = await srv.ingest('/v1/track', orderCompleted(userId, 60));
  assert.equal(r.status, 200, r.text);
  row = (await poll(async () => (await memberRow(lifecycle.id, profile.id))?.sub === 'repeat buyer', 2000)).value;
  assert.ok(row, `two orders: a repeat buyer (${JSON.stringify(await memberRow(lifecycle.id, profile.id))})`);

  const view = await srv.api(`/api/v1/profiles/${profile.id}`);
  assert.deepEqual(view.json.segments.filter((x) => x.name === 'lifecycle').map((x) => x.sub), ['repeat buyer'],
    'the 360° view lists the segments, with the lifecycle stage');

  const after = await shifts(lifecycle.id);
  assert.equal(delta(after, 'none>one-time buyer'), 1, JSON.stringify([...after]));
  assert.equal(delta(after, 'one-time buyer>repeat buyer'), 1, JSON.stringify([...after]));

  // the period: today holds the moves, a past month none of them
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  const r1 = await srv.api(`/api/v1/segments/${lifecycle.id}/shifts?from=${today}&to=${tomorrow}`);
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r1.json.from, `${today}T00:00:00.000Z`);
  assert.ok(r1.json.shifts.some((x) => x.from === 'one-time buyer' && x.to === 'repeat buyer' && x.count >= 1));
  const old = await srv.api(`/api/v1/segments/${lifecycle.id}/shifts?from=2001-01-01&to=2001-01-31`);
  assert.deepEqual(old.json.shifts, []);
  const def = await srv.api(`/api/v1/segments/${lifecycle.id}/shifts`);
  assert.equal(Date.parse(def.json.to) - Date.parse(def.json.from), 30 * 86400000, 'the last 30 days by default');

  expectError(await srv.api(`/api/v1/segments/${lifecycle.id}/shifts?from=yesterday`), 400, 'from');
  expectError(await srv.api(`/api/v1/segments/${lifecycle.id}/shifts?to=2026-13-01`), 400, 'to');
  expectError(await srv.api(`/api/v1/segments/${lifecycle.id}/shifts?from=2026-02-01&to=2026-01-01`), 400, 'from');
  expectError(await srv.api(`/api/v1/segments/${lifecycle.id}/shifts?from=${today}&to=${today}`), 400, 'from');
});

test('the workspace time zone: an unknown zone is refused by name, and a running server follows a change', async () => {
  const bad = await rondo(['settings', 'set', '--db', srv.db, 'timezone', 'Europe/Atlantis'], { allowFail: true });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /timezone: "Europe\/Atlantis" is not a known time zone/);
  assert.equal((await rondo(['settings', 'get', '--db', srv.db, 'timezone'])).stdout.trim(), 'UTC');

  // 23:30 UTC on 10 January is already 11 January in Brussels
  const userId = uid('late');
  const order = { ...orderCompleted(userId, 25), timestamp: '2026-01-10T23:30:00Z' };
  assert.equal((await srv.ingest('/v1/track', order)).status, 200);
  const s = await create({ name: uid('on-the-11th'), rule: 'last_order_at = "2026-01-11"' });
  assert.equal(s.members, 0, 'in UTC the order is on the 10th');

  await rondo(['settings', 'set', '--db', srv.db, 'timezone', 'Europe/Brussels']);
  try {
    // the next write makes the server read the definitions again
    assert.equal((await srv.ingest('/v1/track', orderCompleted(uid('nudge'), 1))).status, 200);
    const n = await poll(async () => (await srv.api(`/api/v1/segments/${s.id}/count`)).json.count === 1, 3000);
    assert.ok(n.value, 'in Brussels the order is on the 11th');
  } finally {
    await rondo(['settings', 'set', '--db', srv.db, 'timezone', 'UTC']);
  }
});

test('metrics count the segment routes', async () => {
  const r = await srv.request('GET', '/metrics');
  assert.match(r.text, /rondo_http_requests_total\{route="\/api\/v1\/segments",status="201"\}/);
  assert.match(r.text, /rondo_http_requests_total\{route="\/api\/v1\/segments\/\{id\}\/members",status="200"\}/);
  assert.match(r.text, /rondo_http_requests_total\{route="\/api\/v1\/segments\/preview",status="200"\}/);
});
