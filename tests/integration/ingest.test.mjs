// ingest.test.mjs — the Segment-compatible ingestion API (/v1/*) against a
// real server: what each call stores (checked through the management API),
// identity resolution, deduplication, e-commerce and consent events, and
// every error path with its status and the field it names.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, createKey, revokeKey, uid, metric, basic, HOST } from './harness.mjs';

const ctx = useServer();
let srv;
before(async () => {
  await ctx.init();
  srv = ctx.server;
});

/** Assert an error reply: status, {"error":{"code","message","field"}}. */
function expectError(r, status, { field, code } = {}) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  const err = r.json?.error;
  assert.ok(err && typeof err === 'object', `no error object in ${r.text}`);
  assert.equal(typeof err.code, 'string');
  assert.ok(err.code.length > 0);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0);
  if (code) assert.equal(err.code, code, r.text);
  if (field !== undefined) assert.equal(err.field, field, r.text);
  return err;
}

function expectStored(r, { accepted = 1, duplicates = 0, quarantined = 0 } = {}) {
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.success, true, r.text);
  assert.equal(r.json.accepted, accepted, r.text);
  assert.equal(r.json.duplicates, duplicates, r.text);
  assert.equal(r.json.quarantined, quarantined, r.text);
}

const byType = (p, type) => p.identities.filter((i) => i.type === type);
const eventNames = (p) => p.events.map((e) => e.name);

/* ---- what each call stores ---------------------------------------------------- */

test('identify: traits land in golden fields, custom attributes and identities', async () => {
  const userId = uid('ann');
  const anonymousId = uid('anon');
  const messageId = uid('msg');
  const email = `Ann.Dupre+${userId}@Example.BE`;
  const msg = {
    userId,
    anonymousId,
    messageId,
    traits: {
      firstName: 'Ann',
      lastName: 'Dupré',
      birthday: '1985-03-14',
      email,
      phone: '+33 6 12 34 56 01',
      address: { street: '12 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' },
      plan: 'gold',
      loyalty_points: 120,
      preferences: { newsletter: true },
    },
  };
  const r = await srv.ingest('/v1/identify', msg);
  expectStored(r);
  assert.equal(r.headers.get('access-control-allow-origin'), '*');

  const p = await srv.profileBy('user_id', userId);
  assert.equal(p.first_name, 'Ann');
  assert.equal(p.last_name, 'Dupré');
  assert.equal(p.birth_date, '1985-03-14');
  assert.equal(p.email, `Ann.Dupre+${userId}@example.be`); // cleaned: the domain lower-cased
  assert.equal(p.phone, '+33612345601'); // cleaned to E.164
  assert.equal(p.street, '12 rue de la Paix');
  assert.equal(p.city, 'Paris');
  assert.equal(p.postal_code, '75002');
  assert.equal(p.country, 'FR');
  assert.equal(p.merged_into, null);
  assert.equal(p.source, 'default');
  assert.deepEqual(p.attributes, { plan: 'gold', loyalty_points: 120, preferences: { newsletter: true } });

  assert.deepEqual(byType(p, 'user_id').map((i) => [i.value, i.source]), [[userId, 'default']]);
  assert.deepEqual(byType(p, 'anonymous_id').map((i) => i.value), [anonymousId]);
  assert.deepEqual(byType(p, 'email').map((i) => i.value), [email.toLowerCase()]);
  assert.deepEqual(byType(p, 'phone').map((i) => i.value), ['+33612345601']);

  // The identities find the profile, whatever the case or formatting of the query.
  assert.equal((await srv.profileBy('email', email.toUpperCase())).id, p.id);
  assert.equal((await srv.profileBy('phone', '+33 (6) 12-34-56-01')).id, p.id);
  assert.equal((await srv.profileBy('anonymous_id', anonymousId)).id, p.id);

  // The raw record is kept unchanged, under its source.
  assert.deepEqual(Object.keys(p.raw_records), ['default']);
  const [raw] = p.raw_records.default;
  assert.equal(p.raw_records.default.length, 1);
  assert.equal(raw.kind, 'identify');
  assert.equal(raw.external_id, userId);
  assert.equal(raw.message_id, messageId);
  assert.deepEqual(raw.payload, msg);

  // And the call is in the event history, with its traits.
  assert.equal(p.events.length, 1);
  assert.equal(p.events[0].type, 'identify');
  assert.equal(p.events[0].message_id, messageId);
  assert.deepEqual(p.events[0].properties, msg.traits);
});

test('identify: snake_case traits, a full name split in two, later calls update the profile', async () => {
  const userId = uid('jl');
  expectStored(
    await srv.ingest('/v1/identify', {
      userId,
      traits: { name: 'Jean Luc Martin', address: { postal_code: '69001', city: 'Lyon', house_number: '4b' }, tier: 'silver' },
    }),
  );
  let p = await srv.profileBy('user_id', userId);
  assert.equal(p.first_name, 'Jean Luc');
  assert.equal(p.last_name, 'Martin');
  assert.equal(p.postal_code, '69001');
  assert.equal(p.house_number, '4B');

  const other = uid('snake');
  // A birthday given as a local midnight stays that calendar day.
  expectStored(await srv.ingest('/v1/identify', { userId: other, traits: { first_name: 'Ola', last_name: 'Nordmann', birthday: '1990-05-17T00:00:00+02:00' } }));
  const q = await srv.profileBy('user_id', other);
  assert.equal(q.first_name, 'Ola');
  assert.equal(q.last_name, 'Nordmann');
  assert.equal(q.birth_date, '1990-05-17');

  // A second identify changes what it names and keeps the rest.
  expectStored(await srv.ingest('/v1/identify', { userId, traits: { address: { city: 'Villeurbanne' }, points: 7 } }));
  p = await srv.profileBy('user_id', userId);
  assert.equal(p.city, 'Villeurbanne');
  assert.equal(p.first_name, 'Jean Luc');
  assert.equal(p.postal_code, '69001');
  assert.deepEqual(p.attributes, { tier: 'silver', points: 7 });
  assert.equal(p.raw_records.default.length, 2);

  // A custom trait set to null is removed.
  expectStored(await srv.ingest('/v1/identify', { userId, traits: { tier: null, points: 8 } }));
  p = await srv.profileBy('user_id', userId);
  assert.deepEqual(p.attributes, { points: 8 });
  assert.equal(p.raw_records.default.length, 3);
});

test('raw records are kept per source', async () => {
  const crm = await createKey(srv.db, 'ingest', 'crm');
  const anonymousId = uid('anon');
  const userId = uid('multi');
  const webMsg = { userId, anonymousId, traits: { email: `${userId}@example.be`, address: { city: 'Ghent' } } };
  const crmMsg = { anonymousId, traits: { loyaltyTier: 'gold', lastName: 'Peeters' } };
  expectStored(await srv.ingest('/v1/identify', webMsg));
  expectStored(await srv.ingest('/v1/identify', crmMsg, { key: crm.key }));

  const p = await srv.profileBy('anonymous_id', anonymousId);
  assert.equal((await srv.profileBy('user_id', userId)).id, p.id);
  assert.deepEqual(Object.keys(p.raw_records).sort(), ['crm', 'default']);
  assert.equal(p.raw_records.crm.length, 1);
  assert.equal(p.raw_records.default.length, 1);
  assert.deepEqual(p.raw_records.crm[0].payload, crmMsg);
  assert.equal(p.raw_records.crm[0].source, 'crm');
  assert.deepEqual(p.raw_records.default[0].payload, webMsg);
  // The golden record draws on both.
  assert.equal(p.city, 'Ghent');
  assert.equal(p.last_name, 'Peeters');
  assert.equal(p.attributes.loyaltyTier, 'gold');
  // Each event keeps the source it came from.
  assert.deepEqual(p.events.map((e) => e.source).sort(), ['crm', 'default']);
});

/* ---- identity resolution ------------------------------------------------------- */

test('an identify that brings a userId for a known anonymousId keeps one profile', async () => {
  const anonymousId = uid('anon');
  const userId = uid('user');
  expectStored(await srv.ingest('/v1/track', { anonymousId, event: 'Product Viewed', properties: { sku: 'A1' } }));
  const anon = await srv.profileBy('anonymous_id', anonymousId);
  assert.equal(byType(anon, 'user_id').length, 0);

  expectStored(await srv.ingest('/v1/identify', { userId, anonymousId, traits: { firstName: 'Mia' } }));
  const p = await srv.profileBy('user_id', userId);
  assert.equal(p.id, anon.id);
  assert.equal((await srv.profileBy('anonymous_id', anonymousId)).id, p.id);
  assert.equal(p.first_name, 'Mia');
  assert.deepEqual(eventNames(p).sort(), [null, 'Product Viewed'].sort());

  // Later calls with only the userId land on the same profile.
  expectStored(await srv.ingest('/v1/track', { userId, event: 'Signed In' }));
  const again = await srv.profileBy('user_id', userId);
  assert.equal(again.id, p.id);
  assert.ok(eventNames(again).includes('Signed In'));
});

test('an anonymous profile that meets a known userId is merged into the user', async () => {
  const userId = uid('user');
  const anonymousId = uid('anon');
  expectStored(await srv.ingest('/v1/track', { userId, event: 'Signed Up' }));
  expectStored(await srv.ingest('/v1/track', { anonymousId, event: 'Browsed Anonymously' }));
  const user = await srv.profileBy('user_id', userId);
  const anon = await srv.profileBy('anonymous_id', anonymousId);
  assert.notEqual(user.id, anon.id);

  expectStored(await srv.ingest('/v1/identify', { userId, anonymousId }));
  const absorbed = await srv.profile(anon.id);
  assert.equal(absorbed.merged_into, user.id);
  const p = await srv.profile(user.id);
  assert.equal(p.merged_into, null);
  assert.ok(eventNames(p).includes('Signed Up'));
  assert.ok(eventNames(p).includes('Browsed Anonymously'));
  assert.equal((await srv.profileBy('anonymous_id', anonymousId)).id, user.id);
});

test('concurrent calls for one new user make one profile', async () => {
  const userId = uid('burst');
  const anonymousId = uid('burst-anon');
  const calls = Array.from({ length: 24 }, (_, i) =>
    i % 3 === 0
      ? srv.ingest('/v1/identify', { userId, anonymousId, traits: { firstName: 'Burst' } })
      : srv.ingest('/v1/track', { userId, event: 'Burst', properties: { i } }),
  );
  for (const r of await Promise.all(calls)) expectStored(r);
  const p = await srv.profileBy('user_id', userId);
  assert.equal((await srv.profileBy('anonymous_id', anonymousId)).id, p.id);
  assert.equal(p.events.length, 24);
  assert.equal(p.raw_records.default.length, 8);
});

test('an anonymousId already used by another user does not merge the two users', async () => {
  const device = uid('shared-device');
  const a = uid('user-a');
  const b = uid('user-b');
  expectStored(await srv.ingest('/v1/identify', { userId: a, anonymousId: device, traits: { firstName: 'Ada' } }));
  expectStored(await srv.ingest('/v1/identify', { userId: b, anonymousId: device, traits: { firstName: 'Bo' } }));
  const pa = await srv.profileBy('user_id', a);
  const pb = await srv.profileBy('user_id', b);
  assert.notEqual(pa.id, pb.id);
  assert.equal(pa.merged_into, null);
  assert.equal(pa.first_name, 'Ada');
  assert.equal(pb.first_name, 'Bo');
});

test('alias merges two existing profiles: the absorbed id points at the survivor, which has both histories', async () => {
  const prev = uid('prev');
  const user = uid('user');
  expectStored(await srv.ingest('/v1/identify', { userId: prev, traits: { firstName: 'Bob', email: `${prev}@example.be` } }));
  expectStored(await srv.ingest('/v1/track', { userId: prev, event: 'Old Habit' }));
  expectStored(
    await srv.ingest('/v1/track', {
      userId: prev,
      event: 'Order Completed',
      properties: { order_id: uid('ord'), total: 10, products: [{ product_id: 'x', price: 10 }] },
    }),
  );
  expectStored(await srv.ingest('/v1/identify', { userId: user, traits: { lastName: 'Stone', address: { city: 'Lyon' } } }));
  expectStored(await srv.ingest('/v1/track', { userId: user, event: 'New Habit' }));
  const pPrev = await srv.profileBy('user_id', prev);
  const pUser = await srv.profileBy('user_id', user);
  assert.notEqual(pPrev.id, pUser.id);

  const aliasMsg = { userId: user, previousId: prev, messageId: uid('alias') };
  expectStored(await srv.ingest('/v1/alias', aliasMsg));

  const gone = await srv.profile(pPrev.id);
  assert.equal(gone.merged_into, pUser.id);
  assert.equal(gone.profile?.id, pUser.id, 'the absorbed id shows the survivor');

  const p = await srv.profile(pUser.id);
  assert.equal(p.merged_into, null);
  for (const name of ['Old Habit', 'New Habit', 'Order Completed']) assert.ok(eventNames(p).includes(name), name);
  assert.ok(p.events.some((e) => e.type === 'alias' && e.message_id === aliasMsg.messageId));
  assert.deepEqual(byType(p, 'user_id').map((i) => i.value).sort(), [prev, user].sort());
  assert.deepEqual(byType(p, 'email').map((i) => i.value), [`${prev}@example.be`]);
  assert.equal(p.raw_records.default.length, 2);
  assert.equal(p.orders.length, 1);
  // Golden fields: the survivor's, completed by the absorbed profile's.
  assert.equal(p.first_name, 'Bob');
  assert.equal(p.last_name, 'Stone');
  assert.equal(p.city, 'Lyon');
  // Both ids now resolve to the survivor.
  assert.equal((await srv.profileBy('user_id', prev)).id, pUser.id);
  assert.equal((await srv.profileBy('email', `${prev}@example.be`)).id, pUser.id);
});

test('alias with an anonymous previousId merges the visitor into the user; an unknown one joins the user', async () => {
  const user = uid('user');
  const visitor = uid('anon');
  expectStored(await srv.ingest('/v1/track', { userId: user, event: 'Logged In' }));
  expectStored(await srv.ingest('/v1/page', { anonymousId: visitor, name: 'Landing' }));
  const pv = await srv.profileBy('anonymous_id', visitor);
  expectStored(await srv.ingest('/v1/alias', { userId: user, previousId: visitor }));
  const pu = await srv.profileBy('user_id', user);
  assert.equal((await srv.profile(pv.id)).merged_into, pu.id);
  assert.ok(pu.events.some((e) => e.type === 'page' && e.name === 'Landing'));

  // alias(previousId unknown, userId known): the old id (taken as an anonymousId, its usual
  // role) becomes the user's, so later calls from that device join the user.
  const oldId = uid('old');
  expectStored(await srv.ingest('/v1/alias', { userId: user, previousId: oldId }));
  expectStored(await srv.ingest('/v1/track', { anonymousId: oldId, event: 'Came Back' }));
  const p = await srv.profileBy('anonymous_id', oldId);
  assert.equal(p.id, pu.id);
  assert.ok(eventNames(p).includes('Came Back'));
});

/* ---- idempotency -------------------------------------------------------------- */

test('a messageId sent twice is stored once; the second reply says duplicates: 1', async () => {
  const userId = uid('dup');
  const messageId = uid('msg');
  const msg = { userId, messageId, event: 'Newsletter Opened', properties: { issue: 42 } };
  expectStored(await srv.ingest('/v1/track', msg));
  expectStored(await srv.ingest('/v1/track', msg), { accepted: 0, duplicates: 1 });
  // Even with a different body: the messageId decides.
  expectStored(await srv.ingest('/v1/track', { ...msg, event: 'Something Else' }), { accepted: 0, duplicates: 1 });
  let p = await srv.profileBy('user_id', userId);
  assert.deepEqual(
    p.events.map((e) => [e.message_id, e.name]),
    [[messageId, 'Newsletter Opened']],
  );

  // identify: the raw record is not added twice either.
  const idMsg = { userId, messageId: uid('msg'), traits: { firstName: 'Dee' } };
  expectStored(await srv.ingest('/v1/identify', idMsg));
  expectStored(await srv.ingest('/v1/identify', idMsg), { accepted: 0, duplicates: 1 });
  p = await srv.profileBy('user_id', userId);
  assert.equal(p.raw_records.default.length, 1);
  assert.equal(p.events.length, 2);

  // Inside one batch, and across a batch and a single call.
  const m2 = uid('msg');
  const r = await srv.ingest('/v1/batch', {
    batch: [
      { type: 'track', userId, messageId: m2, event: 'In Batch' },
      { type: 'track', userId, messageId: m2, event: 'In Batch' },
      { type: 'track', userId, messageId, event: 'Newsletter Opened' },
    ],
  });
  expectStored(r, { accepted: 1, duplicates: 2 });
  p = await srv.profileBy('user_id', userId);
  assert.equal(p.events.filter((e) => e.message_id === m2).length, 1);
  assert.equal(p.events.length, 3);
});

/* ---- page, screen, group, batch ----------------------------------------------------- */

test('page, screen and group calls are stored as events', async () => {
  const userId = uid('psg');
  const page = { userId, name: 'Pricing', properties: { url: 'https://shop.example/pricing', title: 'Pricing' } };
  const screen = { userId, name: 'Basket', properties: { items: 3 } };
  const group = { userId, groupId: 'acme-42', traits: { name: 'Acme', employees: 40 } };
  expectStored(await srv.ingest('/v1/page', page));
  expectStored(await srv.ingest('/v1/screen', screen));
  expectStored(await srv.ingest('/v1/group', group));
  const p = await srv.profileBy('user_id', userId);
  const find = (type) => p.events.find((e) => e.type === type);
  assert.equal(find('page').name, 'Pricing');
  assert.deepEqual(find('page').properties, page.properties);
  assert.equal(find('screen').name, 'Basket');
  assert.deepEqual(find('screen').properties, screen.properties);
  assert.equal(find('group').name, 'acme-42');
  assert.deepEqual(find('group').properties, group.traits);
  assert.equal(p.events.length, 3);
});

test('event time: timestamp as given, else originalTimestamp corrected by sentAt for the client clock', async () => {
  const userId = uid('time');
  const r = await srv.ingest('/v1/batch', {
    sentAt: '2001-01-01T00:10:00.000Z',
    batch: [
      { type: 'track', userId, event: 'Given', timestamp: '2023-04-05T06:07:08.009Z', originalTimestamp: '2001-01-01T00:00:00.000Z' },
      // The client clock is 10 minutes behind the batch's sentAt: it happened 10 minutes before receipt.
      { type: 'track', userId, event: 'Skewed', originalTimestamp: '2001-01-01T00:00:00.000Z' },
      // Its own sentAt wins over the batch's.
      { type: 'track', userId, event: 'Own SentAt', originalTimestamp: '2001-01-01T00:00:00.000Z', sentAt: '2001-01-01T02:00:00.000Z' },
      { type: 'track', userId, event: 'Offset', timestamp: '2023-04-05T08:07:08+02:00' },
      { type: 'track', userId, event: 'Now' },
    ],
  });
  const received = Date.now();
  expectStored(r, { accepted: 5 });
  const p = await srv.profileBy('user_id', userId);
  const at = (name) => Date.parse(p.events.find((e) => e.name === name).timestamp);
  assert.equal(at('Given'), Date.parse('2023-04-05T06:07:08.009Z'));
  assert.equal(at('Offset'), Date.parse('2023-04-05T06:07:08Z'));
  const near = (t, expected, what) => assert.ok(Math.abs(t - expected) < 60_000, `${what}: ${new Date(t).toISOString()}`);
  near(at('Skewed'), received - 10 * 60_000, 'skew-corrected');
  near(at('Own SentAt'), received - 120 * 60_000, 'own sentAt');
  near(at('Now'), received, 'no time given');
});

test('a batch stores each of its messages, of every type', async () => {
  const userId = uid('batch');
  const anonymousId = uid('anon');
  const ts = '2024-06-01T10:00:00.000Z';
  const r = await srv.ingest('/v1/batch', {
    batch: [
      { type: 'identify', userId, anonymousId, traits: { email: `${userId}@example.be`, firstName: 'Kim' } },
      { type: 'track', userId, event: 'Item Rated', properties: { stars: 5 }, timestamp: ts },
      { type: 'page', userId, name: 'Home' },
      { type: 'screen', anonymousId, name: 'Settings' },
      { type: 'group', userId, groupId: 'g-1' },
      { type: 'alias', userId, previousId: uid('old') },
    ],
    context: { library: { name: 'test' } },
  });
  expectStored(r, { accepted: 6 });
  const p = await srv.profileBy('user_id', userId);
  assert.equal(p.first_name, 'Kim');
  assert.deepEqual(p.events.map((e) => e.type).sort(), ['alias', 'group', 'identify', 'page', 'screen', 'track']);
  const rated = p.events.find((e) => e.name === 'Item Rated');
  assert.equal(rated.timestamp, ts);
  assert.deepEqual(rated.properties, { stars: 5 });
});

/* ---- e-commerce ---------------------------------------------------------------- */

test('Order Completed makes an order with lines; a repeated order_id replaces it; Order Refunded marks it refunded', async () => {
  const userId = uid('buyer');
  const orderId = uid('ord');
  expectStored(
    await srv.ingest('/v1/track', {
      userId,
      event: 'Order Completed',
      timestamp: '2024-05-02T09:30:00.000Z',
      properties: {
        order_id: orderId,
        currency: 'EUR',
        total: 59.97,
        revenue: 49.56,
        products: [
          { product_id: 'p-1', sku: 'MUG-RED', name: 'Red mug', category: 'Kitchen', price: 12.5, quantity: 2 },
          { product_id: 'p-2', sku: 'TEA-100', name: 'Green tea', category: 'Food', price: 34.97, quantity: 1 },
        ],
      },
    }),
  );
  let p = await srv.profileBy('user_id', userId);
  assert.equal(p.orders.length, 1);
  let o = p.orders[0];
  assert.equal(o.order_id, orderId);
  assert.equal(o.status, 'completed');
  assert.equal(o.currency, 'EUR');
  assert.equal(o.total, 59.97);
  assert.equal(o.revenue, 49.56);
  assert.equal(o.source, 'default');
  assert.equal(o.ordered_at, '2024-05-02T09:30:00.000Z');
  assert.deepEqual(o.lines, [
    { product_id: 'p-1', sku: 'MUG-RED', name: 'Red mug', category: 'Kitchen', price: 12.5, quantity: 2 },
    { product_id: 'p-2', sku: 'TEA-100', name: 'Green tea', category: 'Food', price: 34.97, quantity: 1 },
  ]);
  assert.ok(eventNames(p).includes('Order Completed'));

  // The same order again (a corrected one): replaced, not added.
  expectStored(
    await srv.ingest('/v1/track', {
      userId,
      event: 'Order Completed',
      properties: { order_id: orderId, currency: 'EUR', total: 30, products: [{ product_id: 'p-3', price: 10, quantity: 3 }] },
    }),
  );
  p = await srv.profileBy('user_id', userId);
  assert.equal(p.orders.length, 1);
  o = p.orders[0];
  assert.equal(o.total, 30);
  assert.equal(o.lines.length, 1);
  assert.equal(o.lines[0].product_id, 'p-3');
  assert.equal(o.lines[0].price, 10);
  assert.equal(o.lines[0].quantity, 3);

  // Without a total, the total is the sum of the lines; a numeric order_id is fine.
  const numericId = Math.floor(Math.random() * 1e9);
  expectStored(
    await srv.ingest('/v1/track', {
      userId,
      event: 'Order Completed',
      properties: { order_id: numericId, currency: 'USD', products: [{ sku: 'S', price: 4.5, quantity: 2 }, { sku: 'T', price: 19.99 }] },
    }),
  );
  p = await srv.profileBy('user_id', userId);
  assert.equal(p.orders.length, 2);
  const o2 = p.orders.find((x) => x.order_id === String(numericId));
  assert.ok(o2, JSON.stringify(p.orders));
  assert.equal(o2.total, 28.99);
  assert.equal(o2.currency, 'USD');
  assert.deepEqual(o2.lines.map((l) => [l.sku, l.price, l.quantity]), [['S', 4.5, 2], ['T', 19.99, 1]]);

  // Refund.
  expectStored(await srv.ingest('/v1/track', { userId, event: 'Order Refunded', properties: { order_id: orderId, revenue: 30 } }));
  p = await srv.profileBy('user_id', userId);
  assert.equal(p.orders.length, 2);
  o = p.orders.find((x) => x.order_id === orderId);
  assert.equal(o.status, 'refunded');
  assert.equal(o.refunded, 30);
  assert.equal(typeof o.refunded_at, 'string');
  assert.equal(o.lines.length, 1, 'a refund keeps the lines');
  assert.equal(p.orders.find((x) => x.order_id === String(numericId)).status, 'completed');

  // total defaults to revenue when only revenue is given.
  const revOnly = uid('ord');
  expectStored(
    await srv.ingest('/v1/track', {
      userId, event: 'Order Completed', properties: { order_id: revOnly, revenue: 42.1, products: [{ sku: 'R', price: 50 }] },
    }),
  );
  // A refund for an order rondo never saw is kept, as a refunded order.
  const unknown = uid('ord');
  expectStored(await srv.ingest('/v1/track', { userId, event: 'Order Refunded', properties: { order_id: unknown, total: 12.34 } }));
  p = await srv.profileBy('user_id', userId);
  assert.equal(p.orders.length, 4);
  const r = p.orders.find((x) => x.order_id === revOnly);
  assert.equal(r.total, 42.1);
  assert.equal(r.revenue, 42.1);
  const u = p.orders.find((x) => x.order_id === unknown);
  assert.equal(u.status, 'refunded');
  assert.equal(u.refunded, 12.34);
  assert.deepEqual(u.lines, []);
});

test('Product Added, Cart Viewed and Checkout Started are events with their products, not orders', async () => {
  const userId = uid('cart');
  const products = [
    { product_id: 'sku-9', name: 'Scarf', price: 25, quantity: 1 },
    { product_id: 'sku-10', name: 'Hat', price: 15.5, quantity: 2 },
  ];
  const calls = [
    { event: 'Product Added', properties: { cart_id: 'c-1', ...products[0] } },
    { event: 'Cart Viewed', properties: { cart_id: 'c-1', products } },
    { event: 'Checkout Started', properties: { order_id: uid('ord'), value: 56, currency: 'EUR', products } },
  ];
  for (const c of calls) expectStored(await srv.ingest('/v1/track', { userId, ...c }));
  const p = await srv.profileBy('user_id', userId);
  assert.equal(p.orders.length, 0);
  for (const c of calls) {
    const e = p.events.find((x) => x.name === c.event);
    assert.ok(e, c.event);
    assert.equal(e.type, 'track');
    assert.deepEqual(e.properties, c.properties);
  }
});

/* ---- consent --------------------------------------------------------------------- */

test('Consent Updated sets the consent state and appends to its history', async () => {
  const userId = uid('consent');
  expectStored(
    await srv.ingest('/v1/track', {
      userId,
      event: 'Consent Updated',
      timestamp: '2024-03-01T08:00:00.000Z',
      context: { ip: '198.51.100.23' },
      properties: {
        channel: 'email',
        status: 'opted_in',
        purpose: 'newsletter',
        source: 'signup form',
        wording: 'Send me the weekly newsletter',
      },
    }),
  );
  let p = await srv.profileBy('user_id', userId);
  assert.deepEqual(
    p.consents.map(({ updated_at, ...c }) => c),
    [
      {
        channel: 'email',
        purpose: 'newsletter',
        status: 'opted_in',
        proof: { source: 'signup form', wording: 'Send me the weekly newsletter', ip: '198.51.100.23', time: '2024-03-01T08:00:00.000Z' },
      },
    ],
  );

  // Opt-out later, proof in a proof object; no source given: the write key's source.
  expectStored(
    await srv.ingest('/v1/track', {
      userId,
      event: 'Consent Updated',
      properties: {
        channel: 'email',
        status: 'opted_out',
        purpose: 'newsletter',
        proof: { wording: 'Unsubscribe link', time: '2024-04-01T12:00:00.000Z', ip: '203.0.113.9' },
      },
    }),
  );
  // A second channel, without a purpose.
  expectStored(await srv.ingest('/v1/track', { userId, event: 'Consent Updated', properties: { channel: 'sms', status: 'opted_in' } }));
  p = await srv.profileBy('user_id', userId);
  const email = p.consents.find((c) => c.channel === 'email');
  assert.equal(email.status, 'opted_out');
  assert.deepEqual(email.proof, { source: 'default', wording: 'Unsubscribe link', ip: '203.0.113.9', time: '2024-04-01T12:00:00.000Z' });
  const sms = p.consents.find((c) => c.channel === 'sms');
  assert.equal(sms.status, 'opted_in');
  assert.equal(sms.purpose, '');
  assert.equal(p.consents.length, 2);

  const h = await srv.api(`/api/v1/profiles/${p.id}/consents/history`);
  assert.equal(h.status, 200, h.text);
  assert.equal(h.json.profile_id, p.id);
  assert.deepEqual(
    h.json.data.map((x) => [x.channel, x.purpose, x.status, x.proof.time]),
    [
      ['email', 'newsletter', 'opted_in', '2024-03-01T08:00:00.000Z'],
      ['email', 'newsletter', 'opted_out', '2024-04-01T12:00:00.000Z'],
      ['sms', '', 'opted_in', h.json.data[2]?.proof.time],
    ],
  );
  assert.equal(h.json.data[0].proof.wording, 'Send me the weekly newsletter');

  // Bad consent events are refused with the field, and change nothing.
  for (const [props, field] of [
    [{ channel: 'fax', status: 'opted_in' }, 'properties.channel'],
    [{ status: 'opted_in' }, 'properties.channel'],
    [{ channel: 'sms', status: 'maybe' }, 'properties.status'],
    [{ channel: 'sms' }, 'properties.status'],
    [{ channel: 'sms', status: 'opted_out', proof: { time: 'last week' } }, 'properties.proof.time'],
  ]) {
    expectError(await srv.ingest('/v1/track', { userId, event: 'Consent Updated', properties: props }), 400, { field, code: 'invalid' });
  }
  expectError(await srv.ingest('/v1/track', { userId, event: 'Consent Updated' }), 400, { field: 'properties' });
  const after = await srv.api(`/api/v1/profiles/${p.id}/consents/history`);
  assert.equal(after.json.data.length, 3);
});

/* ---- authentication -------------------------------------------------------------- */

test('ingestion needs a valid, unrevoked write key: 401 otherwise, 403 for other roles', async () => {
  const userId = uid('auth');
  const body = { userId, event: 'Should Not Be Stored' };
  const post = (headers) => srv.request('POST', '/v1/track', { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  const wk = srv.ws.writeKey;

  expectError(await post({}), 401, { field: 'Authorization', code: 'unauthorized' });
  const wrongSecret = wk.slice(0, -1) + (wk.endsWith('A') ? 'B' : 'A');
  expectError(await post({ authorization: basic(wrongSecret) }), 401, { code: 'unauthorized' });
  expectError(await post({ authorization: basic('rk_000000000000_' + 'x'.repeat(43)) }), 401, { code: 'unauthorized' });
  expectError(await post({ authorization: basic('not-a-key') }), 401);
  expectError(await post({ authorization: 'Basic !!!not base64!!!' }), 401);
  expectError(await post({ authorization: basic('') }), 401);
  expectError(await post({ authorization: `Bearer ${wk}` }), 401);
  // The key as password instead of user name is not the Segment convention.
  expectError(await post({ authorization: `Basic ${Buffer.from(`:${wk}`).toString('base64')}` }), 401);

  // Keys of other roles are known but may not ingest.
  expectError(await post({ authorization: basic(srv.ws.adminKey) }), 403, { field: 'Authorization', code: 'forbidden' });
  const marketer = await createKey(srv.db, 'marketer');
  expectError(await post({ authorization: basic(marketer.key) }), 403, { code: 'forbidden' });

  // A revoked key stops working at once, while the server runs.
  const temp = await createKey(srv.db, 'ingest', 'temp');
  expectStored(await srv.ingest('/v1/track', { userId: uid('ok'), event: 'Before Revoke' }, { key: temp.key }));
  await revokeKey(srv.db, temp.id);
  expectError(await srv.ingest('/v1/track', body, { key: temp.key }), 401, { code: 'unauthorized' });
  for (const path of ['/v1/identify', '/v1/batch']) {
    expectError(await srv.ingest(path, { userId, batch: [] }, { key: temp.key }), 401);
  }

  // None of this stored anything; the real write key still works.
  assert.deepEqual(await srv.search('user_id', userId), []);
  expectStored(await post({ authorization: basic(wk) }));
  assert.equal((await srv.search('user_id', userId)).length, 1);
});

/* ---- validation --------------------------------------------------------------------- */

async function quarantine(limit = 500) {
  const r = await srv.api(`/api/v1/quarantine?limit=${limit}`);
  assert.equal(r.status, 200, r.text);
  return r.json.data;
}

test('malformed JSON: 400 naming the body, and the input is kept in the quarantine as sent', async () => {
  const marker = uid('broken');
  const body = `{"userId": "${marker}", "event": "Half`;
  const r = await srv.ingest('/v1/track', body);
  const err = expectError(r, 400, { field: 'body', code: 'invalid' });
  assert.match(err.message, /JSON/);
  const q = (await quarantine()).filter((x) => (x.payload ?? '').includes(marker));
  assert.equal(q.length, 1);
  assert.equal(q[0].payload, body);
  assert.equal(q[0].kind, 'track');
  assert.equal(q[0].field, 'body');
  assert.equal(q[0].source, 'default');
  assert.equal(q[0].reason, err.message);

  // Not an object, empty, and not UTF-8.
  expectError(await srv.ingest('/v1/track', '[1,2]'), 400, { field: 'body' });
  expectError(await srv.ingest('/v1/identify', ''), 400, { field: 'body' });
  expectError(await srv.ingest('/v1/batch', 'null'), 400, { field: 'body' });
  const latin1 = Buffer.from(`{"userId":"${marker}-l1","event":"caf\xe9"}`, 'latin1');
  expectError(await srv.request('POST', '/v1/track', { body: latin1, headers: { authorization: basic(srv.ws.writeKey) } }), 400, { field: 'body' });
  const bin = (await quarantine()).find((x) => x.payload_base64 && Buffer.from(x.payload_base64, 'base64').equals(latin1));
  assert.ok(bin, 'input that is not UTF-8 is kept byte for byte (base64)');
});

test('missing identifiers and wrong types: 400 naming the field; nothing is stored, the message is quarantined', async () => {
  const cases = [
    ['/v1/track', (u) => ({ event: 'No Ids', properties: { marker: u } }), 'userId'],
    ['/v1/identify', (u) => ({ userId: '', anonymousId: '', traits: { marker: u } }), 'userId'],
    ['/v1/identify', (u) => ({ userId: u, traits: { email: 42 } }), 'traits.email'],
    ['/v1/identify', (u) => ({ userId: u, traits: { firstName: ['Ann'] } }), 'traits.firstName'],
    ['/v1/identify', (u) => ({ userId: u, traits: 'vip' }), 'traits'],
    ['/v1/identify', (u) => ({ userId: u, traits: { address: { city: 7 } } }), 'traits.address.city'],
    ['/v1/identify', (u) => ({ userId: u, traits: { address: 'Main street 1' } }), 'traits.address'],
    ['/v1/identify', (u) => ({ userId: { id: u } }), 'userId'],
    ['/v1/identify', (u) => ({ userId: u, anonymousId: true }), 'anonymousId'],
    ['/v1/track', (u) => ({ userId: u }), 'event'],
    ['/v1/track', (u) => ({ userId: u, event: '' }), 'event'],
    ['/v1/track', (u) => ({ userId: u, event: 12 }), 'event'],
    ['/v1/track', (u) => ({ userId: u, event: 'E', properties: [1] }), 'properties'],
    ['/v1/track', (u) => ({ userId: u, event: 'E', context: 'web' }), 'context'],
    ['/v1/track', (u) => ({ userId: u, event: 'E', timestamp: 'yesterday' }), 'timestamp'],
    ['/v1/track', (u) => ({ userId: u, event: 'E', messageId: 17 }), 'messageId'],
    ['/v1/track', (u) => ({ userId: u, event: 'E', messageId: 'm'.repeat(257) }), 'messageId'],
    ['/v1/track', (u) => ({ userId: u, event: 'Order Completed', properties: { total: 3 } }), 'properties.order_id'],
    ['/v1/track', (u) => ({ userId: u, event: 'Order Completed', properties: { order_id: 'o', products: {} } }), 'properties.products'],
    ['/v1/track', (u) => ({ userId: u, event: 'Order Completed', properties: { order_id: 'o', products: ['mug'] } }), 'properties.products[0]'],
    [
      '/v1/track',
      (u) => ({ userId: u, event: 'Order Completed', properties: { order_id: 'o', products: [{ price: 1 }, { price: '12.50' }] } }),
      'properties.products[1].price',
    ],
    ['/v1/track', (u) => ({ userId: u, event: 'Order Completed', properties: { order_id: 'o', total: 'ten' } }), 'properties.total'],
    [
      '/v1/track',
      (u) => ({ userId: u, event: 'Order Completed', properties: { order_id: 'o', products: [{ price: 2, quantity: 1.5 }] } }),
      'properties.products[0].quantity',
    ],
    [
      '/v1/track',
      (u) => ({ userId: u, event: 'Order Completed', properties: { order_id: 'o', products: [{ price: 2, quantity: -1 }] } }),
      'properties.products[0].quantity',
    ],
    ['/v1/page', (u) => ({ userId: u, name: 3 }), 'name'],
    ['/v1/screen', (u) => ({ userId: u, name: {} }), 'name'],
    ['/v1/group', (u) => ({ userId: u, traits: { name: 'Acme' } }), 'groupId'],
    ['/v1/group', (u) => ({ userId: u, groupId: [1] }), 'groupId'],
    ['/v1/alias', (u) => ({ userId: u }), 'previousId'],
    ['/v1/alias', (u) => ({ anonymousId: u, previousId: 'p' }), 'userId'],
  ];
  const before = (await quarantine()).length;
  for (const [path, make, field] of cases) {
    const u = uid('bad');
    const msg = make(u);
    const err = expectError(await srv.ingest(path, msg), 400, { field, code: 'invalid' });
    assert.equal(err.quarantined, true, `${path} ${JSON.stringify(msg)}`);
    assert.deepEqual(await srv.search('user_id', u), [], `${path} ${field}: nothing stored`);
  }
  const q = await quarantine();
  assert.equal(q.length - before, cases.length, 'each rejected message is in the quarantine');
  const last = q[0];
  assert.equal(last.kind, 'alias');
  assert.equal(last.field, 'userId');
});

test('size limits: 413 over 32 KB per call, 500 KB per batch, 2,500 events per batch', async () => {
  const u = uid('big');
  const pad = (n) => 'x'.repeat(n);
  // Bodies over the limit are sent with Expect: 100-continue. rondo refuses them from their
  // Content-Length and closes without reading them, so a client that sends the whole body at
  // once may get a reset instead of the 413 (a race: server.c has no lingering close).
  // Waiting for 100 Continue makes the answer certain.
  const tooBig = (path, body, opts) => srv.ingestExpectContinue(path, body, opts);

  // Just under the limit is fine.
  const fits = JSON.stringify({ userId: `${u}-fits`, event: 'Big', properties: { pad: pad(32 * 1024 - 200) } });
  assert.ok(fits.length <= 32 * 1024);
  expectStored(await srv.ingest('/v1/track', fits));

  for (const path of ['/v1/track', '/v1/identify', '/v1/page', '/v1/alias']) {
    const body = JSON.stringify({ userId: u, event: 'Big', traits: { pad: pad(33 * 1024) }, properties: { pad: pad(10) } });
    expectError(await tooBig(path, body), 413, { code: 'too_large', field: 'body' });
  }
  // The limits are inclusive: 32,768 bytes is fine, one more is not.
  const exactly = (n, userId) => {
    const base = JSON.stringify({ userId, event: 'Edge', properties: { pad: '' } });
    return JSON.stringify({ userId, event: 'Edge', properties: { pad: pad(n - base.length) } });
  };
  assert.equal(exactly(32768, `${u}-edge`).length, 32768);
  expectStored(await srv.ingest('/v1/track', exactly(32768, `${u}-edge`)));
  expectError(await tooBig('/v1/track', exactly(32769, u)), 413, { field: 'body' });

  // Checked before the key: an anonymous flood of large bodies is cut short too.
  expectError(await tooBig('/v1/track', JSON.stringify({ pad: pad(40 * 1024) }), { key: null }), 413);

  // A batch up to 500 KB is fine, over it is not.
  const item = (i, n = 0) => ({ type: 'track', userId: u, event: 'Batch Item', messageId: `${u}-${i}`, properties: { pad: pad(n) } });
  const big = { batch: Array.from({ length: 20 }, (_, i) => item(i, 26 * 1024)) };
  assert.ok(JSON.stringify(big).length > 500 * 1024);
  expectError(await tooBig('/v1/batch', big), 413, { code: 'too_large', field: 'body' });
  assert.deepEqual(await srv.search('user_id', u), []);

  // Exactly 500 KB (512,000 bytes) is accepted; one byte more is not.
  const batchOf = (total, tag) => {
    const items = Array.from({ length: 16 }, (_, i) => item(`${tag}${i}`, 30 * 1024));
    const base = JSON.stringify({ batch: items, pad: '' }).length;
    return JSON.stringify({ batch: items, pad: pad(total - base) });
  };
  assert.equal(batchOf(512000, 'x').length, 512000);
  expectError(await tooBig('/v1/batch', batchOf(512001, 'y')), 413, { field: 'body' });
  assert.deepEqual(await srv.search('user_id', u), []);
  expectStored(await srv.ingest('/v1/batch', batchOf(512000, 'x')), { accepted: 16 });

  // 2,501 events is too many even when small; 2,500 is accepted.
  const many = (n, prefix) => ({ batch: Array.from({ length: n }, (_, i) => ({ type: 'track', userId: u, event: 'E', messageId: `${prefix}-${i}` })) });
  const tooMany = many(2501, `${u}-a`);
  assert.ok(JSON.stringify(tooMany).length < 500 * 1024);
  expectError(await srv.ingest('/v1/batch', tooMany), 413, { code: 'too_large', field: 'batch' });
  let p = await srv.profileBy('user_id', u);
  assert.equal(p.events.length, 16, 'nothing of the refused batches was stored');
  expectStored(await srv.ingest('/v1/batch', many(2500, `${u}-b`)), { accepted: 2500 });
  p = await srv.profileBy('user_id', u);
  assert.equal(p.events.length, 100, 'the profile view shows the last 100 events');
  assert.ok(p.events.every((e) => e.message_id.startsWith(`${u}-b-`)));

  // One event over 32 KB inside a batch is quarantined; the others are stored.
  const mixed = { batch: [item('m0'), item('m1', 33 * 1024), item('m2')] };
  const r = await srv.ingest('/v1/batch', mixed);
  expectStored(r, { accepted: 2, quarantined: 1 });
  assert.equal(r.json.errors[0].field, 'batch[1]');
  assert.match(r.json.errors[0].message, /32768|limit/);
});

test('a batch with invalid items: 200 with counts, errors name batch[i].field, rejects are in the quarantine', async () => {
  const userId = uid('mixed');
  const marker = uid('marker');
  const items = [
    { type: 'track', userId, event: 'Good One', properties: { marker } },
    { type: 'track', userId, properties: { marker } },
    { type: 'identify', traits: { marker } },
    { type: 'track', userId, event: 'E', properties: marker },
    { type: 'teleport', userId, properties: { marker } },
    { userId, event: 'No Type', properties: { marker } },
    { type: 'identify', userId, traits: { email: 5, marker } },
    { type: 'page', userId, name: 'Good Page', properties: { marker } },
    `not a message ${marker}`,
    { type: 'track', userId, event: 'Order Completed', properties: { marker, order_id: 'o', products: [{ price: 1, quantity: 0.5 }] } },
  ];
  const r = await srv.ingest('/v1/batch', { batch: items });
  expectStored(r, { accepted: 2, quarantined: 8 });
  const fields = [
    'batch[1].event', 'batch[2].userId', 'batch[3].properties', 'batch[4].type', 'batch[5].type',
    'batch[6].traits.email', 'batch[8]', 'batch[9].properties.products[0].quantity',
  ];
  assert.deepEqual(r.json.errors.map((e) => e.field), fields);
  for (const e of r.json.errors) {
    assert.equal(e.code, 'invalid');
    assert.ok(e.message.length > 0);
  }
  const p = await srv.profileBy('user_id', userId);
  assert.deepEqual(eventNames(p).sort(), ['Good One', 'Good Page']);

  const q = (await quarantine()).filter((x) => (x.payload ?? '').includes(marker));
  assert.equal(q.length, 8);
  const byField = Object.fromEntries(q.map((x) => [x.field, x]));
  for (const field of fields) {
    const i = Number(/^batch\[(\d+)\]/.exec(field)[1]);
    const row = byField[field];
    assert.ok(row, `${field} in the quarantine`);
    assert.equal(row.kind, 'batch_item');
    assert.equal(row.source, 'default');
    assert.deepEqual(JSON.parse(row.payload), items[i], 'the item is kept as sent');
    assert.equal(typeof row.reason, 'string');
    assert.equal(typeof row.received_at, 'string');
  }

  // A batch that is not a batch.
  expectError(await srv.ingest('/v1/batch', { events: items }), 400, { field: 'batch' });
  expectError(await srv.ingest('/v1/batch', { batch: { 0: items[0] } }), 400, { field: 'batch' });
  // Its shared fields are checked once, for the whole batch.
  expectError(await srv.ingest('/v1/batch', { batch: [items[0]], sentAt: 'later' }), 400, { field: 'sentAt' });
  expectError(await srv.ingest('/v1/batch', { batch: [items[0]], context: 'web' }), 400, { field: 'context' });
  // An empty batch is a no-op.
  expectStored(await srv.ingest('/v1/batch', { batch: [] }), { accepted: 0 });
});

test('the quarantine is listed newest first, with a cursor', async () => {
  const all = await quarantine();
  assert.ok(all.length >= 4);
  const ids = all.map((x) => x.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
  const first = await srv.api('/api/v1/quarantine?limit=2');
  assert.equal(first.status, 200);
  assert.deepEqual(first.json.data.map((x) => x.id), ids.slice(0, 2));
  assert.equal(typeof first.json.next_cursor, 'string');
  const second = await srv.api(`/api/v1/quarantine?limit=2&cursor=${first.json.next_cursor}`);
  assert.deepEqual(second.json.data.map((x) => x.id), ids.slice(2, 4));
  const rest = await srv.api(`/api/v1/quarantine?limit=500&cursor=${ids[ids.length - 2]}`);
  assert.deepEqual(rest.json.data.map((x) => x.id), [ids[ids.length - 1]]);
  assert.equal(rest.json.next_cursor, null);
  // Following next_cursor page by page gives each row once, and stops without an empty page.
  const walked = [];
  let cursor = '';
  for (let pages = 0; ; pages++) {
    assert.ok(pages <= ids.length, 'the walk ends');
    const r = await srv.api(`/api/v1/quarantine?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.data.length > 0, 'no empty page');
    walked.push(...r.json.data.map((x) => x.id));
    if (r.json.next_cursor === null) break;
    cursor = r.json.next_cursor;
  }
  assert.deepEqual(walked, ids);
  const exact = await srv.api(`/api/v1/quarantine?limit=${ids.length}`);
  assert.equal(exact.json.data.length, ids.length);
  assert.equal(exact.json.next_cursor, null, 'a page that holds the rest has no next_cursor');
  expectError(await srv.api('/api/v1/quarantine?limit=0'), 400, { field: 'limit' });
  expectError(await srv.api('/api/v1/quarantine?limit=501'), 400, { field: 'limit' });
  expectError(await srv.api('/api/v1/quarantine?cursor=abc'), 400, { field: 'cursor' });
  expectError(await srv.api('/api/v1/quarantine', { key: srv.ws.writeKey }), 403);
});

/* ---- routes, health, metrics ---------------------------------------------------- */

test('unknown routes are 404 and wrong methods 405, both with a JSON error', async () => {
  for (const path of ['/v1/identity', '/v1/track/extra', '/v2/track', '/', '/api/v1/profile', '/api/v1/profiles/1/orders']) {
    expectError(await srv.ingest(path, { userId: 'x', event: 'e' }), 404, { code: 'not_found' });
  }
  expectError(await srv.request('GET', '/nope'), 404, { code: 'not_found' });
  for (const [method, path] of [['GET', '/v1/track'], ['PUT', '/v1/batch'], ['DELETE', '/v1/identify'], ['POST', '/healthz'], ['POST', '/metrics'], ['PATCH', '/api/v1/profiles/1'], ['POST', '/api/v1/quarantine']]) {
    const r = await srv.request(method, path, { headers: { authorization: basic(srv.ws.writeKey) } });
    expectError(r, 405, { code: 'method_not_allowed' });
    assert.ok(r.headers.get('allow'), `${method} ${path}: an Allow header`);
  }
});

test('/healthz answers without authentication', async () => {
  const r = await srv.request('GET', '/healthz');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ok' });
});

test('/metrics: requests by route and status, ingested events, commit durations, queue depth', async () => {
  const m0 = (await srv.request('GET', '/metrics')).text;
  const userId = uid('metrics');
  for (let i = 0; i < 3; i++) expectStored(await srv.ingest('/v1/track', { userId, event: 'Counted' }));
  expectStored(await srv.ingest('/v1/batch', { batch: [{ type: 'page', userId }, { type: 'page', userId }] }), { accepted: 2 });
  expectError(await srv.ingest('/v1/track', { userId }), 400);
  expectError(await srv.ingest('/v1/track', { userId, event: 'x' }, { key: null }), 401);
  const r = await srv.request('GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  const m1 = r.text;
  const delta = (name, labels) => metric(m1, name, labels) - metric(m0, name, labels);

  assert.match(m1, /^# TYPE rondo_http_requests_total counter$/m);
  assert.equal(delta('rondo_http_requests_total', { route: '/v1/track', status: '200' }), 3);
  assert.equal(delta('rondo_http_requests_total', { route: '/v1/track', status: '400' }), 1);
  assert.equal(delta('rondo_http_requests_total', { route: '/v1/track', status: '401' }), 1);
  assert.equal(delta('rondo_http_requests_total', { route: '/v1/batch', status: '200' }), 1);
  assert.ok(metric(m1, 'rondo_http_requests_total', { route: '/healthz', status: '200' }) >= 1);

  assert.match(m1, /^# TYPE rondo_events_ingested_total counter$/m);
  assert.equal(delta('rondo_events_ingested_total'), 5);
  assert.equal(delta('rondo_events_quarantined_total'), 1);

  assert.match(m1, /^# TYPE rondo_commit_duration_seconds histogram$/m);
  const count = metric(m1, 'rondo_commit_duration_seconds_count');
  assert.ok(count >= 5, `commit count ${count}`);
  assert.equal(metric(m1, 'rondo_commit_duration_seconds_bucket', { le: '+Inf' }), count);
  assert.ok(metric(m1, 'rondo_commit_duration_seconds_sum') > 0);
  const buckets = [...m1.matchAll(/^rondo_commit_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)].map((x) => Number(x[2]));
  assert.ok(buckets.length > 2);
  assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b), 'buckets are cumulative');

  assert.match(m1, /^# TYPE rondo_write_queue_depth gauge$/m);
  assert.equal(metric(m1, 'rondo_write_queue_depth'), 0, 'nothing waits for the writer when idle');
});

/* ---- known bugs: these run, and are reported as TODO until the code is fixed ---- */

test('a body over the limit sent chunked (no Content-Length) gets 413', async () => {
  const body = JSON.stringify({ userId: uid('chunked'), event: 'Big', properties: { pad: 'x'.repeat(40 * 1024) } });
  const stream = new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode(body));
      c.close();
    },
  });
  const res = await fetch(`${srv.url}/v1/track`, {
    method: 'POST',
    body: stream,
    duplex: 'half',
    headers: { authorization: basic(srv.ws.writeKey), 'content-type': 'application/json' },
  });
  assert.equal(res.status, 413);
});

test('a CORS preflight on /v1/* allows the browser to post', async () => {
  const r = await srv.request('OPTIONS', '/v1/track', {
    headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  assert.ok(r.status === 200 || r.status === 204);
  assert.ok(r.headers.get('access-control-allow-origin'));
  assert.match(r.headers.get('access-control-allow-headers') ?? '', /authorization/i);
  assert.match(r.headers.get('access-control-allow-methods') ?? '', /POST/);
});

test('a 405 names the methods the resource allows', async () => {
  const r = await srv.request('GET', '/v1/track');
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'POST');
  const q = await srv.request('PATCH', '/api/v1/profiles/1');
  assert.equal(q.headers.get('allow'), 'GET, DELETE');
});

test('a browser call (analytics.js: text/plain, writeKey in the body, no Authorization) is accepted', async () => {
  const userId = uid('browser');
  const r = await srv.request('POST', '/v1/t', {
    body: JSON.stringify({ type: 'track', userId, event: 'Clicked', writeKey: srv.ws.writeKey }),
    headers: { 'content-type': 'text/plain' },
  });
  const b = await srv.request('POST', '/v1/batch', {
    body: JSON.stringify({ batch: [{ type: 'track', userId, event: 'Clicked Again' }], writeKey: srv.ws.writeKey }),
    headers: { 'content-type': 'text/plain', origin: 'https://shop.example' },
  });
  assert.equal(b.status, 200, b.text);
  assert.equal(r.status, 200, r.text);
});

test('a 401 says how to authenticate (WWW-Authenticate)', async () => {
  const r = await srv.ingest('/v1/track', { userId: 'u', event: 'e' }, { key: null });
  assert.equal(r.status, 401);
  assert.match(r.headers.get('www-authenticate') ?? '', /^Basic/);
  const a = await srv.api('/api/v1/quarantine', { key: null });
  assert.match(a.headers.get('www-authenticate') ?? '', /^Bearer/);
});

/* ---- last: a clean stop ------------------------------------------------------------ */

test('SIGTERM stops the server cleanly with exit status 0', async () => {
  const r = await srv.stop();
  assert.deepEqual(r, { code: 0, signal: null }, srv.dump());
  assert.match(srv.log, /stopped cleanly/);
  await assert.rejects(fetch(`http://${HOST}:${srv.port}/healthz`));
});
