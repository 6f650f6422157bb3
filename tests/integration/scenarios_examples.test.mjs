// scenarios_examples.test.mjs — the starter library (examples/scenarios)
// end to end, as docs/scenarios.md describes each starter: every test makes
// a workspace, loads all 15 templates and all 8 scenarios with the CLI and
// activates them, starts `rondo serve --clock simulated=2026-03-02T08:00:00Z`
// and plays a few people through the ingestion API (identify and track with
// the write key of their source), the consents API and CSV imports. Time
// moves only by POST /api/v1/clock/advance, and each test asserts exactly
// which messages each person received, on which channel and when (the
// outbox: GET /api/v1/messages?profile_id=...), what they say, and how the
// person's run ended.
//
// Timing is exact to the millisecond:
// - the server runs with --scenario-interval 60000, so that no background
//   tick (every 250 ms of real time by default) takes an event at an
//   unknown moment: only the advances tick, and each test is over in a few
//   seconds;
// - after an ingest call, `settle()` advances the clock to where it is
//   ({"to": now}, which the API allows): the scheduler takes the event at
//   the moment it was sent, so "at once" means the same millisecond;
// - a message due at a time is awaited by advancing exactly to that time
//   (and to one second before, to see that it was not sent earlier): an
//   advance jumps, and a message is stamped with the tick that sent it.
//
// Every starter is loaded in every test, so a person also gets what the
// other starters send (an order is thanked by the order follow-up): the
// expected inboxes say so. The reactivation and ambassador tests compare
// only the scenario's own messages.
//
// The last three tests are regressions of bugs these tests found: the
// documented way to load the library on a new workspace, an e-mail written
// in another case linking a store record to the web profile, and events
// written before the server's first scenario tick.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { rondo, createWorkspace, createKey, Server, cleanupAfter, REPO } from './harness.mjs';

const START = '2026-03-02T08:00:00.000Z'; // a Monday
const T0 = Date.parse(START);
const S = 1000;
const H = 3_600_000;
const D = 24 * H;
const iso = (ms) => new Date(ms).toISOString();

const EXAMPLES = path.join(REPO, 'examples', 'scenarios');
const TEMPLATES = readdirSync(path.join(EXAMPLES, 'templates'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => path.join(EXAMPLES, 'templates', f));
const STARTERS = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => f.replace(/\.json$/, ''));

const ctx = { ws: null, server: null, servers: [] };
cleanupAfter(ctx);

/* ---- a shop: a workspace with the starter library, and its server ------------------------ */

/**
 * A new workspace with every starter template and scenario loaded and
 * active, write keys for `sources`, and a running server on the simulated
 * clock. prepare(ws) runs before the server starts (imports).
 * Resolves {srv, ws, keys, scenario: {welcome: id, ...}}.
 */
async function openShop(name, { sources = ['webshop'], prepare } = {}) {
  const ws = await createWorkspace();
  // Registered at once, so that the workspace is removed whatever fails.
  const srv = new Server(ws, { name, args: ['--clock', `simulated=${START}`, '--scenario-interval', '60000'] });
  ctx.servers.push(srv);
  await rondo(['template', 'put', '--db', ws.db, ...TEMPLATES]);
  const scenario = {};
  for (const s of STARTERS) {
    const { stdout } = await rondo(['scenario', 'create', '--db', ws.db, path.join(EXAMPLES, `${s}.json`)]);
    scenario[s] = Number(stdout.trim());
    assert.ok(scenario[s] > 0, `scenario create ${s}: ${stdout}`);
    await rondo(['scenario', 'activate', '--db', ws.db, String(scenario[s])]);
  }
  const keys = {};
  for (const src of sources) keys[src] = (await createKey(ws.db, 'ingest', src)).key;
  if (prepare) await prepare(ws);
  await srv.start();
  const shop = { srv, ws, keys, scenario };
  await settle(shop);
  assert.equal(await now(shop), T0);
  return shop;
}

async function closeShop(shop) {
  await shop.srv.stop();
}

async function api(shop, p, opts = {}, status = 200) {
  const r = await shop.srv.api(p, opts);
  assert.equal(r.status, status, `${opts.method ?? 'GET'} ${p}: ${r.text}`);
  return r.json;
}

async function now(shop) {
  return Date.parse((await api(shop, '/api/v1/clock')).now);
}

/** Move the simulated clock to ms (UTC); resolves once everything due then is done. */
async function advanceTo(shop, ms) {
  const r = await api(shop, '/api/v1/clock/advance', { method: 'POST', body: { to: iso(ms) } });
  assert.equal(r.now, iso(ms));
  return r.ticks;
}

/** Let the scheduler take what was just written, without moving the clock. */
async function settle(shop) {
  return advanceTo(shop, await now(shop));
}

/* ---- people ------------------------------------------------------------------------------ */

async function ingest(shop, source, kind, body) {
  const r = await shop.srv.ingest(`/v1/${kind}`, body, { key: shop.keys[source] });
  assert.equal(r.status, 200, `${kind} from ${source}: ${r.text}`);
  assert.equal(r.json.accepted, 1, r.text);
}

function identify(shop, source, userId, traits) {
  return ingest(shop, source, 'identify', { userId, traits });
}

function track(shop, source, userId, event, properties = {}, extra = {}) {
  return ingest(shop, source, 'track', { userId, event, properties, ...extra });
}

/** The live profiles holding identity TYPE:VALUE (of one source when given). */
async function search(shop, type, value, source) {
  const q = `identity=${encodeURIComponent(`${type}:${value}`)}${source ? `&source=${source}` : ''}`;
  return (await api(shop, `/api/v1/profiles?${q}`)).data;
}

async function consent(shop, id, channel) {
  const c = await api(shop, `/api/v1/profiles/${id}/consents/${channel}`, {
    method: 'PUT',
    body: { status: 'opted_in', proof: { source: 'signup-form', wording: `Yes, send me offers by ${channel}` } },
  });
  assert.equal(c.status, 'opted_in');
}

/** Identify userId from source with traits, give the opt-ins; resolves the profile id. */
async function person(shop, source, userId, traits, optIns = ['email']) {
  await identify(shop, source, userId, traits);
  const found = await search(shop, 'user_id', userId, source);
  assert.equal(found.length, 1, `one profile for ${source} user ${userId}`);
  for (const ch of optIns) await consent(shop, found[0].id, ch);
  return found[0].id;
}

/* ---- what people received ---------------------------------------------------------------- */

/** The profile's messages, oldest first (the outbox lists newest first). */
async function inbox(shop, id) {
  const data = (await api(shop, `/api/v1/messages?profile_id=${id}&limit=1000`)).data;
  for (const m of data) assert.equal(m.profile_id, id);
  return data.slice().sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
}

/**
 * Assert that profile id received exactly `expected`, oldest first:
 * [time (ms), channel, template] each, every one stored (sent to the
 * outbox); with `scenario`, only that scenario's messages are compared.
 * Resolves the messages by template name (the last of each).
 */
async function expectInbox(shop, id, expected, { scenario, what = `profile ${id}` } = {}) {
  let got = await inbox(shop, id);
  if (scenario !== undefined) got = got.filter((m) => m.scenario_id === scenario);
  assert.deepEqual(
    got.map((m) => `${m.created_at} ${m.channel} ${m.template} ${m.status}`),
    expected.map(([at, channel, template]) => `${iso(at)} ${channel} ${template} stored`),
    `the messages of ${what}`,
  );
  return Object.fromEntries(got.map((m) => [m.template, m]));
}

/** The profile's run of a scenario (its newest), with its ledger. */
async function runOf(shop, id, scenario) {
  const runs = (await api(shop, `/api/v1/profiles/${id}/runs`)).data.filter((r) => r.scenario_id === scenario);
  assert.ok(runs.length >= 1, `profile ${id} has a run of scenario ${scenario}`);
  return api(shop, `/api/v1/runs/${runs[0].id}`);
}

async function runsOf(shop, id, scenario) {
  return (await api(shop, `/api/v1/profiles/${id}/runs`)).data.filter((r) => r.scenario_id === scenario);
}

const steps = (run) => run.ledger.map((x) => `${x.node}:${x.outcome}`);

async function lifecycle(shop, id) {
  const v = await shop.srv.profile(id);
  return v.segments.find((s) => s.name === 'lifecycle')?.sub ?? null;
}

function order(orderId, products, extra = {}) {
  const total = products.reduce((s, p) => s + p.price * (p.quantity ?? 1), 0);
  return { order_id: orderId, total: Math.round(total * 100) / 100, currency: 'EUR', products, ...extra };
}

/* ---- 1. welcome series ------------------------------------------------------------------ */

test('welcome series: welcome-1 at the sign-up, welcome-2 two days later, welcome-3 five days after that, except for a person who ordered meanwhile', async () => {
  const shop = await openShop('welcome');
  const W = shop.scenario.welcome;
  const ann = await person(shop, 'webshop', 'w-ann', { email: 'ann.claes@telenet.be', firstName: 'Ann' });
  const bob = await person(shop, 'webshop', 'w-bob', { email: 'bob.maes@skynet.be', firstName: 'Bob' });
  await track(shop, 'webshop', 'w-ann', 'Signed Up');
  await track(shop, 'webshop', 'w-bob', 'Signed Up');
  await settle(shop);

  let m = await expectInbox(shop, ann, [[T0, 'email', 'welcome-1']]);
  assert.equal(m['welcome-1'].subject, 'Welcome, Ann');
  assert.equal(m['welcome-1'].address, 'ann.claes@telenet.be');
  assert.match(m['welcome-1'].html, /<h1>Welcome, Ann!<\/h1>/);
  assert.match(m['welcome-1'].body, /^Welcome, Ann!/);
  assert.equal(m['welcome-1'].scenario_id, W);
  await expectInbox(shop, bob, [[T0, 'email', 'welcome-1']]);
  let run = await runOf(shop, ann, W);
  assert.equal(run.state, 'waiting');
  assert.equal(run.node, 'two-days');
  assert.equal(run.wake_at, iso(T0 + 2 * D));

  // Bob buys on the first day: the order follow-up thanks him at once.
  await advanceTo(shop, T0 + D);
  await track(shop, 'webshop', 'w-bob', 'Order Completed', order('W-2001', [{ product_id: 'RJ-1', name: 'Rain jacket', price: 45, quantity: 1 }]));
  await settle(shop);
  await expectInbox(shop, bob, [[T0, 'email', 'welcome-1'], [T0 + D, 'email', 'order-thanks']]);

  await advanceTo(shop, T0 + 2 * D - S);
  await expectInbox(shop, ann, [[T0, 'email', 'welcome-1']]);
  await advanceTo(shop, T0 + 2 * D);
  m = await expectInbox(shop, ann, [[T0, 'email', 'welcome-1'], [T0 + 2 * D, 'email', 'welcome-2']]);
  assert.equal(m['welcome-2'].subject, 'How it works: delivery, returns and your points');
  assert.match(m['welcome-2'].body, /Hello Ann,/);

  await advanceTo(shop, T0 + 4 * D); // Bob's order survey, 3 days after his order
  await advanceTo(shop, T0 + 7 * D - S);
  await expectInbox(shop, ann, [[T0, 'email', 'welcome-1'], [T0 + 2 * D, 'email', 'welcome-2']]);
  await advanceTo(shop, T0 + 7 * D);
  m = await expectInbox(shop, ann, [
    [T0, 'email', 'welcome-1'], [T0 + 2 * D, 'email', 'welcome-2'], [T0 + 7 * D, 'email', 'welcome-3'],
  ]);
  assert.equal(m['welcome-3'].subject, '10% off your first order');
  assert.match(m['welcome-3'].html, /<b>HELLO10<\/b>/);
  assert.match(m['welcome-3'].body, /Hello Ann,/);
  await expectInbox(shop, bob, [
    [T0, 'email', 'welcome-1'], [T0 + D, 'email', 'order-thanks'],
    [T0 + 2 * D, 'email', 'welcome-2'], [T0 + 4 * D, 'email', 'order-survey'],
  ]);

  run = await runOf(shop, ann, W);
  assert.equal(run.state, 'done');
  assert.equal(run.outcome, 'completed');
  assert.deepEqual(steps(run), ['welcome:sent', 'two-days:passed', 'how-it-works:sent', 'five-days:passed', 'bought:no', 'first-order-offer:sent']);
  run = await runOf(shop, bob, W);
  assert.equal(run.state, 'done');
  assert.equal(run.outcome, 'bought');
  assert.equal(run.ended_at, iso(T0 + 7 * D));
  assert.deepEqual(steps(run), ['welcome:sent', 'two-days:passed', 'how-it-works:sent', 'five-days:passed', 'bought:yes', 'customer-already:end:bought']);
  await closeShop(shop);
});

/* ---- 2. abandoned basket: the cross-channel case ----------------------------------------- */

test('abandoned basket, across channels: a basket left on the web and bought in the store sends no reminder (converted); one left and not bought is reminded 4 hours later with the product', async () => {
  const shop = await openShop('basket', { sources: ['webshop', 'store'] });
  const B = shop.scenario.abandoned_basket;
  const ann = await person(shop, 'webshop', 'web-ann', { email: 'ann.wouters@telenet.be', firstName: 'Ann', lastName: 'Wouters' });
  const bob = await person(shop, 'webshop', 'web-bob', { email: 'bob.peeters@skynet.be', firstName: 'Bob' });

  await track(shop, 'webshop', 'web-ann', 'Product Added', { product_id: 'EM-1', name: 'Espresso machine', price: 199, quantity: 1 });
  await track(shop, 'webshop', 'web-bob', 'Product Added', { product_id: 'CG-7', name: 'Coffee grinder', price: 49.5, quantity: 1 });
  await settle(shop);
  for (const id of [ann, bob]) {
    const run = await runOf(shop, id, B);
    assert.equal(run.state, 'waiting');
    assert.equal(run.node, 'four-hours');
    assert.equal(run.entered_at, iso(T0));
    assert.equal(run.wake_at, iso(T0 + 4 * H));
  }

  // An hour later Ann is at the till with her loyalty card: the store's
  // system knows her by her card and her e-mail, and she buys the machine.
  await advanceTo(shop, T0 + H);
  await identify(shop, 'store', 'card-123', { email: 'ann.wouters@telenet.be', firstName: 'Ann', lastName: 'Wouters' });
  const byCard = await search(shop, 'user_id', 'card-123', 'store');
  assert.equal(byCard.length, 1, 'the card is one profile');
  assert.equal(byCard[0].id, ann, 'the card is linked to the web shop user at once');
  const byWeb = await search(shop, 'user_id', 'web-ann', 'webshop');
  assert.deepEqual(byWeb.map((p) => p.id), [ann]);
  assert.deepEqual(
    byCard[0].identities.filter((i) => i.type === 'user_id').map((i) => `${i.source}:${i.value}`).sort(),
    ['store:card-123', 'webshop:web-ann'],
  );
  await track(shop, 'store', 'card-123', 'Order Completed',
    order('S-9001', [{ product_id: 'EM-1', name: 'Espresso machine', price: 199, quantity: 1 }]));
  await settle(shop);
  const view = await shop.srv.profile(ann);
  assert.deepEqual(view.orders.map((o) => o.order_id), ['S-9001']);

  let run = await runOf(shop, ann, B);
  assert.equal(run.state, 'done');
  assert.equal(run.outcome, 'converted');
  assert.equal(run.ended_at, iso(T0 + H));
  assert.equal(run.messages.length, 0);

  await advanceTo(shop, T0 + 4 * H - S);
  await expectInbox(shop, bob, []);
  await advanceTo(shop, T0 + 4 * H);
  const m = await expectInbox(shop, bob, [[T0 + 4 * H, 'email', 'basket-reminder']]);
  assert.equal(m['basket-reminder'].subject, 'You left Coffee grinder in your basket');
  assert.equal(m['basket-reminder'].address, 'bob.peeters@skynet.be');
  assert.match(m['basket-reminder'].body, /Hello Bob,/);
  assert.match(m['basket-reminder'].body, /Coffee grinder \(€49\.50\) is still waiting for you\./);
  run = await runOf(shop, bob, B);
  assert.equal(run.outcome, 'completed');
  assert.deepEqual(steps(run), ['four-hours:passed', 'reminder:sent']);

  // Ann got no reminder: only the thanks for the store order.
  const a = await expectInbox(shop, ann, [[T0 + H, 'email', 'order-thanks']]);
  assert.match(a['order-thanks'].body, /S-9001/);
  await advanceTo(shop, T0 + D);
  await expectInbox(shop, ann, [], { scenario: B, what: 'Ann, from the basket scenario' });
  await expectInbox(shop, ann, [[T0 + H, 'email', 'order-thanks']]);
  await closeShop(shop);
});

/* ---- 3. order follow-up ------------------------------------------------------------------ */

test('order follow-up: thanks at the order, a survey 3 days later, the cross-sell at the answer or after 7 more days', async () => {
  const shop = await openShop('followup');
  const F = shop.scenario.order_followup;
  const ann = await person(shop, 'webshop', 'o-ann', { email: 'ann.desmet@telenet.be', firstName: 'Ann' });
  const bob = await person(shop, 'webshop', 'o-bob', { email: 'bob.dewit@skynet.be', firstName: 'Bob' });
  await track(shop, 'webshop', 'o-ann', 'Order Completed',
    order('W-3001', [{ product_id: 'GH-20', name: 'Garden hose', price: 29.95, quantity: 2 }]));
  await track(shop, 'webshop', 'o-bob', 'Order Completed',
    order('W-3002', [{ product_id: 'WC-5', name: 'Watering can', price: 12.5, quantity: 1 }]));
  await settle(shop);

  let m = await expectInbox(shop, ann, [[T0, 'email', 'order-thanks']]);
  assert.equal(m['order-thanks'].subject, 'Thank you for your order');
  assert.match(m['order-thanks'].body, /Thank you for order W-3001 of €59\.90:/);
  assert.match(m['order-thanks'].body, /Garden hose x 2/);
  m = await expectInbox(shop, bob, [[T0, 'email', 'order-thanks']]);
  assert.match(m['order-thanks'].body, /Thank you for order W-3002 of €12\.50:/);
  assert.match(m['order-thanks'].body, /Watering can x 1/);

  await advanceTo(shop, T0 + 3 * D - S);
  await expectInbox(shop, ann, [[T0, 'email', 'order-thanks']]);
  await advanceTo(shop, T0 + 3 * D);
  m = await expectInbox(shop, ann, [[T0, 'email', 'order-thanks'], [T0 + 3 * D, 'email', 'order-survey']]);
  assert.equal(m['order-survey'].subject, 'How did we do?');
  assert.match(m['order-survey'].body, /answer the survey/);
  await expectInbox(shop, bob, [[T0, 'email', 'order-thanks'], [T0 + 3 * D, 'email', 'order-survey']]);

  // Ann answers a day later: the cross-sell at once, with what she bought.
  await advanceTo(shop, T0 + 4 * D);
  await track(shop, 'webshop', 'o-ann', 'Survey Answered', { answer: 'very happy', order_id: 'W-3001' });
  await settle(shop);
  m = await expectInbox(shop, ann, [
    [T0, 'email', 'order-thanks'], [T0 + 3 * D, 'email', 'order-survey'], [T0 + 4 * D, 'email', 'order-cross-sell'],
  ]);
  assert.equal(m['order-cross-sell'].subject, 'Goes well with what you bought');
  assert.match(m['order-cross-sell'].body, /Customers who bought Garden hose also liked these\./);
  let run = await runOf(shop, ann, F);
  assert.equal(run.outcome, 'completed');
  assert.deepEqual(steps(run), ['thanks:sent', 'three-days:passed', 'survey:sent', 'answered:happened', 'cross-sell:sent']);

  // Bob does not answer: the cross-sell when the 7 days are up.
  await advanceTo(shop, T0 + 10 * D - S);
  await expectInbox(shop, bob, [[T0, 'email', 'order-thanks'], [T0 + 3 * D, 'email', 'order-survey']]);
  await advanceTo(shop, T0 + 10 * D);
  m = await expectInbox(shop, bob, [
    [T0, 'email', 'order-thanks'], [T0 + 3 * D, 'email', 'order-survey'], [T0 + 10 * D, 'email', 'order-cross-sell'],
  ]);
  assert.match(m['order-cross-sell'].body, /Customers who bought Watering can also liked these\./);
  run = await runOf(shop, bob, F);
  assert.equal(run.outcome, 'completed');
  assert.deepEqual(steps(run), ['thanks:sent', 'three-days:passed', 'survey:sent', 'answered:timed_out', 'cross-sell:sent']);
  await expectInbox(shop, ann, [
    [T0, 'email', 'order-thanks'], [T0 + 3 * D, 'email', 'order-survey'], [T0 + 4 * D, 'email', 'order-cross-sell'],
  ]);
  await closeShop(shop);
});

/* ---- 4. birthday ------------------------------------------------------------------------- */

test('birthday: an e-mail on the birthday at 09:00 UTC, not on other days; nothing for another birthday', async () => {
  const shop = await openShop('birthday');
  const ann = await person(shop, 'webshop', 'b-ann', { email: 'ann.verbeke@telenet.be', firstName: 'Ann', birthday: '1990-03-05' });
  const bob = await person(shop, 'webshop', 'b-bob', { email: 'bob.verhoeven@skynet.be', firstName: 'Bob', birthday: '1985-07-14' });
  assert.equal((await shop.srv.profile(ann)).birth_date, '1990-03-05');
  assert.equal((await shop.srv.profile(bob)).birth_date, '1985-07-14');

  for (let day = 0; day < 3; day++) { // 2, 3 and 4 March at 09:00
    await advanceTo(shop, T0 + day * D + H);
    await expectInbox(shop, ann, []);
  }
  const fifth = Date.parse('2026-03-05T09:00:00Z');
  await advanceTo(shop, fifth - S);
  await expectInbox(shop, ann, []);
  await advanceTo(shop, fifth);
  const m = await expectInbox(shop, ann, [[fifth, 'email', 'birthday']]);
  assert.equal(m.birthday.subject, 'Happy birthday, Ann!');
  assert.match(m.birthday.body, /Happy birthday, Ann!/);
  assert.match(m.birthday.body, /BDAY15/);
  assert.equal(m.birthday.address, 'ann.verbeke@telenet.be');
  for (let day = 1; day <= 3; day++) await advanceTo(shop, fifth + day * D);
  await expectInbox(shop, ann, [[fifth, 'email', 'birthday']]);
  await expectInbox(shop, bob, []);
  assert.deepEqual(await runsOf(shop, bob, shop.scenario.birthday), []);
  await closeShop(shop);
});

/* ---- 5. points expiry -------------------------------------------------------------------- */

test('points expiry: a push 14 days before the points expire, at 10:00; a letter 48 h later unless the push was opened', async () => {
  const shop = await openShop('points');
  const P = shop.scenario.points_expiry;
  const address = (street) => ({ street, houseNumber: '12', postalCode: '2000', city: 'Antwerpen', country: 'BE' });
  const ann = await person(shop, 'webshop', 'p-ann', {
    email: 'ann.jacobs@telenet.be', firstName: 'Ann', lastName: 'Jacobs', address: address('Kerkstraat'),
    points: 1200, points_expire_on: '2026-03-20',
  }, ['push']);
  const bob = await person(shop, 'webshop', 'p-bob', {
    email: 'bob.mertens@skynet.be', firstName: 'Bob', lastName: 'Mertens', address: address('Meir'),
    points: 300, points_expire_on: '2026-03-20',
  }, ['push']);
  const v = await shop.srv.profile(ann);
  assert.equal(v.attributes.points_expire_on, '2026-03-20');
  assert.equal(v.attributes.points, 1200);
  assert.equal(v.street, 'Kerkstraat');

  const push = Date.parse('2026-03-06T10:00:00Z');
  await advanceTo(shop, push - S);
  await expectInbox(shop, ann, []);
  await advanceTo(shop, push);
  let m = await expectInbox(shop, ann, [[push, 'push', 'points-push']]);
  assert.equal(m['points-push'].subject, 'Your points expire soon');
  assert.equal(m['points-push'].body, 'Ann, your 1200 points expire on 20 March 2026. Use them now!');
  m = await expectInbox(shop, bob, [[push, 'push', 'points-push']]);
  assert.equal(m['points-push'].body, 'Bob, your 300 points expire on 20 March 2026. Use them now!');

  // Bob opens the push two hours later; Ann never does.
  await advanceTo(shop, push + 2 * H);
  await track(shop, 'webshop', 'p-bob', 'Push Opened', { campaign: 'points' });
  await settle(shop);
  let run = await runOf(shop, bob, P);
  assert.equal(run.state, 'done');
  assert.equal(run.outcome, 'push_opened');
  assert.deepEqual(steps(run), ['push:sent', 'opened:happened', 'seen:end:push_opened']);

  await advanceTo(shop, push + 48 * H - S);
  await expectInbox(shop, ann, [[push, 'push', 'points-push']]);
  await advanceTo(shop, push + 48 * H);
  m = await expectInbox(shop, ann, [[push, 'push', 'points-push'], [push + 48 * H, 'letter', 'points-letter']]);
  const letter = m['points-letter'];
  assert.equal(letter.subject, 'Your loyalty points');
  assert.match(letter.body, /Dear Ann Jacobs,/);
  assert.match(letter.body, /Your 1200 loyalty points expire on 20 March 2026\./);
  assert.match(letter.address, /Kerkstraat 12/);
  assert.match(letter.address, /2000 Antwerpen/);
  run = await runOf(shop, ann, P);
  assert.equal(run.outcome, 'completed');
  assert.deepEqual(steps(run), ['push:sent', 'opened:timed_out', 'letter:sent']);

  await advanceTo(shop, push + 5 * D);
  await expectInbox(shop, bob, [[push, 'push', 'points-push']]);
  await closeShop(shop);
});

/* ---- 6. reactivation --------------------------------------------------------------------- */

test('reactivation: an e-mail on becoming inactive; a click without an order gets the offer 3 days later, no click the SMS after 7 days, an order ends it', async () => {
  const shop = await openShop('reactivation');
  const R = shop.scenario.reactivation;
  const people = {};
  const who = [['clicker', '+32470112201'], ['silent', '+32470112202'], ['buyer', '+32470112203']];
  for (const [name, phone] of who) {
    people[name] = await person(shop, 'webshop', `r-${name}`, {
      email: `${name}.janssens@telenet.be`, firstName: name[0].toUpperCase() + name.slice(1), phone,
    }, ['email', 'sms']);
  }
  // Their only order is from January 2025, more than 365 days ago. (It also
  // starts the order follow-up, which thanks them for it now: only the
  // reactivation's messages are compared below.)
  for (const [name] of who) {
    await track(shop, 'webshop', `r-${name}`, 'Order Completed',
      order(`OLD-${name}`, [{ product_id: 'TS-1', name: 'T-shirt', price: 25 }]), { timestamp: '2025-01-20T10:00:00Z' });
  }
  await settle(shop);
  for (const [name] of who) {
    assert.equal(await lifecycle(shop, people[name]), 'inactive', name);
    const m = await expectInbox(shop, people[name], [[T0, 'email', 'reactivation-1']], { scenario: R, what: name });
    assert.equal(m['reactivation-1'].subject, `We miss you, ${name[0].toUpperCase() + name.slice(1)}`);
    assert.match(m['reactivation-1'].body, /see the new collection/);
  }

  // The clicker and the buyer click on the next day; the buyer orders the day after.
  await advanceTo(shop, T0 + D);
  await track(shop, 'webshop', 'r-clicker', 'Email Link Clicked', { url: 'https://shop.example/new' });
  await track(shop, 'webshop', 'r-buyer', 'Email Link Clicked', { url: 'https://shop.example/new' });
  await settle(shop);
  await advanceTo(shop, T0 + 2 * D);
  await track(shop, 'webshop', 'r-buyer', 'Order Completed', order('NEW-1', [{ product_id: 'JK-2', name: 'Jacket', price: 89 }]));
  await settle(shop);
  let run = await runOf(shop, people.buyer, R);
  assert.equal(run.state, 'done');
  assert.equal(run.outcome, 'converted');
  assert.equal(run.ended_at, iso(T0 + 2 * D));
  assert.notEqual(await lifecycle(shop, people.buyer), 'inactive');

  await advanceTo(shop, T0 + 4 * D - S);
  await expectInbox(shop, people.clicker, [[T0, 'email', 'reactivation-1']], { scenario: R, what: 'the clicker' });
  await advanceTo(shop, T0 + 4 * D);
  let m = await expectInbox(shop, people.clicker, [[T0, 'email', 'reactivation-1'], [T0 + 4 * D, 'email', 'reactivation-clicked']],
    { scenario: R, what: 'the clicker' });
  assert.equal(m['reactivation-clicked'].subject, 'Still thinking about it? 10% off');
  assert.match(m['reactivation-clicked'].body, /Hello Clicker, you had a look/);
  run = await runOf(shop, people.clicker, R);
  assert.equal(run.outcome, 'completed');
  assert.deepEqual(steps(run), ['we-miss-you:sent', 'clicked:happened', 'three-days:passed', 'clicked-not-bought:sent']);

  await advanceTo(shop, T0 + 7 * D - S);
  await expectInbox(shop, people.silent, [[T0, 'email', 'reactivation-1']], { scenario: R, what: 'the silent one' });
  await advanceTo(shop, T0 + 7 * D);
  m = await expectInbox(shop, people.silent, [[T0, 'email', 'reactivation-1'], [T0 + 7 * D, 'sms', 'reactivation-sms']],
    { scenario: R, what: 'the silent one' });
  assert.equal(m['reactivation-sms'].address, '+32470112202');
  assert.equal(m['reactivation-sms'].body, 'Silent, we miss you! 10% off this week with code BACK10. Stop: reply STOP');
  run = await runOf(shop, people.silent, R);
  assert.equal(run.outcome, 'completed');
  assert.deepEqual(steps(run), ['we-miss-you:sent', 'clicked:timed_out', 'did-not-click:sent']);

  await advanceTo(shop, T0 + 14 * D);
  await expectInbox(shop, people.buyer, [[T0, 'email', 'reactivation-1']], { scenario: R, what: 'the buyer' });
  await expectInbox(shop, people.clicker, [[T0, 'email', 'reactivation-1'], [T0 + 4 * D, 'email', 'reactivation-clicked']],
    { scenario: R, what: 'the clicker' });
  await closeShop(shop);
});

/* ---- 7. ambassador ----------------------------------------------------------------------- */

test('ambassador: the fifth order of the year that brings the total to 500 makes a repeat buyer an ambassador, tagged and sent an SMS voucher', async () => {
  const shop = await openShop('ambassador');
  const A = shop.scenario.ambassador;
  const ann = await person(shop, 'webshop', 'a-ann', { email: 'ann.maes@telenet.be', firstName: 'Ann', phone: '+32470223301' }, ['sms']);
  const bob = await person(shop, 'webshop', 'a-bob', { email: 'bob.lambert@skynet.be', firstName: 'Bob', phone: '+32470223302' }, ['sms']);
  // Four orders of 90 in the past year: repeat buyers. (The first starts the
  // order follow-up, whose e-mails they have not opted in to: only the
  // ambassador scenario's messages are compared below.)
  const past = ['2025-06-10', '2025-09-10', '2025-12-10', '2026-02-10'];
  for (const [i, day] of past.entries()) {
    for (const [u, p] of [['a-ann', 'A'], ['a-bob', 'B']]) {
      await track(shop, 'webshop', u, 'Order Completed',
        order(`${p}-${i + 1}`, [{ product_id: 'SH-1', name: 'Shoes', price: 90 }]), { timestamp: `${day}T14:00:00Z` });
    }
  }
  await settle(shop);
  assert.equal(await lifecycle(shop, ann), 'repeat buyer');
  assert.equal(await lifecycle(shop, bob), 'repeat buyer');

  // The fifth: 150 for Ann (510 in all), 50 for Bob (410).
  await advanceTo(shop, T0 + 3 * H);
  await track(shop, 'webshop', 'a-ann', 'Order Completed', order('A-5', [{ product_id: 'CT-1', name: 'Coat', price: 150 }]));
  await track(shop, 'webshop', 'a-bob', 'Order Completed', order('B-5', [{ product_id: 'SC-1', name: 'Scarf', price: 50 }]));
  await settle(shop);
  assert.equal(await lifecycle(shop, ann), 'ambassador');
  assert.equal(await lifecycle(shop, bob), 'repeat buyer');

  const m = await expectInbox(shop, ann, [[T0 + 3 * H, 'sms', 'ambassador-voucher']], { scenario: A });
  const sms = m['ambassador-voucher'];
  assert.equal(sms.address, '+32470223301');
  assert.equal(sms.body, 'Thank you Ann for being one of our best customers! Your 20 euro voucher: AMB20. Stop: reply STOP');
  const view = await shop.srv.profile(ann);
  assert.ok(Array.isArray(view.attributes.tags), JSON.stringify(view.attributes));
  assert.ok(view.attributes.tags.includes('ambassador'), JSON.stringify(view.attributes));
  const run = await runOf(shop, ann, A);
  assert.equal(run.outcome, 'completed');
  assert.deepEqual(steps(run), ['tag:passed', 'voucher:sent']);
  assert.equal(run.payload.from, 'repeat buyer');

  await expectInbox(shop, bob, [], { scenario: A });
  assert.deepEqual(await runsOf(shop, bob, A), []);
  assert.ok(!((await shop.srv.profile(bob)).attributes.tags ?? []).includes('ambassador'));
  await closeShop(shop);
});

/* ---- 8. broken seat ---------------------------------------------------------------------- */

test('broken seat: a survey answer about an imported cinema order creates a task with hall, row and seat; resolving it tells the customer', async () => {
  const shop = await openShop('broken-seat', {
    sources: ['cinema'],
    prepare: async (ws) => {
      const profiles = path.join(ws.dir, 'cinema.profiles.csv');
      const orders = path.join(ws.dir, 'cinema.orders.csv');
      await writeFile(profiles, 'external_id,first_name,last_name,email\n'
        + 'C-1001,Ann,Peeters,ann.peeters@telenet.be\n'
        + 'C-1002,Bob,Janssens,bob.janssens@skynet.be\n');
      await writeFile(orders, 'external_id,customer_id,ordered_at,total,hall,row,seat\n'
        + 'T-5001,C-1001,2026-02-28 20:15,24.00,3,F,14\n'
        + 'T-5002,C-1002,2026-02-28 20:15,12.00,3,C,7\n');
      let r = await rondo(['import', '--db', ws.db, '--source', 'cinema', '--table', 'profiles', '--json', '--quiet', profiles]);
      assert.equal(JSON.parse(r.stdout).imported, 2, r.stdout);
      r = await rondo(['import', '--db', ws.db, '--source', 'cinema', '--table', 'orders', '--json', '--quiet', orders]);
      const sum = JSON.parse(r.stdout);
      assert.equal(sum.imported, 2, r.stdout);
      assert.deepEqual(sum.unmapped_columns.split(/,\s*/), ['hall', 'row', 'seat'], 'the extra columns are kept as the orders\' attributes');
    },
  });
  const BS = shop.scenario.broken_seat;
  const [annView] = await search(shop, 'user_id', 'C-1001', 'cinema');
  const [bobView] = await search(shop, 'user_id', 'C-1002', 'cinema');
  const ann = annView.id;
  const bob = bobView.id;
  assert.deepEqual(annView.orders.map((o) => [o.order_id, o.attributes]), [['T-5001', { hall: '3', row: 'F', seat: '14' }]]);
  await consent(shop, ann, 'email');
  await consent(shop, bob, 'email');

  // The cinema's survey, the next morning: Ann reports a broken seat, Bob liked the film.
  await advanceTo(shop, T0 + 2 * H);
  await track(shop, 'cinema', 'C-1001', 'Survey Answered', { answer: 'broken seat', order_id: 'T-5001' });
  await track(shop, 'cinema', 'C-1002', 'Survey Answered', { answer: 'great film', order_id: 'T-5002' });
  await settle(shop);
  const tasks = (await api(shop, '/api/v1/tasks?status=open')).data;
  assert.equal(tasks.length, 1, JSON.stringify(tasks));
  const task = tasks[0];
  assert.equal(task.profile_id, ann);
  assert.equal(task.title, 'Repair seat 14, row F, hall 3');
  assert.equal(task.assignee, 'hall manager');
  assert.match(task.description, /^Ann Peeters reported a broken seat after order T-5001 \(28 February 2026\)\./);
  assert.equal(task.created_at, iso(T0 + 2 * H));
  assert.match(task.link, /^\/t\/[0-9a-f]{32}$/);
  let run = await runOf(shop, ann, BS);
  assert.equal(run.state, 'task');
  assert.deepEqual(await runsOf(shop, bob, BS), []);
  await expectInbox(shop, ann, []);

  // Repaired the next day: the hall manager clicks "Resolved".
  await advanceTo(shop, T0 + D);
  const page = await shop.srv.request('GET', task.link);
  assert.equal(page.status, 200);
  assert.match(page.text, /Repair seat 14, row F, hall 3/);
  const r = await shop.srv.request('POST', task.link, { body: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(r.status, 200, r.text);
  await settle(shop);
  const m = await expectInbox(shop, ann, [[T0 + D, 'email', 'seat-repaired']]);
  assert.equal(m['seat-repaired'].subject, 'Your seat is repaired');
  assert.equal(m['seat-repaired'].address, 'ann.peeters@telenet.be');
  assert.match(m['seat-repaired'].body, /Hello Ann,/);
  assert.match(m['seat-repaired'].body, /seat 14 in row F of hall 3 is repaired/);
  run = await runOf(shop, ann, BS);
  assert.equal(run.outcome, 'completed');
  assert.deepEqual(steps(run), ['repair:resolved', 'repaired:sent']);
  assert.deepEqual((await api(shop, '/api/v1/tasks?status=open')).data, []);
  await expectInbox(shop, bob, []);
  await closeShop(shop);
});

/* ---- known bugs -------------------------------------------------------------------------- */

test('the starter library loads into a new workspace as docs/scenarios.md shows',
  async () => {
    const ws = await createWorkspace();
    try {
      await rondo(['template', 'put', '--db', ws.db, ...TEMPLATES]);
      const refused = [];
      for (const s of STARTERS) {
        const r = await rondo(['scenario', 'create', '--db', ws.db, path.join(EXAMPLES, `${s}.json`)], { allowFail: true });
        if (r.code !== 0) refused.push(`${s}: ${r.stderr.trim()}`);
      }
      assert.deepEqual(refused, []);
    } finally {
      await rm(ws.dir, { recursive: true, force: true });
    }
  });

test('a store record whose e-mail differs from the web shop\'s only in case joins the web profile at once, so the store purchase ends the basket run',
  async () => {
    const shop = await openShop('basket-case', { sources: ['webshop', 'store'] });
    const ann = await person(shop, 'webshop', 'web-ann', { email: 'ann.wouters@telenet.be', firstName: 'Ann', lastName: 'Wouters' });
    await track(shop, 'webshop', 'web-ann', 'Product Added', { product_id: 'EM-1', name: 'Espresso machine', price: 199 });
    await settle(shop);
    await advanceTo(shop, T0 + H);
    await identify(shop, 'store', 'card-456', { email: 'Ann.Wouters@telenet.be', firstName: 'Ann', lastName: 'Wouters' });
    assert.deepEqual((await search(shop, 'email', 'Ann.Wouters@telenet.be')).map((p) => p.id), [ann]);
    assert.deepEqual((await search(shop, 'user_id', 'card-456', 'store')).map((p) => p.id), [ann]);
    await track(shop, 'store', 'card-456', 'Order Completed',
      order('S-9002', [{ product_id: 'EM-1', name: 'Espresso machine', price: 199, quantity: 1 }]));
    await settle(shop);
    assert.equal((await runOf(shop, ann, shop.scenario.abandoned_basket)).outcome, 'converted');
    await closeShop(shop);
  });

test('an event that arrives after the server starts but before its first scenario tick starts the runs of an active scenario',
  async () => {
    const ws = await createWorkspace();
    const srv = new Server(ws, { name: 'first-tick', args: ['--clock', `simulated=${START}`, '--scenario-interval', '60000'] });
    ctx.servers.push(srv);
    await rondo(['template', 'put', '--db', ws.db, ...TEMPLATES]);
    const { stdout } = await rondo(['scenario', 'create', '--db', ws.db, path.join(EXAMPLES, 'welcome.json')]);
    await rondo(['scenario', 'activate', '--db', ws.db, stdout.trim()]);
    const key = (await createKey(ws.db, 'ingest', 'webshop')).key;
    await srv.start();
    const shop = { srv, ws, keys: { webshop: key }, scenario: {} };
    const ann = await person(shop, 'webshop', 'f-ann', { email: 'ann.first@telenet.be', firstName: 'Ann' });
    await track(shop, 'webshop', 'f-ann', 'Signed Up');
    await advanceTo(shop, T0 + S);
    await expectInbox(shop, ann, [[T0 + S, 'email', 'welcome-1']]);
    await closeShop(shop);
  });
