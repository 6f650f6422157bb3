// scenarios_webhook.test.mjs — a scenario's webhook step against a real HTTP
// receiver on loopback: the POST carries the run's data, an HMAC-SHA256
// signature that the receiver checks with the workspace's webhook_secret,
// and an Idempotency-Key that stays the same on every attempt; a 5xx is tried
// again after the backoff (30 s on the simulated clock), a 2xx ends it, and
// the message's status says so.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { rondo, createWorkspace, Server, cleanupAfter, uid, pause } from './harness.mjs';

const ctx = { ws: null, server: null, servers: [] };
cleanupAfter(ctx);

const received = [];
let answers = [500, 200];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    received.push({ headers: req.headers, body, method: req.method, url: req.url });
    res.statusCode = answers.length ? answers.shift() : 200;
    res.end('ok');
  });
});
after(() => new Promise((r) => receiver.close(r)));

async function until(fn, ms, what) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await pause(50);
  }
}

test('a webhook step: signed, the same Idempotency-Key on each attempt, retried after a 500, sent after a 200', { timeout: 60_000 }, async () => {
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const port = receiver.address().port;
  ctx.ws = await createWorkspace();
  // each workspace has a random secret, never shown; the receiver's owner sets one they know
  assert.equal((await rondo(['settings', 'get', '--db', ctx.ws.db, 'webhook_secret'])).stdout.trim(), '(set; hidden)');
  const secret = 'a-secret-shared-with-the-crm-0123456789';
  const set = await rondo(['settings', 'set', '--db', ctx.ws.db, 'webhook_secret', secret]);
  assert.ok(!set.stdout.includes(secret), 'not echoed');
  const file = path.join(ctx.ws.dir, 'hook.json');
  await writeFile(file, JSON.stringify({
    name: 'crm hook',
    definition: {
      trigger: { type: 'api' },
      nodes: [{ id: 'tell-crm', type: 'webhook', url: `http://127.0.0.1:${port}/hooks/rondo` }],
      edges: [{ from: 'trigger', to: 'tell-crm' }],
    },
  }));
  const id = (await rondo(['scenario', 'create', '--db', ctx.ws.db, file])).stdout.trim();
  await rondo(['scenario', 'activate', '--db', ctx.ws.db, id]);
  ctx.server = new Server(ctx.ws, { args: ['--clock', 'simulated=2026-05-04T10:00:00Z'] });
  ctx.servers.push(ctx.server);
  await ctx.server.start();
  const srv = ctx.server;

  const userId = uid('hooked');
  assert.equal((await srv.ingest('/v1/identify', { userId, traits: { email: `${userId}@example.be`, firstName: 'Hanne' } })).status, 200);
  const p = await srv.profileBy('user_id', userId);
  const e = await srv.api(`/api/v1/scenarios/${id}/enter`, { method: 'POST', body: { profile_id: p.id, payload: { reason: 'vip' } } });
  assert.equal(e.status, 201, e.text);

  // the first attempt: a 500
  await until(() => received.length >= 1, 10_000, 'the first POST');
  const first = received[0];
  assert.equal(first.method, 'POST');
  assert.equal(first.url, '/hooks/rondo');
  assert.equal(first.headers['content-type'], 'application/json');
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(first.headers['x-rondo-signature']);
  assert.ok(m, `a signature header: ${first.headers['x-rondo-signature']}`);
  const mac = crypto.createHmac('sha256', secret).update(`${m[1]}.${first.body}`).digest('hex');
  assert.equal(m[2], mac, 'the HMAC checks out with the workspace secret');
  assert.equal(Number(m[1]), Date.parse('2026-05-04T10:00:00Z') / 1000, 'signed at the (simulated) time of sending');
  const data = JSON.parse(first.body);
  assert.equal(data.profile.id, p.id);
  assert.equal(data.profile.first_name, 'Hanne');
  assert.equal(data.event.reason, 'vip');
  assert.equal(data.node, 'tell-crm');
  assert.match(first.headers['idempotency-key'], /^rondo-run-\d+-step-1$/);

  let msgs = (await srv.api(`/api/v1/messages?scenario_id=${id}`)).json;
  const list = msgs.data ?? msgs.messages ?? msgs;
  await until(async () => {
    const r = (await srv.api(`/api/v1/messages?scenario_id=${id}`)).json;
    const l = r.data ?? r.messages ?? r;
    return l[0]?.status === 'queued';
  }, 5000, 'the message queued again after the 500');
  void list;

  // not before the backoff
  await pause(1500);
  assert.equal(received.length, 1, 'no retry before 30 s have passed on the clock');
  assert.equal((await srv.api('/api/v1/clock/advance', { method: 'POST', body: { by: '31s' } })).status, 200);
  await until(() => received.length >= 2, 10_000, 'the retry');
  assert.equal(received[1].headers['idempotency-key'], first.headers['idempotency-key'], 'the same key: the receiver can drop a repeat');
  assert.equal(received[1].body, first.body);
  await until(async () => {
    const r = (await srv.api(`/api/v1/messages?scenario_id=${id}`)).json;
    const l = r.data ?? r.messages ?? r;
    return l[0]?.status === 'sent';
  }, 5000, 'the message sent');
  await pause(1500);
  assert.equal(received.length, 2, 'nothing more once it is delivered');
  msgs = (await srv.api(`/api/v1/runs/${e.json.run_id}`)).json;
  assert.ok(JSON.stringify(msgs).includes('tell-crm'));
});
