// channels_templates.test.mjs — a template's language variants, chosen by the
// person's language with a fallback ("welcome.nl" for nl-BE, the plain
// "welcome" for a language without a variant), and the preview that renders
// a template for one person without sending anything.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createWorkspace, Server, cleanupAfter, uid } from './harness.mjs';

const ctx = { ws: null, server: null, servers: [] };
cleanupAfter(ctx);
let srv;
const people = {};

async function put(name, body) {
  const r = await srv.api(`/api/v1/templates/${name}`, { method: 'PUT', body });
  assert.ok([200, 201].includes(r.status), r.text);
}

before(async () => {
  ctx.ws = await createWorkspace();
  srv = new Server(ctx.ws);
  ctx.servers.push(srv);
  await srv.start();
  await put('welcome', { channel: 'outbox', subject: 'Welcome, {{profile.first_name}}', body: 'Total {{event.total | currency: "EUR"}}' });
  await put('welcome.nl', { channel: 'outbox', subject: 'Welkom, {{profile.first_name}}', body: 'Totaal {{event.total | currency: "EUR"}}' });
  await put('welcome.fr', { channel: 'outbox', subject: 'Bienvenue, {{profile.first_name}}', body: 'Total {{event.total | currency: "EUR"}}' });
  for (const [key, first, language] of [['nl', 'Lotte', 'nl-BE'], ['fr', 'Chloé', 'fr'], ['de', 'Jonas', 'de'], ['none', 'Sam', null]]) {
    const userId = uid(`lang-${key}`);
    const traits = { email: `${userId}@telenet.be`, firstName: first };
    if (language) traits.language = language;
    const r = await srv.ingest('/v1/identify', { userId, traits });
    assert.equal(r.status, 200, r.text);
    people[key] = await srv.profileBy('user_id', userId);
  }
});

test('the preview picks the variant of the person\'s language, with the locale\'s money, and sends nothing', async () => {
  const expect = {
    nl: ['welcome.nl', 'Welkom, Lotte', 'Totaal € 1.234,50'],
    fr: ['welcome.fr', 'Bienvenue, Chloé', 'Total 1\u202f234,50\u00a0€'],
    de: ['welcome', 'Welcome, Jonas', 'Total 1.234,50\u00a0€'],
    none: ['welcome', 'Welcome, Sam', 'Total €1,234.50'],
  };
  for (const [key, [template, subject]] of Object.entries(expect)) {
    const r = await srv.api('/api/v1/templates/welcome/preview', { method: 'POST', body: { profile_id: people[key].id, data: { total: 1234.5 } } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.template, template, key);
    assert.equal(r.json.subject, subject, key);
    assert.equal(r.json.profile_id, people[key].id);
    assert.match(r.json.text, /1[.,\u202f\u00a0 ]?234[.,]50/, `${key}: the amount in the text: ${r.json.text}`);
  }
  const listed = await srv.api(`/api/v1/messages?profile_id=${people.nl.id}`);
  assert.equal(listed.json.data.length, 0, 'a preview sends nothing');
});

test('a message goes out in the person\'s language', async () => {
  const r = await srv.api('/api/v1/messages', { method: 'POST', body: { profile_id: people.fr.id, channel: 'outbox', template: 'welcome', data: { total: 10 } } });
  assert.equal(r.status, 201, r.text);
  const m = (await srv.api(`/api/v1/messages/${r.json.id}`)).json;
  assert.equal(m.subject, 'Bienvenue, Chloé');
});

test('preview errors: an unknown template or profile is a 404 naming it; a bad body a 400', async () => {
  let r = await srv.api('/api/v1/templates/nope/preview', { method: 'POST', body: { profile_id: people.nl.id } });
  assert.equal(r.status, 404, r.text);
  assert.equal(r.json.error.field, 'name');
  r = await srv.api('/api/v1/templates/welcome/preview', { method: 'POST', body: { profile_id: 987654321 } });
  assert.equal(r.status, 404, r.text);
  assert.equal(r.json.error.field, 'profile_id');
  r = await srv.api('/api/v1/templates/welcome/preview', { method: 'POST', body: { profile_id: 'x' } });
  assert.equal(r.status, 400, r.text);
  r = await srv.api('/api/v1/templates/welcome/preview', { method: 'POST', body: { profile_id: people.nl.id, extra: 1 } });
  assert.equal(r.status, 400, r.text);
});
