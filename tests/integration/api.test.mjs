// api.test.mjs — the management API under /api/v1/: the 360° profile view,
// identity search and its pagination, consents and their ledger, who may
// call what, and that everything survives a restart.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, createKey, revokeKey, uid, basic } from './harness.mjs';

const ctx = useServer();
let srv;
let marketer;
before(async () => {
  await ctx.init();
  srv = ctx.server;
  marketer = await createKey(srv.db, 'marketer');
});

function expectError(r, status, field) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  const err = r.json?.error;
  assert.ok(err, `no error object in ${r.text}`);
  assert.equal(typeof err.code, 'string');
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0);
  if (field !== undefined) assert.equal(err.field, field, r.text);
  return err;
}

async function ingestOk(path, body, key) {
  const r = await srv.ingest(path, body, key ? { key } : undefined);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.quarantined, 0, r.text);
  return r.json;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const GOLDEN = [
  'first_name', 'last_name', 'gender', 'birth_date', 'language', 'email', 'phone',
  'street', 'house_number', 'postal_code', 'city', 'country',
];

/* ---- the 360° view ------------------------------------------------------------ */

test('the profile view: golden record, identities, raw records by source, orders with lines, last 100 events newest first, consents', async () => {
  const userId = uid('v360');
  const anonymousId = uid('anon');
  const store = await createKey(srv.db, 'ingest', 'store');
  await ingestOk('/v1/identify', {
    userId,
    anonymousId,
    traits: {
      firstName: 'Lotte', lastName: 'de Vries', gender: 'Female', birthday: '1990-07-21', language: 'nl',
      email: `${userId}@example.nl`, phone: '+31 6 1111 2222',
      address: { street: 'Oudegracht', houseNumber: '12A', postalCode: '3511 AB', city: 'Utrecht', country: 'NL' },
      segment_hint: 'early adopter',
    },
  });
  await ingestOk('/v1/identify', { anonymousId, traits: { loyalty: 'LC-991' } }, store.key);
  await ingestOk('/v1/track', {
    userId, event: 'Order Completed', timestamp: '2024-02-01T10:00:00.000Z',
    properties: { order_id: `${userId}-1`, currency: 'EUR', total: 20, products: [{ product_id: 'a', price: 20 }] },
  });
  await ingestOk('/v1/track', {
    userId, event: 'Order Completed', timestamp: '2024-03-01T10:00:00.000Z',
    properties: { order_id: `${userId}-2`, currency: 'EUR', products: [{ product_id: 'b', price: 5, quantity: 3 }, { product_id: 'c', price: 1.25 }] },
  });
  // 105 older events: the view keeps the newest 100 events in all.
  const ticks = Array.from({ length: 105 }, (_, i) => ({
    type: 'track', userId, event: 'Tick', messageId: `${userId}-tick-${i}`, properties: { i },
    timestamp: new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString(),
  }));
  await ingestOk('/v1/batch', { batch: ticks });

  const id = (await srv.profileBy('user_id', userId)).id;
  const c = await srv.api(`/api/v1/profiles/${id}/consents/email`, { method: 'PUT', body: { status: 'opted_in', purpose: 'offers' } });
  assert.equal(c.status, 200, c.text);

  const r = await srv.api(`/api/v1/profiles/${id}`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /application\/json/);
  const p = r.json;
  for (const k of ['id', ...GOLDEN, 'attributes', 'lifecycle_stage', 'household_id', 'merged_into', 'source', 'created_at', 'updated_at', 'identities', 'raw_records', 'orders', 'events', 'consents']) {
    assert.ok(k in p, `profile view has ${k}`);
  }
  assert.equal(p.id, id);
  assert.deepEqual(
    Object.fromEntries(GOLDEN.map((k) => [k, p[k]])),
    {
      first_name: 'Lotte', last_name: 'de Vries', gender: 'female', birth_date: '1990-07-21', language: 'nl',
      email: `${userId}@example.nl`, phone: '+31611112222', street: 'Oudegracht', house_number: '12A',
      postal_code: '3511 AB', city: 'Utrecht', country: 'NL',
    },
  );
  assert.deepEqual(p.attributes, { segment_hint: 'early adopter', loyalty: 'LC-991' });
  assert.equal(p.merged_into, null);
  assert.match(p.created_at, ISO);
  assert.match(p.updated_at, ISO);

  // identities
  assert.deepEqual(
    p.identities.map((i) => `${i.type}:${i.value}:${i.source}`).sort(),
    [`anonymous_id:${anonymousId}:`, `email:${userId}@example.nl:`, 'phone:+31611112222:', `user_id:${userId}:default`].sort(),
  );
  for (const i of p.identities) assert.match(i.created_at, ISO);

  // raw records by source
  assert.deepEqual(Object.keys(p.raw_records).sort(), ['default', 'store']);
  for (const [source, list] of Object.entries(p.raw_records)) {
    assert.equal(list.length, 1);
    const [rec] = list;
    assert.equal(rec.source, source);
    assert.equal(rec.kind, 'identify');
    assert.equal(typeof rec.payload, 'object');
    assert.match(rec.received_at, ISO);
  }
  assert.equal(p.raw_records.store[0].payload.traits.loyalty, 'LC-991');

  // orders, newest first, with their lines
  assert.deepEqual(p.orders.map((o) => o.order_id), [`${userId}-2`, `${userId}-1`]);
  const [o2, o1] = p.orders;
  assert.equal(o1.total, 20);
  assert.equal(o2.total, 16.25);
  assert.equal(o2.currency, 'EUR');
  assert.equal(o2.status, 'completed');
  assert.equal(o2.ordered_at, '2024-03-01T10:00:00.000Z');
  assert.deepEqual(o2.lines.map((l) => [l.product_id, l.price, l.quantity]), [['b', 5, 3], ['c', 1.25, 1]]);

  // events: 100, newest first; the 4 recent calls and the newest 96 ticks
  assert.equal(p.events.length, 100);
  const times = p.events.map((e) => Date.parse(e.timestamp));
  assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
  const tickIdx = p.events.filter((e) => e.name === 'Tick').map((e) => e.properties.i);
  assert.deepEqual(tickIdx, Array.from({ length: 96 }, (_, k) => 104 - k));
  for (const e of p.events) {
    for (const k of ['id', 'type', 'name', 'properties', 'source', 'message_id', 'timestamp', 'received_at']) assert.ok(k in e, `event has ${k}`);
  }
  assert.equal(p.events.find((e) => e.name === 'Tick').message_id, `${userId}-tick-104`);

  // consents
  assert.equal(p.consents.length, 1);
  assert.equal(p.consents[0].channel, 'email');
  assert.equal(p.consents[0].purpose, 'offers');
  assert.equal(p.consents[0].status, 'opted_in');
  assert.equal(p.consents[0].proof.source, 'api');
  assert.match(p.consents[0].proof.time, ISO);
  assert.match(p.consents[0].updated_at, ISO);
});

test('GET /api/v1/profiles/{id}: a bad id is 400 naming id, an unknown one 404', async () => {
  for (const bad of ['abc', '0', '-3', '1.5', '12abc', '%20', '99999999999999999999999']) {
    expectError(await srv.api(`/api/v1/profiles/${bad}`), 400, 'id');
  }
  const err = expectError(await srv.api('/api/v1/profiles/987654321'), 404);
  assert.equal(err.code, 'not_found');
});

/* ---- identity search -------------------------------------------------------------- */

test('identity search pages with limit and cursor, filters by source, and normalises e-mail and phone', async () => {
  // A userId is an identity per source: the same one from five sources is five profiles.
  const shared = uid('shared');
  const sources = ['pos', 'app', 'erp', 'support', 'shop'];
  const ids = [];
  for (const s of sources) {
    const k = await createKey(srv.db, 'ingest', s);
    await ingestOk('/v1/identify', { userId: shared, traits: { firstName: s } }, k.key);
    ids.push((await srv.search('user_id', shared, `&source=${s}`))[0].id);
  }
  assert.equal(new Set(ids).size, 5);
  const q = `/api/v1/profiles?identity=${encodeURIComponent(`user_id:${shared}`)}`;

  const all = await srv.api(q);
  assert.equal(all.status, 200);
  assert.deepEqual(all.json.data.map((p) => p.id), [...ids].sort((a, b) => a - b));
  assert.equal(all.json.next_cursor, null);

  const seen = [];
  let cursor = null;
  let pages = 0;
  do {
    const r = await srv.api(`${q}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.data.length <= 2);
    seen.push(...r.json.data.map((p) => p.id));
    cursor = r.json.next_cursor;
    pages++;
    assert.ok(pages <= 3, 'three pages at most');
  } while (cursor !== null);
  assert.equal(pages, 3);
  assert.deepEqual(seen, [...ids].sort((a, b) => a - b));

  // An exact page boundary: no empty page after it.
  const five = await srv.api(`${q}&limit=5`);
  assert.equal(five.json.data.length, 5);
  assert.equal(five.json.next_cursor, null);

  // Each result is the full profile view.
  const one = await srv.search('user_id', shared, '&source=erp');
  assert.equal(one.length, 1);
  assert.equal(one[0].first_name, 'Erp'); // cleaned: an all-lower-case name is capitalised
  assert.ok(Array.isArray(one[0].events) && Array.isArray(one[0].identities));

  // E-mail search ignores case; phone search ignores formatting.
  const u = uid('norm');
  await ingestOk('/v1/identify', { userId: u, traits: { email: `Mixed.Case.${u}@Example.BE`, phone: '+44 20 7946 0958' } });
  const pid = (await srv.profileBy('user_id', u)).id;
  assert.equal((await srv.profileBy('email', `mixed.case.${u}@example.be`)).id, pid);
  assert.equal((await srv.profileBy('email', `MIXED.CASE.${u}@EXAMPLE.BE`)).id, pid);
  assert.equal((await srv.profileBy('phone', '+442079460958')).id, pid);
  assert.equal((await srv.profileBy('phone', '+44 (20) 7946-0958')).id, pid);

  // Nothing found is an empty page, not an error.
  const none = await srv.api(`/api/v1/profiles?identity=${encodeURIComponent(`email:nobody-${u}@example.be`)}`);
  assert.equal(none.status, 200);
  assert.deepEqual(none.json, { data: [], next_cursor: null });
});

test('identity search: bad input is 400 naming the parameter', async () => {
  const cases = [
    ['/api/v1/profiles', 'identity'],
    ['/api/v1/profiles?identity=', 'identity'],
    ['/api/v1/profiles?identity=email', 'identity'],
    ['/api/v1/profiles?identity=email:', 'identity'],
    ['/api/v1/profiles?identity=:ann@example.be', 'identity'],
    ['/api/v1/profiles?identity=shoe_size:42', 'identity'],
    ['/api/v1/profiles?identity=EMAIL:ann@example.be', 'identity'],
    ['/api/v1/profiles?identity=email:a@b.c&limit=0', 'limit'],
    ['/api/v1/profiles?identity=email:a@b.c&limit=101', 'limit'],
    ['/api/v1/profiles?identity=email:a@b.c&limit=ten', 'limit'],
    ['/api/v1/profiles?identity=email:a@b.c&cursor=xyz', 'cursor'],
    ['/api/v1/profiles?identity=email:a@b.c&cursor=-4', 'cursor'],
  ];
  for (const [path, field] of cases) expectError(await srv.api(path), 400, field);
  // Every documented type is accepted.
  for (const t of ['email', 'phone', 'user_id', 'anonymous_id', 'loyalty_card', 'customer_number']) {
    const r = await srv.api(`/api/v1/profiles?identity=${t}:1234567`);
    assert.equal(r.status, 200, `${t}: ${r.text}`);
  }
});

/* ---- consents ----------------------------------------------------------------------- */

async function history(id, key) {
  const r = await srv.api(`/api/v1/profiles/${id}/consents/history`, { key });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

test('PUT a consent: the state changes and the ledger keeps every statement with its proof', async () => {
  const userId = uid('consent');
  await ingestOk('/v1/identify', { userId, traits: { email: `${userId}@example.be` } });
  const id = (await srv.profileBy('user_id', userId)).id;
  assert.deepEqual((await history(id)).data, []);

  const proof1 = { source: 'web form', wording: 'Yes, send me offers by e-mail', time: '2024-05-01T10:00:00.000Z', ip: '203.0.113.7' };
  const r1 = await srv.api(`/api/v1/profiles/${id}/consents/email`, { method: 'PUT', body: { status: 'opted_in', purpose: 'marketing', proof: proof1 } });
  assert.equal(r1.status, 200, r1.text);
  assert.deepEqual(r1.json, { profile_id: id, channel: 'email', purpose: 'marketing', status: 'opted_in', proof: proof1 });

  let p = await srv.profile(id);
  assert.deepEqual(p.consents.map(({ updated_at, ...c }) => c), [{ channel: 'email', purpose: 'marketing', status: 'opted_in', proof: proof1 }]);

  const proof2 = { source: 'call centre', wording: 'Customer asked to stop', time: '2024-06-01T09:00:00.000Z', ip: '198.51.100.1' };
  const r2 = await srv.api(`/api/v1/profiles/${id}/consents/email`, { method: 'PUT', body: { status: 'opted_out', purpose: 'marketing', proof: proof2 } });
  assert.equal(r2.status, 200, r2.text);
  // Another channel; proof without time is stamped now, without source it is "api".
  const before = Date.now();
  const r3 = await srv.api(`/api/v1/profiles/${id}/consents/sms`, { method: 'PUT', body: { status: 'opted_in' } });
  assert.equal(r3.status, 200, r3.text);
  assert.equal(r3.json.purpose, '');
  assert.equal(r3.json.proof.source, 'api');
  assert.ok(Math.abs(Date.parse(r3.json.proof.time) - before) < 60_000, r3.json.proof.time);

  p = await srv.profile(id);
  assert.deepEqual(
    p.consents.map((c) => [c.channel, c.purpose, c.status]),
    [['email', 'marketing', 'opted_out'], ['sms', '', 'opted_in']],
  );
  assert.deepEqual(p.consents[0].proof, proof2);

  const h = await history(id);
  assert.equal(h.profile_id, id);
  assert.deepEqual(
    h.data.map((x) => [x.channel, x.purpose, x.status, x.proof.source]),
    [['email', 'marketing', 'opted_in', 'web form'], ['email', 'marketing', 'opted_out', 'call centre'], ['sms', '', 'opted_in', 'api']],
  );
  assert.deepEqual(h.data[0].proof, proof1);
  assert.deepEqual(h.data[1].proof, proof2);
  const hid = h.data.map((x) => x.id);
  assert.deepEqual(hid, [...hid].sort((a, b) => a - b));
  for (const x of h.data) assert.match(x.recorded_at, ISO);

  // The proof keys may also sit beside status.
  const r4 = await srv.api(`/api/v1/profiles/${id}/consents/post`, { method: 'PUT', body: { status: 'opted_out', wording: 'No letters', source: 'letter' } });
  assert.equal(r4.status, 200, r4.text);
  assert.equal(r4.json.proof.wording, 'No letters');
  assert.equal(r4.json.proof.source, 'letter');
  assert.equal((await history(id)).data.length, 4);
});

test('PUT a consent: invalid input is 400 naming the field, an unknown profile 404; nothing is recorded', async () => {
  const userId = uid('badconsent');
  await ingestOk('/v1/track', { userId, event: 'Exists' });
  const id = (await srv.profileBy('user_id', userId)).id;
  const put = (channel, body, pid = id) => srv.api(`/api/v1/profiles/${pid}/consents/${channel}`, { method: 'PUT', body });
  expectError(await put('fax', { status: 'opted_in' }), 400, 'channel');
  expectError(await put('EMAIL', { status: 'opted_in' }), 400, 'channel');
  expectError(await put('email', { status: 'maybe' }), 400, 'status');
  expectError(await put('email', { status: 'OPTED_IN' }), 400, 'status');
  expectError(await put('email', { purpose: 'news' }), 400, 'status');
  expectError(await put('email', { status: true }), 400, 'status');
  expectError(await put('email', { status: 'opted_in', purpose: 7 }), 400, 'purpose');
  expectError(await put('email', { status: 'opted_in', proof: 'signed' }), 400, 'proof');
  expectError(await put('email', { status: 'opted_in', proof: { time: 'tomorrow' } }), 400, 'proof.time');
  expectError(await put('email', { status: 'opted_in', proof: { ip: 127001 } }), 400, 'proof.ip');
  expectError(await put('email', '{"status": "opted_in"'), 400, 'body');
  expectError(await put('email', '["opted_in"]'), 400, 'body');
  expectError(await put('email', ''), 400, 'body');
  expectError(await put('email', { status: 'opted_in' }, 'abc'), 400, 'id');
  expectError(await put('email', { status: 'opted_in' }, 0), 400, 'id');
  const nf = expectError(await put('email', { status: 'opted_in' }, 987654321), 404);
  assert.equal(nf.code, 'not_found');
  expectError(await srv.api('/api/v1/profiles/987654321/consents/history'), 404);
  expectError(await srv.api('/api/v1/profiles/abc/consents/history'), 400, 'id');
  assert.deepEqual((await history(id)).data, []);
  assert.deepEqual((await srv.profile(id)).consents, []);
});

test('consents follow a merge, and a merge never turns an opt-out into an opt-in', async () => {
  const put = (id, channel, status, time) =>
    srv.api(`/api/v1/profiles/${id}/consents/${channel}`, { method: 'PUT', body: { status, proof: { source: 'test', time } } });
  const survivorUser = uid('surv');
  const absorbedUser = uid('abs');
  await ingestOk('/v1/track', { userId: survivorUser, event: 'A' });
  await ingestOk('/v1/track', { userId: absorbedUser, event: 'B' });
  const s = (await srv.profileBy('user_id', survivorUser)).id;
  const a = (await srv.profileBy('user_id', absorbedUser)).id;
  // email: survivor opted in earlier, absorbed opted out later -> opted out.
  assert.equal((await put(s, 'email', 'opted_in', '2024-01-01T00:00:00.000Z')).status, 200);
  assert.equal((await put(a, 'email', 'opted_out', '2024-02-01T00:00:00.000Z')).status, 200);
  // sms: survivor opted out later, absorbed opted in earlier -> stays opted out.
  assert.equal((await put(s, 'sms', 'opted_out', '2024-03-01T00:00:00.000Z')).status, 200);
  assert.equal((await put(a, 'sms', 'opted_in', '2024-01-15T00:00:00.000Z')).status, 200);
  // push: only the absorbed profile has one -> carried over.
  assert.equal((await put(a, 'push', 'opted_in', '2024-01-20T00:00:00.000Z')).status, 200);

  await ingestOk('/v1/alias', { userId: survivorUser, previousId: absorbedUser });
  const p = await srv.profile(s);
  assert.deepEqual(
    p.consents.map((c) => [c.channel, c.status]),
    [['email', 'opted_out'], ['push', 'opted_in'], ['sms', 'opted_out']],
  );
  // The absorbed id still answers, with the survivor's ledger; writes through it reach the survivor.
  const h = await history(a);
  assert.equal(h.profile_id, s);
  assert.ok(h.data.length >= 5, JSON.stringify(h.data));
  const r = await put(a, 'post', 'opted_in', '2024-04-01T00:00:00.000Z');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.profile_id, s);
  assert.ok((await srv.profile(s)).consents.some((c) => c.channel === 'post' && c.status === 'opted_in'));
});

/* ---- who may call what ---------------------------------------------------------------- */

test('the management API takes an admin or marketer key as Bearer; a write key is refused everywhere', async () => {
  const userId = uid('roles');
  await ingestOk('/v1/identify', { userId, traits: { email: `${userId}@example.be` } });
  const id = (await srv.profileBy('user_id', userId)).id;
  const endpoints = [
    ['GET', `/api/v1/profiles/${id}`],
    ['GET', `/api/v1/profiles?identity=user_id:${userId}`],
    ['PUT', `/api/v1/profiles/${id}/consents/email`, { status: 'opted_in', proof: { source: 'role test' } }],
    ['GET', `/api/v1/profiles/${id}/consents/history`],
    ['GET', '/api/v1/quarantine'],
  ];
  const revoked = await createKey(srv.db, 'marketer');
  await revokeKey(srv.db, revoked.id);
  const writeKey = srv.ws.writeKey;

  for (const [method, path, body] of endpoints) {
    const call = (headers) => srv.request(method, path, { body: body && JSON.stringify(body), headers });
    const what = `${method} ${path}`;
    // A write key: refused whichever way it is presented.
    for (const h of [{ authorization: `Bearer ${writeKey}` }, { authorization: basic(writeKey) }]) {
      const r = await call(h);
      assert.ok(r.status === 401 || r.status === 403, `${what} with a write key: ${r.status}`);
      assert.ok(r.json?.error?.code, r.text);
    }
    expectError(await call({ authorization: `Bearer ${writeKey}` }), 403, 'Authorization');
    expectError(await call({}), 401, 'Authorization');
    expectError(await call({ authorization: basic(srv.ws.adminKey) }), 401);
    expectError(await call({ authorization: 'Bearer' }), 401);
    expectError(await call({ authorization: 'Bearer rk_000000000000_nope' }), 401);
    expectError(await call({ authorization: `Bearer ${srv.ws.adminKey}x` }), 401);
    expectError(await call({ authorization: `Bearer ${revoked.key}` }), 401);
  }
  // None of the refused PUTs was recorded.
  assert.deepEqual((await history(id)).data, []);

  for (const key of [marketer.key, srv.ws.adminKey]) {
    for (const [method, path, body] of endpoints) {
      const r = await srv.api(path, { method, body, key });
      assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
    }
  }
  const p = await srv.profile(id, marketer.key);
  assert.equal(p.id, id);
  assert.equal(p.consents[0].proof.source, 'role test');
  assert.equal((await history(id, marketer.key)).data.length, 2);
});

/* ---- restart ---------------------------------------------------------------------------- */

test('erasure: DELETE /api/v1/profiles/{id} (admin only) forgets the person and keeps the id; again is harmless', async () => {
  const userId = uid('forget-me');
  await ingestOk('/v1/identify', { userId, traits: { email: `${userId}@example.be`, firstName: 'Greta' }, messageId: uid('m') });
  await ingestOk('/v1/track', { userId, event: 'Page Viewed', messageId: uid('m') });
  const p = await srv.profileBy('user_id', userId);
  expectError(await srv.api(`/api/v1/profiles/${p.id}`, { method: 'DELETE', key: marketer.key }), 403);
  const d = await srv.api(`/api/v1/profiles/${p.id}`, { method: 'DELETE' });
  assert.equal(d.status, 200, d.text);
  assert.deepEqual(d.json, { id: p.id, erased: true });
  const v = await srv.api(`/api/v1/profiles/${p.id}`);
  assert.equal(v.status, 200, v.text);
  assert.match(v.json.erased_at, ISO);
  for (const f of GOLDEN) assert.ok(v.json[f] === undefined || v.json[f] === null, `${f} is gone`);
  assert.deepEqual(v.json.identities, []);
  assert.deepEqual(v.json.events, []);
  assert.deepEqual(v.json.raw_records, {});
  const s = await srv.api(`/api/v1/profiles?identity=${encodeURIComponent(`user_id:${userId}`)}`);
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.data.length, 0, 'the identity no longer finds anyone');
  assert.equal((await srv.api(`/api/v1/profiles/${p.id}`, { method: 'DELETE' })).status, 200);
  expectError(await srv.api('/api/v1/profiles/999999999', { method: 'DELETE' }), 404, 'id');
});

test('after a clean restart on the same database everything written is still there', async () => {
  // Everything the API can show, before.
  const snapshot = async () => {
    const views = [];
    for (let id = 1; ; id++) {
      const r = await srv.api(`/api/v1/profiles/${id}`);
      if (r.status === 404) break;
      assert.equal(r.status, 200, r.text);
      views.push(r.json);
      views.push((await history(id)).data);
    }
    const q = await srv.api('/api/v1/quarantine?limit=500');
    return { views, quarantine: q.json };
  };
  const userId = uid('restart');
  await ingestOk('/v1/identify', { userId, traits: { firstName: 'Persist', email: `${userId}@example.be` } });
  await ingestOk('/v1/track', { userId, event: 'Order Completed', properties: { order_id: userId, total: 9.99, products: [{ sku: 'z', price: 9.99 }] } });
  await srv.ingest('/v1/track', { userId }); // quarantined
  const before = await snapshot();
  assert.ok(before.views.length > 20, `a workspace with data (${before.views.length / 2} profiles)`);
  assert.ok(before.quarantine.data.length >= 1);

  const stopped = await srv.stop();
  assert.deepEqual(stopped, { code: 0, signal: null }, srv.dump());
  await srv.restart();

  const after = await snapshot();
  assert.deepEqual(after, before);

  // Keys too: the write key writes, the marketer reads, the revoked key stays revoked.
  await ingestOk('/v1/track', { userId, event: 'After Restart' });
  const p = await srv.profile((await srv.profileBy('user_id', userId)).id, marketer.key);
  assert.ok(p.events.some((e) => e.name === 'After Restart'));
  assert.equal(p.orders[0].lines[0].price, 9.99);

  assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.dump());
});
