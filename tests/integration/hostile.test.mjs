// hostile.test.mjs — input built to hurt the server, from anyone who holds a
// write key (browser SDKs make it public): it must neither crash nor lose the
// valid messages beside it, nor store something other than what it validated.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, uid } from './harness.mjs';

const ctx = useServer();
let srv;
before(async () => {
  await ctx.init();
  srv = ctx.server;
});

async function alive() {
  const r = await srv.request('GET', '/healthz');
  assert.equal(r.status, 200, 'the server must still answer');
}

test('a large shared batch context counts toward each event; integer userIds survive', async () => {
  const big = { note: 'x'.repeat(150 * 1024) };
  const userId = 424242;
  const batch = [];
  for (let i = 0; i < 50; i++) batch.push({ type: 'page', userId, name: `p${i}` });
  batch.push({ type: 'identify', userId, traits: { name: 'Ann Smith' }, context: { ip: '203.0.113.1' } });
  const r = await srv.ingest('/v1/batch', { batch, context: big });
  assert.equal(r.status, 200, r.text);
  // each page inherits 150 KB of context: too large; the identify has its own small context
  assert.equal(r.json.accepted, 1, r.text);
  assert.equal(r.json.quarantined, 50, r.text);
  const p = await srv.profileBy('user_id', String(userId));
  assert.equal(p.first_name, 'Ann');
  assert.equal(p.last_name, 'Smith');
  await alive();
});

test('many items sharing one batch context are stored with it, once parsed', async () => {
  const userId = uid('shared');
  const batch = [];
  for (let i = 0; i < 400; i++) batch.push({ type: 'track', userId, event: `E${i}` });
  const r = await srv.ingest('/v1/batch', { batch, context: { library: { name: 'x' }, pad: 'y'.repeat(1000) } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.accepted, 400, r.text);
  await alive();
});

function nested(depth) {
  let v = 'x';
  for (let i = 0; i < depth; i++) v = { v };
  return v;
}

test('a message nested too deep is refused with a reason and quarantined; its batch neighbours are stored', async () => {
  const userId = uid('deep');
  const one = await srv.ingest('/v1/identify', { userId, traits: { x: nested(2010) } });
  assert.equal(one.status, 400, one.text);
  assert.match(one.json.error.message, /nested deeper/);
  assert.equal(one.json.error.quarantined, true);

  const batch = [
    { type: 'track', userId, event: 'Before' },
    { type: 'identify', userId, traits: { x: nested(100) } },
    { type: 'track', userId, event: 'After' },
  ];
  const r = await srv.ingest('/v1/batch', { batch });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.accepted, 2, r.text);
  assert.equal(r.json.quarantined, 1, r.text);
  const p = await srv.profileBy('user_id', userId);
  assert.deepEqual(p.events.map((e) => e.name).sort(), ['After', 'Before']);
  await alive();
});

test('a page of large quarantined payloads is answered, each shown truncated', async () => {
  // raw control characters make the body malformed: kept whole, each escaping to six bytes
  const ctl = '\u0001'.repeat(300 * 1024);
  for (let i = 0; i < 3; i++) {
    const r = await srv.ingest('/v1/batch', `{"batch":"${ctl}"}`);
    assert.equal(r.status, 400, r.text.slice(0, 200));
  }
  const q = await srv.api('/api/v1/quarantine?limit=50');
  assert.equal(q.status, 200, q.text.slice(0, 200));
  const shown = q.json.data.filter((x) => x.payload_truncated);
  assert.ok(shown.length >= 3, 'large payloads are marked truncated');
  assert.ok(shown.every((x) => x.payload_bytes > 16384 && x.payload.length <= 16384 * 6));
  await alive();
});

test('escaped keys cannot make the server store text other than what it validated', async () => {
  const good = uid('good');
  const evil = uid('evil');
  // Jansson reads "b\u0061tch" as a second "batch" and keeps the last one.
  const body = `{"batch":[{"type":"track","event":"x","userId":"${evil}","properties":7}],` +
    `"b\\u0061tch":[{"type":"track","event":"Viewed","userId":"${good}","properties":{"sku":"S1"}}]}`;
  const r = await srv.ingest('/v1/batch', body);
  assert.equal(r.status, 200, r.text);
  const p = await srv.profileBy('user_id', good);
  assert.deepEqual(p.events[0].properties, { sku: 'S1' });

  const one = `{"userId":"${good}","event":"Clicked","properties":"not an object",` +
    `"propert\\u0069es":{"a":1}}`;
  const t = await srv.ingest('/v1/track', one);
  assert.equal(t.status, 200, t.text);
  const p2 = await srv.profileBy('user_id', good);
  assert.deepEqual(p2.events.find((e) => e.name === 'Clicked').properties, { a: 1 });
});

test('an escaped writeKey in the body is never stored', async () => {
  const userId = uid('wk');
  const body = `{"writ\\u0065Key":"${srv.ws.writeKey}","userId":"${userId}","traits":{"email":"wk@example.be"}}`;
  const r = await srv.request('POST', '/v1/i', { body, headers: { 'content-type': 'text/plain' } });
  assert.equal(r.status, 200, r.text);
  const p = await srv.profileBy('user_id', userId);
  const raw = JSON.stringify(p.raw_records);
  assert.ok(!raw.includes(srv.ws.writeKey), 'the write key must not be in the raw record');
  assert.ok(raw.includes('wk@example.be'));
});
