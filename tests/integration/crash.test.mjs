// crash.test.mjs — kill -9 the server at random moments while several
// clients send events, restart it on the same database each time, and check
// that every event it acknowledged is stored exactly once: a 2xx means
// committed. Clients retry what was not acknowledged with the same messageId,
// as Segment clients do, so the retries also exercise deduplication across
// crashes. Checked by reading the SQLite file itself (sqlite3 -readonly).

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { useServer, uid, basic, pause, withTimeout } from './harness.mjs';

const ctx = useServer();
let srv;
before(async () => {
  await ctx.init();
  srv = ctx.server;
});

const SENDERS = 6;
const KILLS = 20;
const ACKS_PER_ROUND = 150;

function sqlite(db, sql) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', ['-readonly', '-separator', '\t', db, sql], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`sqlite3 failed: ${stderr || err.message}`));
      else resolve(stdout.split('\n').filter(Boolean).map((l) => l.split('\t')));
    });
  });
}

function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test('kill -9 at random moments: every acknowledged event is stored exactly once', { timeout: 240_000 }, async () => {
  const run = uid('crash');
  const auth = basic(srv.ws.writeKey);
  const acked = new Set(); // messageIds acknowledged with a 2xx
  const orders = new Set(); // order ids among them
  const sent = new Set();
  const badStatuses = [];
  let up = deferred();
  up.resolve();
  let producing = true;
  let stopped = false;
  let retries = 0;

  // One message or a batch of 10; 1 in 8 messages is an order with two lines.
  function nextPayload(s, n) {
    const make = (k) => {
      const messageId = `${run}-${s}-${n}-${k}`;
      sent.add(messageId);
      const m = { type: 'track', userId: `${run}-user-${s}`, messageId, event: 'Crash Test', properties: { n, k } };
      if ((n + k) % 8 === 0) {
        m.event = 'Order Completed';
        m.properties = { order_id: messageId, currency: 'EUR', products: [{ sku: 'a', price: 1.5, quantity: 2 }, { sku: 'b', price: 3 }] };
      }
      return m;
    };
    if (n % 4 === 3) {
      const batch = Array.from({ length: 10 }, (_, k) => make(k));
      return { path: '/v1/batch', body: { batch }, ids: batch.map((m) => m.messageId), msgs: batch };
    }
    const m = make(0);
    delete m.type;
    return { path: '/v1/track', body: m, ids: [m.messageId], msgs: [m] };
  }

  async function sender(s) {
    for (let n = 0; producing; n++) {
      const p = nextPayload(s, n);
      // Retry the same payload (same messageIds) until it is acknowledged.
      for (let attempt = 0; !stopped; attempt++) {
        if (attempt > 0) retries++;
        try {
          const res = await fetch(srv.url + p.path, {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/json' },
            body: JSON.stringify(p.body),
            signal: AbortSignal.timeout(30_000),
          });
          const text = await res.text();
          if (res.status === 200) {
            const j = JSON.parse(text);
            if (j.accepted + j.duplicates !== p.ids.length || j.quarantined !== 0) badStatuses.push(`200 with ${text}`);
            for (const id of p.ids) acked.add(id);
            for (const m of p.msgs) if (m.event === 'Order Completed') orders.add(m.messageId);
            break;
          }
          badStatuses.push(`${res.status} ${text.slice(0, 200)}`);
        } catch {
          /* killed under us: wait for the restart below */
        }
        await up.promise;
        await pause(2);
      }
      if (stopped) return;
    }
  }

  const senders = Array.from({ length: SENDERS }, (_, s) => sender(s));
  let kills = 0;
  try {
    for (; kills < KILLS; kills++) {
      // Wait (polling) until traffic flows again; one round in four kills as soon as the
      // restarted server has acknowledged anything, while it still recovers the retries.
      const target = acked.size + (kills % 4 === 3 ? 1 : ACKS_PER_ROUND);
      while (acked.size < target) await pause(1);
      await pause(Math.floor(Math.random() * 40)); // then kill at a random moment
      up = deferred();
      await srv.kill();
      await srv.restart();
      up.resolve();
    }
    // Stop producing; let every sender get its last payload acknowledged.
    producing = false;
    await withTimeout(Promise.all(senders), 60_000, 'senders getting their last messages acknowledged');
  } finally {
    stopped = true;
    producing = false;
    up.resolve();
  }

  const stop = await srv.stop();
  assert.deepEqual(stop, { code: 0, signal: null }, srv.dump());

  const rows = await sqlite(srv.db, `SELECT message_id, count(*) FROM events WHERE message_id LIKE '${run}-%' GROUP BY message_id`);
  const stored = new Map(rows.map(([id, c]) => [id, Number(c)]));
  let lost = 0;
  let duplicated = 0;
  for (const id of acked) if (!stored.has(id)) lost++;
  for (const c of stored.values()) if (c > 1) duplicated++;
  console.log(`crash: acknowledged ${acked.size}, kills ${kills}, lost ${lost}, duplicated ${duplicated}`);

  assert.deepEqual(badStatuses, [], 'only 200s or dropped connections');
  assert.equal(lost, 0, 'acknowledged events lost');
  assert.equal(duplicated, 0, 'events stored twice');
  assert.equal(kills, KILLS);
  assert.ok(retries > 0, 'some requests were cut by a kill and retried');
  // Every message was retried until acknowledged, and nothing else is stored.
  assert.equal(acked.size, sent.size);
  for (const id of stored.keys()) assert.ok(sent.has(id), `stored but never sent: ${id}`);

  // Orders are whole: each acknowledged order exactly once, with both its lines.
  const orderRows = await sqlite(
    srv.db,
    `SELECT o.external_id, count(l.id), sum(l.price_cents * l.quantity) FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id WHERE o.external_id LIKE '${run}-%' GROUP BY o.id`,
  );
  const byOrder = new Map(orderRows.map(([id, n, cents]) => [id, [Number(n), Number(cents)]]));
  assert.equal(byOrder.size, orders.size);
  for (const id of orders) assert.deepEqual(byOrder.get(id), [2, 600], `order ${id}`);

  const [[integrity]] = await sqlite(srv.db, 'PRAGMA integrity_check');
  assert.equal(integrity, 'ok');
});
