// sdk.test.mjs — the real Segment client, @segment/analytics-node, pointed at
// rondo with `host`: what it sends must be stored as a Segment user expects,
// with no change on the client side but the host and the write key.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Analytics } from '@segment/analytics-node';
import { useServer, uid } from './harness.mjs';

const ctx = useServer();
let srv;
before(async () => {
  await ctx.init();
  srv = ctx.server;
});

/** A client that records what it sent and how rondo answered. */
function client(writeKey, settings = {}) {
  const analytics = new Analytics({ writeKey, host: srv.url, maxRetries: 1, flushInterval: 60_000, ...settings });
  const rec = { requests: [], responses: [], errors: [] };
  analytics.on('http_request', (r) => rec.requests.push(r));
  analytics.on('http_response', (r) => rec.responses.push(r));
  analytics.on('error', (e) => rec.errors.push(e));
  return { analytics, rec };
}

test('@segment/analytics-node: identify, track, page, group and Order Completed land in the profile', { timeout: 120_000 }, async () => {
  const userId = uid('sdk');
  const anonymousId = uid('sdk-anon');
  const orderId = uid('sdk-order');
  const { analytics, rec } = client(srv.ws.writeKey, { flushAt: 3 });

  analytics.identify({
    userId,
    anonymousId,
    traits: {
      email: `Grace.${userId}@Example.BE`,
      firstName: 'Grace',
      lastName: 'Hopper',
      phone: '+1 202 555 0143',
      birthday: '1906-12-09',
      address: { street: '1 Navy Yard', city: 'Arlington', postalCode: '22202', country: 'US', state: 'VA' },
      plan: 'enterprise',
    },
  });
  analytics.track({ userId, event: 'Product Added', properties: { product_id: 'cobol-1', name: 'Compiler', price: 99.5, quantity: 1 } });
  analytics.page({ userId, category: 'Docs', name: 'Getting Started', properties: { path: '/docs/start' } });
  analytics.group({ userId, groupId: 'navy', traits: { name: 'US Navy' } });
  analytics.track({
    userId,
    event: 'Order Completed',
    timestamp: new Date('2024-09-09T15:45:00.000Z'),
    properties: {
      order_id: orderId,
      total: 229.49,
      revenue: 210,
      currency: 'USD',
      products: [
        { product_id: 'cobol-1', sku: 'CBL-1', name: 'Compiler', category: 'Software', price: 99.5, quantity: 2 },
        { product_id: 'manual', sku: 'MAN-1', name: 'Manual', category: 'Books', price: 30.49, quantity: 1 },
      ],
    },
  });
  await analytics.closeAndFlush({ timeout: 60_000 });

  assert.deepEqual(rec.errors, [], 'the SDK reported no delivery error');
  assert.ok(rec.requests.length >= 2, `flushAt 3 makes at least two batches (${rec.requests.length})`);
  for (const r of rec.requests) assert.equal(new URL(r.url).pathname, '/v1/batch');
  assert.deepEqual(rec.responses.map((r) => r.status), rec.requests.map(() => 200));
  const sent = rec.requests.flatMap((r) => JSON.parse(r.body).batch);
  assert.equal(sent.length, 5);
  const messageIds = sent.map((m) => m.messageId);
  assert.ok(messageIds.every((m) => typeof m === 'string' && m.length > 0), 'the SDK sets messageIds');

  const p = await srv.profileBy('user_id', userId);
  assert.equal((await srv.profileBy('anonymous_id', anonymousId)).id, p.id);
  assert.equal(p.first_name, 'Grace');
  assert.equal(p.last_name, 'Hopper');
  assert.equal(p.email, `Grace.${userId}@example.be`); // cleaned: the domain lower-cased
  assert.equal(p.birth_date, '1906-12-09');
  assert.equal(p.street, '1 Navy Yard');
  assert.equal(p.city, 'Arlington');
  assert.equal(p.postal_code, '22202');
  assert.equal(p.country, 'US');
  assert.equal(p.attributes.plan, 'enterprise');
  assert.equal((await srv.profileBy('email', `grace.${userId}@example.be`)).id, p.id);
  assert.equal((await srv.profileBy('phone', '+12025550143')).id, p.id);

  // Every message the SDK sent is stored once, under its messageId.
  assert.deepEqual(p.events.map((e) => e.message_id).sort(), [...messageIds].sort());
  assert.deepEqual(p.events.map((e) => e.type).sort(), ['group', 'identify', 'page', 'track', 'track']);
  assert.equal(p.events.find((e) => e.type === 'page').name, 'Getting Started');
  assert.equal(p.raw_records.default.length, 1);
  assert.equal(p.raw_records.default[0].payload.traits.firstName, 'Grace');
  assert.equal(p.raw_records.default[0].payload.context.library.name, '@segment/analytics-node');

  // The order and its lines.
  assert.equal(p.orders.length, 1);
  const o = p.orders[0];
  assert.equal(o.order_id, orderId);
  assert.equal(o.status, 'completed');
  assert.equal(o.currency, 'USD');
  assert.equal(o.total, 229.49);
  assert.equal(o.revenue, 210);
  assert.equal(o.ordered_at, '2024-09-09T15:45:00.000Z');
  assert.deepEqual(o.lines, [
    { product_id: 'cobol-1', sku: 'CBL-1', name: 'Compiler', category: 'Software', price: 99.5, quantity: 2 },
    { product_id: 'manual', sku: 'MAN-1', name: 'Manual', category: 'Books', price: 30.49, quantity: 1 },
  ]);
});

test('@segment/analytics-node: an alias joins the anonymous visitor to the user', { timeout: 120_000 }, async () => {
  const anonymousId = uid('visitor');
  const userId = uid('member');
  const { analytics, rec } = client(srv.ws.writeKey, { flushAt: 1 });
  analytics.track({ anonymousId, event: 'Viewed Pricing' });
  await analytics.flush();
  analytics.track({ userId, event: 'Signed Up' });
  await analytics.flush();
  analytics.alias({ userId, previousId: anonymousId });
  await analytics.closeAndFlush({ timeout: 60_000 });
  assert.deepEqual(rec.errors, []);
  assert.ok(rec.responses.length >= 3 && rec.responses.every((r) => r.status === 200));
  const p = await srv.profileBy('user_id', userId);
  assert.equal((await srv.profileBy('anonymous_id', anonymousId)).id, p.id);
  assert.deepEqual(p.events.map((e) => e.name ?? e.type).sort(), ['Signed Up', 'Viewed Pricing', 'alias']);
});

test('@segment/analytics-node with a wrong write key: rondo says 401, the SDK reports the failure, nothing is stored', { timeout: 120_000 }, async () => {
  const userId = uid('nokey');
  const { analytics, rec } = client('rk_000000000000_wrongwrongwrongwrongwrongwrongwrongwrong0', { flushAt: 1 });
  analytics.track({ userId, event: 'Not Allowed' });
  await analytics.closeAndFlush({ timeout: 60_000 });
  assert.ok(rec.responses.length >= 1);
  assert.ok(rec.responses.every((r) => r.status === 401), JSON.stringify(rec.responses.map((r) => r.status)));
  assert.ok(rec.errors.length >= 1, 'the SDK emits an error for the undelivered batch');
  assert.deepEqual(await srv.search('user_id', userId), []);
});

test('the server stops cleanly afterwards', async () => {
  assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.dump());
});
