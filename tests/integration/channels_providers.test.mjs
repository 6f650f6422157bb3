// channels_providers.test.mjs — SMS through an HTTP provider configured for the
// workspace (url, headers, a JSON body template, a signing secret), against a
// real receiver on loopback; and the provider's delivery report, accepted only
// with a valid signature, landing on the message and as a profile event.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { rondo, createWorkspace, Server, cleanupAfter, uid, pause } from './harness.mjs';

const ctx = { ws: null, server: null, servers: [] };
cleanupAfter(ctx);
let srv;
const SECRET = 'sms-provider-shared-secret-0123456789';
const received = [];
const provider = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    received.push({ headers: req.headers, body, url: req.url });
    res.setHeader('content-type', 'application/json');
    res.end('{"id":"prov-1"}');
  });
});
after(() => new Promise((r) => provider.close(r)));

const sign = (t, body) => `t=${t},v1=${crypto.createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`;

async function until(fn, ms, what) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await pause(50);
  }
}

let person;
let message;

before(async () => {
  await new Promise((r) => provider.listen(0, '127.0.0.1', r));
  ctx.ws = await createWorkspace();
  const set = (k, v) => rondo(['settings', 'set', '--db', ctx.ws.db, k, v]);
  await set('sms.url', `http://127.0.0.1:${provider.address().port}/v1/messages`);
  await set('sms.headers', JSON.stringify({ Authorization: 'Bearer provider-key-42' }));
  await set('sms.body', '{"to": "{{to}}", "message": "{{text}}", "reference": "{{message_id}}"}');
  await set('sms.secret', SECRET);
  const shown = (await rondo(['settings', 'list', '--db', ctx.ws.db])).stdout;
  assert.ok(!shown.includes('provider-key-42') && !shown.includes(SECRET), 'secrets are never printed');
  srv = new Server(ctx.ws);
  ctx.servers.push(srv);
  await srv.start();
  assert.ok([200, 201].includes((await srv.api('/api/v1/templates/code', { method: 'PUT',
    body: { channel: 'sms', body: 'Hi {{profile.first_name}}, your code is "{{event.code}}".\nSee you!' } })).status));
  assert.ok([200, 201].includes((await srv.api('/api/v1/templates/mail', { method: 'PUT',
    body: { channel: 'email', subject: 'Hello {{profile.first_name}}', body: 'News' } })).status));
  const userId = uid('sms');
  assert.equal((await srv.ingest('/v1/identify', { userId, traits: { phone: '+32470123456', firstName: 'Noor', email: `${userId}@telenet.be` } })).status, 200);
  person = await srv.profileBy('user_id', userId);
});

test('an SMS goes to the provider: its headers, the body template with the text escaped into valid JSON, signed', { timeout: 30_000 }, async () => {
  const r = await srv.api('/api/v1/messages', { method: 'POST',
    body: { profile_id: person.id, channel: 'sms', template: 'code', data: { code: '12"34' }, transactional: true } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.status, 'queued');
  message = r.json.id;
  const got = await until(() => received[0], 10_000, 'the provider request');
  assert.equal(got.url, '/v1/messages');
  assert.equal(got.headers.authorization, 'Bearer provider-key-42');
  assert.equal(got.headers['content-type'], 'application/json');
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(got.headers['x-rondo-signature']);
  assert.ok(m, got.headers['x-rondo-signature']);
  assert.equal(got.headers['x-rondo-signature'], sign(m[1], got.body), 'signed with the channel secret');
  const body = JSON.parse(got.body);
  assert.deepEqual(body, { to: '+32470123456', message: 'Hi Noor, your code is "12"34".\nSee you!', reference: String(message) });
  const sent = await until(async () => {
    const x = (await srv.api(`/api/v1/messages/${message}`)).json;
    return x.status === 'sent' ? x : null;
  }, 5000, 'sent');
  assert.equal(sent.address, '+32470123456');
});

test('a delivery report: accepted when signed, on the message and as an event; refused unsigned, stale or for another channel', async () => {
  const report = JSON.stringify({ message_id: message, status: 'delivered', detail: 'handset' });
  const now = Math.floor(Date.now() / 1000);
  const post = (body, sig, channel = 'sms') => srv.request('POST', `/api/v1/channels/${channel}/status`,
    { body, headers: { 'content-type': 'application/json', ...(sig ? { 'x-rondo-signature': sig } : {}) } });
  assert.equal((await post(report, null)).status, 401, 'no signature');
  assert.equal((await post(report, sign(now, report.replace('handset', 'x')))).status, 401, 'a signature for another body');
  assert.equal((await post(report, sign(now - 3600, report))).status, 401, 'an hour old');
  assert.equal((await post(report, sign(now, report), 'fax')).status, 404);
  const ok = await post(report, sign(now, report));
  assert.equal(ok.status, 200, ok.text);
  const m = (await srv.api(`/api/v1/messages/${message}`)).json;
  assert.equal(m.status, 'delivered');
  assert.ok(m.history.some((h) => h.status === 'delivered' && h.detail === 'handset'));
  const events = (await srv.profile(person.id)).events.filter((e) => e.name === 'SMS Delivered');
  assert.equal(events.length, 1);
  assert.equal(events[0].properties.message_id, message);
  const bad = JSON.stringify({ message_id: message, status: 'exploded' });
  assert.equal((await post(bad, sign(now, bad))).status, 400);
  const unknown = JSON.stringify({ message_id: 99999999, status: 'delivered' });
  assert.equal((await post(unknown, sign(now, unknown))).status, 404);
});

test('an e-mail provider reports a complaint: the person is opted out with the proof, the address suppressed, an event recorded', async () => {
  await rondo(['settings', 'set', '--db', ctx.ws.db, 'email.secret', SECRET]);
  await srv.api(`/api/v1/profiles/${person.id}/consents/email`, { method: 'PUT', body: { status: 'opted_in', proof: { source: 'signup' } } });
  const sent = await srv.api('/api/v1/messages', { method: 'POST', body: { profile_id: person.id, channel: 'email', template: 'mail' } });
  assert.equal(sent.status, 201, sent.text);
  const body = JSON.stringify({ message_id: sent.json.id, status: 'complained', detail: 'feedback loop' });
  const now = Math.floor(Date.now() / 1000);
  const r = await srv.request('POST', '/api/v1/channels/email/status',
    { body, headers: { 'content-type': 'application/json', 'x-rondo-signature': sign(now, body) } });
  assert.equal(r.status, 200, r.text);
  const view = await srv.profile(person.id);
  const email = view.consents.find((c) => c.channel === 'email' && !c.purpose);
  assert.equal(email.status, 'opted_out');
  assert.equal(email.proof.source, 'spam complaint');
  assert.equal(view.events.filter((e) => e.name === 'Email Complained').length, 1);
  const again = await srv.api('/api/v1/messages', { method: 'POST', body: { profile_id: person.id, channel: 'email', template: 'mail', transactional: true } });
  assert.equal(again.json.status, 'suppressed', 'not even a transactional message goes to an address that complained');
});

test('an SMS complaint opts the person out of SMS (not e-mail) and cancels the SMS still waiting', async () => {
  await srv.api(`/api/v1/profiles/${person.id}/consents/sms`, { method: 'PUT', body: { status: 'opted_in', proof: { source: 'signup' } } });
  const sent = await srv.api('/api/v1/messages', { method: 'POST', body: { profile_id: person.id, channel: 'sms', template: 'code', data: { code: '1' } } });
  assert.equal(sent.status, 201, sent.text);
  const body = JSON.stringify({ message_id: message, status: 'complained' });
  const now = Math.floor(Date.now() / 1000);
  const r = await srv.request('POST', '/api/v1/channels/sms/status',
    { body, headers: { 'content-type': 'application/json', 'x-rondo-signature': sign(now, body) } });
  assert.equal(r.status, 200, r.text);
  const view = await srv.profile(person.id);
  assert.equal(view.consents.find((c) => c.channel === 'sms' && !c.purpose).status, 'opted_out');
  assert.equal(view.events.filter((e) => e.name === 'SMS Complained').length, 1);
});
