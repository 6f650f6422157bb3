// shutdown.test.mjs — SIGTERM while requests stream in: the server finishes
// what it has taken, exits 0, and every request it acknowledged with a 2xx is
// stored (checked through the API after a restart).

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, uid, basic } from './harness.mjs';

const ctx = useServer();
let srv;
before(async () => {
  await ctx.init();
  srv = ctx.server;
});

const SENDERS = 8;
const ACKS_BEFORE_SIGTERM = 300;

const ROUNDS = 3;

test('SIGTERM during a stream of writes: exit 0, and every acknowledged write is stored', { timeout: 180_000 }, async () => {
  for (let round = 1; round <= ROUNDS; round++) {
    if (!srv.running) await srv.restart();
    await streamThenTerm(round);
  }
  assert.deepEqual(await srv.stop(), { code: 0, signal: null }, srv.dump());
});

async function streamThenTerm(round) {
  const run = uid(`sd${round}`);
  const acked = []; // userIds whose call got a 2xx
  const statuses = {};
  let networkErrors = 0;
  let exited = false;
  let termSentAt = 0;
  let answeredAfterTerm = 0;
  srv.exit.then(() => {
    exited = true;
  });
  const auth = basic(srv.ws.writeKey);
  const url = srv.url;

  // Each call has its own userId, so the API can find exactly what it stored.
  async function sender(s) {
    for (let n = 0; !exited; n++) {
      const batch = n % 5 === 4;
      const ids = batch ? [0, 1, 2].map((k) => `${run}-${s}-${n}-${k}`) : [`${run}-${s}-${n}`];
      const body = batch
        ? { batch: ids.map((userId) => ({ type: 'track', userId, event: 'Streamed', messageId: `m-${userId}` })) }
        : { userId: ids[0], event: 'Streamed', messageId: `m-${ids[0]}`, properties: { n } };
      try {
        const res = await fetch(`${url}${batch ? '/v1/batch' : '/v1/track'}`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
        const text = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (termSentAt) answeredAfterTerm++;
        if (res.status >= 200 && res.status < 300) {
          const j = JSON.parse(text);
          assert.equal(j.accepted + j.duplicates, ids.length, text);
          acked.push(...ids);
        }
      } catch (e) {
        if (e?.code === 'ERR_ASSERTION') throw e;
        networkErrors++;
        // Before SIGTERM the server must not drop connections.
        if (!termSentAt) throw new Error(`request failed before SIGTERM: ${e.cause?.code ?? e.message}`);
        if (!exited) await new Promise((r) => setTimeout(r, 5));
      }
    }
  }

  const senders = Array.from({ length: SENDERS }, (_, s) => sender(s));
  // Wait (polling) until the stream is well under way, then SIGTERM in the middle of it.
  while (acked.length < ACKS_BEFORE_SIGTERM) {
    await new Promise((r) => setTimeout(r, 5));
    if (exited) break;
  }
  termSentAt = Date.now();
  const result = await srv.stop();
  exited = true;
  await Promise.all(senders);

  console.log(
    `shutdown round ${round}: acknowledged ${acked.length}, statuses ${JSON.stringify(statuses)}, answered after SIGTERM ${answeredAfterTerm}, ` +
      `network errors after SIGTERM ${networkErrors}, stop took ${Date.now() - termSentAt} ms`,
  );
  assert.deepEqual(result, { code: 0, signal: null }, srv.dump());
  assert.match(srv.log, /SIGTERM received/);
  assert.match(srv.log, /stopped cleanly/);
  assert.doesNotMatch(srv.log, /still open after/);
  // Only success or "shutting down, retry" answers: never an error that loses data silently.
  for (const code of Object.keys(statuses)) assert.ok(code === '200' || code === '503', `unexpected status ${code}: ${JSON.stringify(statuses)}`);
  assert.ok(acked.length >= ACKS_BEFORE_SIGTERM);

  // After a restart, every acknowledged call is there, once.
  await srv.restart();
  let missing = 0;
  const sample = [];
  for (const userId of acked) {
    const found = await srv.search('user_id', userId);
    const events = found.flatMap((p) => p.events.filter((e) => e.message_id === `m-${userId}`));
    if (found.length !== 1 || events.length !== 1) {
      missing++;
      if (sample.length < 5) sample.push(userId);
    }
  }
  assert.equal(missing, 0, `acknowledged but not stored exactly once: ${missing} (e.g. ${sample.join(', ')})`);
}
