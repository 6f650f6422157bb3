// channels_prefs.test.mjs — the preference centre in a real browser: headless
// Chromium (Debian's, driven by playwright-core) opens a person's page from
// the link in a message, changes channels, a topic, the pace and which
// address to use, and submits; the consent ledger then holds each change
// with its proof, and sending follows the choices (the chosen address, at
// most one e-mail a week).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { rondo, createWorkspace, Server, cleanupAfter, uid } from './harness.mjs';

const ctx = { ws: null, server: null, servers: [] };
cleanupAfter(ctx);
let srv;
let browser;

before(async () => {
  ctx.ws = await createWorkspace();
  srv = new Server(ctx.ws, { args: ['--clock', 'simulated=2026-06-01T09:00:00Z'] });
  ctx.servers.push(srv);
  await srv.start();
  const base = `http://127.0.0.1:${srv.port}`;
  await rondo(['settings', 'set', '--db', ctx.ws.db, 'public_url', base]);
  await rondo(['settings', 'set', '--db', ctx.ws.db, 'topics', 'newsletter,offers']);
  const tpl = { channel: 'email', subject: 'News for {{profile.first_name}}',
    html: '<p>Hello {{profile.first_name}}</p><p><a href="{{links.preferences}}">Your preferences</a></p>' };
  assert.ok([200, 201].includes((await srv.api('/api/v1/templates/news', { method: 'PUT', body: tpl })).status));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => { await browser?.close(); });

test('a person sets channels, a topic, the pace and the address in Chromium; the ledger keeps each change with its proof', { timeout: 90_000 }, async () => {
  const userId = uid('prefs');
  const first = `${userId}@telenet.be`, second = `${userId}.work@proximus.be`;
  for (const email of [first, second]) {
    const r = await srv.ingest('/v1/identify', { userId, traits: { email, firstName: 'Lotte', phone: '+32470123456' } });
    assert.equal(r.status, 200, r.text);
  }
  const p = await srv.profileBy('user_id', userId);
  const c = await srv.api(`/api/v1/profiles/${p.id}/consents/email`, { method: 'PUT',
    body: { status: 'opted_in', proof: { source: 'signup form', wording: 'Yes, send me news' } } });
  assert.equal(c.status, 200, c.text);

  // a message carries the link to the person's page
  const sent = await srv.api('/api/v1/messages', { method: 'POST', body: { profile_id: p.id, channel: 'email', template: 'news' } });
  assert.equal(sent.status, 201, sent.text);
  const m = (await srv.api(`/api/v1/messages/${sent.json.id}`)).json;
  const link = /href="(http:\/\/127\.0\.0\.1:\d+\/p\/[0-9]+\.[0-9a-f]+)"/.exec(m.html)?.[1];
  assert.ok(link, `a preference link in ${m.html}`);

  const page = await browser.newPage();
  await page.goto(link);
  assert.equal(await page.title(), 'Your preferences');
  assert.equal(await page.isChecked('input[name=channel_email]'), true, 'the e-mail opt-in shows');
  assert.equal(await page.isChecked('input[name=channel_sms]'), false);
  assert.equal(await page.isChecked('input[name=channel_post]'), true, 'letters: no opt-out, so yes');
  assert.equal(await page.isChecked('input[name=topic_offers]'), false);
  await page.check('input[name=channel_sms]');
  await page.uncheck('input[name=channel_post]');
  await page.check('input[name=topic_offers]');
  await page.selectOption('select[name=frequency]', 'weekly');
  await page.check(`input[name=preferred_email][value="${second}"]`);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.match(await page.textContent('#saved'), /saved/);
  assert.equal(await page.isChecked('input[name=channel_sms]'), true, 'the page shows what was saved');
  assert.equal(await page.isChecked(`input[name=preferred_email][value="${second}"]`), true);
  await page.close();

  const view = await srv.profile(p.id);
  const consent = (ch, purpose = '') => view.consents.find((x) => x.channel === ch && (x.purpose ?? '') === purpose);
  assert.equal(consent('sms').status, 'opted_in');
  assert.equal(consent('post').status, 'opted_out');
  assert.equal(consent('email', 'offers').status, 'opted_in');
  assert.equal(consent('email').status, 'opted_in', 'unchanged');
  for (const x of [consent('sms'), consent('post'), consent('email', 'offers')]) {
    assert.equal(x.proof.source, 'preference centre');
    assert.equal(x.proof.wording, 'Your choices on our preference page');
    assert.equal(x.proof.ip, '127.0.0.1');
  }
  const hist = (await srv.api(`/api/v1/profiles/${p.id}/consents/history`)).json.data;
  assert.equal(hist.filter((h) => h.proof?.source === 'preference centre' || h.source === 'preference centre').length, 3,
    `one ledger entry per change, none for what stayed: ${JSON.stringify(hist)}`);
  assert.equal(view.attributes.email_frequency, 'weekly');
  assert.equal(view.attributes.preferred_email, second);

  // sending follows the choices: the chosen address, and at most one e-mail a week
  const a = await srv.api('/api/v1/messages', { method: 'POST', body: { profile_id: p.id, channel: 'email', template: 'news' } });
  assert.equal(a.status, 201, a.text);
  assert.equal(a.json.status, 'capped', 'a second e-mail within the week: not sent');
  assert.equal((await srv.api('/api/v1/clock/advance', { method: 'POST', body: { by: '8d' } })).status, 200);
  const b = await srv.api('/api/v1/messages', { method: 'POST', body: { profile_id: p.id, channel: 'email', template: 'news' } });
  assert.equal(b.json.status, 'stored', b.text);
  assert.equal((await srv.api(`/api/v1/messages/${b.json.id}`)).json.address, second, 'to the chosen address');
});

test('a preference link that was not signed here, or is changed, shows nothing', async () => {
  const r = await srv.request('GET', '/p/1.00000000000000000000000000000000');
  assert.equal(r.status, 404);
  const s = await srv.request('POST', '/p/2.deadbeef', { body: 'channel_email=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(s.status, 404);
});

test('an old preference link of a person who was erased writes nothing', async () => {
  const userId = uid('gone');
  assert.equal((await srv.ingest('/v1/identify', { userId, traits: { email: `${userId}@telenet.be`, firstName: 'Gone' } })).status, 200);
  const p = await srv.profileBy('user_id', userId);
  const sent = await srv.api('/api/v1/messages', { method: 'POST', body: { profile_id: p.id, channel: 'outbox', template: 'news' } });
  const m = (await srv.api(`/api/v1/messages/${sent.json.id}`)).json;
  const link = /href="http:\/\/127\.0\.0\.1:\d+(\/p\/[0-9]+\.[0-9a-f]+)"/.exec(m.html)[1];
  assert.equal((await srv.api(`/api/v1/profiles/${p.id}`, { method: 'DELETE' })).status, 200);
  const r = await srv.request('POST', link, { body: 'channel_email=1&channel_sms=1&frequency=weekly', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(r.status, 404);
  const view = await srv.profile(p.id);
  assert.deepEqual(view.consents, []);
  assert.deepEqual(view.attributes, {});
});
