// channels_outbox.test.mjs — letters for a mail house and call lists for a
// call centre (issue 7, items 7 and 8), end to end on a real `rondo serve`
// with a simulated clock.
//
// The workspace: four people imported from a CRM file (Ann and Piet Jacobs
// live at one address, so `rondo resolve` gives them one household; Bob's
// surname and street hold commas and quotes, for the CSV's quoting; Eva
// opted out of post) and two orders of Ann's. Scenarios with an api trigger
// send letters (two templates) and a call (then wait for a "Call Outcome"
// that says "reached").
//
// Letters: the day's batch through the API writes letters.csv (parsed here
// by an RFC 4180 reader) and one A4 page per letter under
// <db>.letters/<date>/, marks the letters "batched" with "batch N" in their
// history; the opted-out person's letter is "no_consent" and in no batch;
// the same day again is empty, by the API and the CLI alike; letters made
// later that day go in a next batch (letters-N.csv beside the first).
// --per-household keeps one letter per household and template a day (the
// first by profile id, or one batched earlier that day) and marks the others
// "merged_household".
//
// Calls: the list (JSON, CSV through the API, CSV through the CLI) has each
// open call with phone, script, scenario and context (lifecycle stage, the
// number of orders, the last order); a phone opt-out is no call. Outcomes:
// no_answer keeps the call open and counts the attempt, reached closes it;
// each is a "Call Outcome" event on the profile, which the scenario's
// wait_for and a segment rule see. Errors: 400 naming the field, 404 for an
// unknown message or one that is no call, 409 for a closed call. An erased
// person's call leaves the list, and their letter goes in no batch.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { rondo, createWorkspace, Server, cleanupAfter, expectError } from './harness.mjs';

const START = '2026-03-02T08:00:00.000Z';
const DAY1 = '2026-03-02';
const DAY2 = '2026-03-03';
const H = 3_600_000;

const ctx = { ws: null, server: null, servers: [] };
cleanupAfter(ctx);
let srv;
const id = {}; // profile ids by first name
const sc = {}; // scenario ids

/* ---- RFC 4180 ------------------------------------------------------------------------ */

/** Parse CSV text (RFC 4180: quoted fields may hold commas, quotes doubled, line breaks; CRLF rows). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"') {
      assert.equal(field, '', `a quote inside an unquoted field at ${i}`);
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      assert.notEqual(c, '\n', `a bare LF ends a row at ${i}: rows end with CRLF`);
      field += c;
      i++;
    }
  }
  assert.equal(quoted, false, 'an unterminated quoted field');
  assert.ok(row.length === 0 && field === '', 'the last row ends with CRLF');
  return rows;
}

/** CSV rows as objects keyed by the header row; asserts the header. */
function csvObjects(text, header) {
  const [head, ...rows] = parseCsv(text);
  assert.deepEqual(head, header);
  for (const r of rows) assert.equal(r.length, header.length, `row ${r}`);
  return rows.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k]])));
}

const LETTER_COLUMNS = ['letter_id', 'profile_id', 'name', 'street_line', 'postal_code', 'city', 'country', 'template', 'pages_file'];
const CALL_COLUMNS = ['message_id', 'profile_id', 'name', 'phone', 'status', 'attempts', 'scenario', 'template', 'created_at',
  'lifecycle_stage', 'orders', 'last_order_at', 'last_order_total', 'last_order_currency', 'script'];

/* ---- helpers ---------------------------------------------------------------------------- */

async function api(p, opts = {}, status = 200) {
  const r = await srv.api(p, opts);
  assert.equal(r.status, status, `${opts.method ?? 'GET'} ${p}: ${r.text}`);
  return r.json;
}

async function advanceTo(iso) {
  const r = await api('/api/v1/clock/advance', { method: 'POST', body: { to: iso } });
  assert.equal(r.now, iso);
}

async function settle() {
  await advanceTo((await api('/api/v1/clock')).now);
}

async function enter(scenario, profileId, payload = {}) {
  const r = await api(`/api/v1/scenarios/${scenario}/enter`, { method: 'POST', body: { profile_id: profileId, payload } }, 201);
  return r;
}

async function messages(profileId) {
  return (await api(`/api/v1/messages?profile_id=${profileId}&limit=1000`)).data;
}

/** The profile's newest message of a template. */
async function message(profileId, template) {
  const m = (await messages(profileId)).find((x) => x.template === template);
  assert.ok(m, `profile ${profileId} has a message of ${template}`);
  return m;
}

async function letters(date) {
  const r = await api(`/api/v1/letters?date=${date}`);
  assert.equal(r.date, date);
  return r.data;
}

async function scenario(name, nodes, edges) {
  const r = await api('/api/v1/scenarios', {
    method: 'POST',
    body: { name, definition: { trigger: { type: 'api' }, entry: { reentry: true }, nodes, edges } },
  }, 201);
  await api(`/api/v1/scenarios/${r.id}/activate`, { method: 'POST' });
  return r.id;
}

const batchDir = (date) => `${ctx.ws.db}.letters/${date}`;

/* ---- the workspace -------------------------------------------------------------------------- */

before(async () => {
  ctx.ws = await createWorkspace();
  const { dir, db } = ctx.ws;
  await writeFile(path.join(dir, 'people.csv'), [
    'external_id,first_name,last_name,email,phone,street,house_number,postal_code,city,country,language',
    'c-ann,Ann,Jacobs,ann.jacobs@telenet.be,0475 12 34 56,Kerkstraat,12,2000,Antwerpen,BE,nl',
    'c-piet,Piet,Jacobs,piet.jacobs@skynet.be,0476 98 76 54,Kerkstraat,12,2000,Antwerpen,BE,nl',
    'c-bob,Bob,"Mertens, ""Jr""",bob.mertens@proximus.be,0477 11 22 33,"Rue de l\'Église, bte ""3""",5,1000,Bruxelles,BE,fr',
    'c-eva,Eva,Peeters,eva.peeters@telenet.be,0478 44 55 66,Meir,1,2000,Antwerpen,BE,nl',
    '',
  ].join('\n'));
  await writeFile(path.join(dir, 'orders.csv'), [
    'external_id,customer_id,ordered_at,total,currency',
    'A1,c-ann,2026-01-10T10:00:00Z,25.50,EUR',
    'A2,c-ann,2026-02-20T15:30:00Z,40.00,EUR',
    '',
  ].join('\n'));
  await rondo(['import', '--db', db, '--source', 'crm', '--table', 'profiles', '--country', 'BE', '--quiet', path.join(dir, 'people.csv')]);
  await rondo(['import', '--db', db, '--source', 'crm', '--table', 'orders', '--quiet', path.join(dir, 'orders.csv')]);
  const { stdout } = await rondo(['resolve', '--db', db]);
  assert.match(stdout, /1 households of 2 profiles/);

  srv = new Server(ctx.ws, { args: ['--clock', `simulated=${START}`, '--scenario-interval', '60000'] });
  ctx.server = srv;
  ctx.servers.push(srv);
  await srv.start();

  for (const [name, ext] of [['Ann', 'c-ann'], ['Piet', 'c-piet'], ['Bob', 'c-bob'], ['Eva', 'c-eva']]) {
    const found = (await api(`/api/v1/profiles?identity=${encodeURIComponent(`user_id:${ext}`)}`)).data;
    assert.equal(found.length, 1, ext);
    id[name] = found[0].id;
  }
  // Eva wants no letters; Piet wants no calls
  for (const [who, channel] of [['Eva', 'post'], ['Piet', 'phone']]) {
    await api(`/api/v1/profiles/${id[who]}/consents/${channel}`, {
      method: 'PUT', body: { status: 'opted_out', proof: { source: 'call centre' } },
    });
  }

  const templates = {
    'loyalty-letter': { channel: 'letter', subject: 'Your loyalty points',
      html: '<p>Dear {{profile.first_name}} {{profile.last_name}},</p><p>Your {{event.points}} points are waiting for you.</p>' },
    'winback-letter': { channel: 'letter', subject: 'We miss you',
      body: 'Dear {{profile.first_name}},\n\nCome back & save: {{event.code}}.\nSee you soon.' },
    'call-script': { channel: 'call', subject: 'Spring sale',
      body: 'Hello {{profile.first_name}}, this is the shop. Ask about the spring sale; offer code {{event.code}}.' },
  };
  for (const [name, t] of Object.entries(templates)) await api(`/api/v1/templates/${name}`, { method: 'PUT', body: t }, 201);
  sc.loyalty = await scenario('loyalty letter', [{ id: 'letter', type: 'send', channel: 'letter', template: 'loyalty-letter' }],
    [{ from: 'trigger', to: 'letter' }]);
  sc.winback = await scenario('winback letter', [{ id: 'letter', type: 'send', channel: 'letter', template: 'winback-letter' }],
    [{ from: 'trigger', to: 'letter' }]);
  sc.call = await scenario('spring sale call', [
    { id: 'call', type: 'send', channel: 'call', template: 'call-script' },
    { id: 'outcome', type: 'wait_for', event: 'Call Outcome', timeout: '7d',
      where: [{ path: 'properties.outcome', op: '=', value: 'reached' }] },
    { id: 'reached', type: 'exit', reason: 'reached' },
    { id: 'unreached', type: 'exit', reason: 'not_reached' },
  ], [
    { from: 'trigger', to: 'call' },
    { from: 'call', to: 'outcome' },
    { from: 'outcome', exit: 'happened', to: 'reached' },
    { from: 'outcome', exit: 'timed_out', to: 'unreached' },
  ]);
});

/* ---- letters ---------------------------------------------------------------------------------- */

test('households come from rondo resolve: Ann and Piet share one, Bob and Eva have none', async () => {
  const [ann, piet, bob, eva] = await Promise.all(['Ann', 'Piet', 'Bob', 'Eva'].map((n) => srv.profile(id[n])));
  assert.ok(ann.household_id, JSON.stringify(ann));
  assert.equal(piet.household_id, ann.household_id);
  assert.equal(bob.household_id ?? null, null);
  assert.equal(eva.household_id ?? null, null);
  assert.ok(id.Ann < id.Piet, 'Ann was imported first');
});

test('a day\'s batch through the API: letters.csv with the address blocks, one A4 page per letter, letters marked batched', async () => {
  for (const who of ['Ann', 'Piet', 'Bob', 'Eva']) await enter(sc.loyalty, id[who], { points: 1200 });
  await enter(sc.winback, id.Ann, { code: 'BACK10' });

  // Eva opted out of post: her letter stopped at sending
  const eva = await message(id.Eva, 'loyalty-letter');
  assert.equal(eva.status, 'no_consent');
  let day = await letters(DAY1);
  assert.equal(day.length, 5);
  assert.deepEqual(day.map((l) => l.status).sort(), ['no_consent', 'stored', 'stored', 'stored', 'stored']);
  for (const l of day) assert.equal(l.batch, null);
  const annL = day.find((l) => l.profile_id === id.Ann && l.template === 'loyalty-letter');
  assert.equal(annL.name, 'Ann Jacobs');
  assert.equal(annL.street_line, 'Kerkstraat 12');
  assert.equal(annL.postal_code, '2000');
  assert.equal(annL.city, 'Antwerpen');
  assert.equal(annL.country, 'BE');
  assert.equal(annL.scenario, 'loyalty letter');
  assert.equal(annL.created_at, START);

  const b = await api('/api/v1/letters/batches', { method: 'POST', body: { date: DAY1 } }, 201);
  assert.equal(b.batch, 1);
  assert.equal(b.letters, 4);
  assert.equal(b.merged, 0);
  assert.equal(b.date, DAY1);
  assert.equal(path.resolve(b.dir), path.resolve(batchDir(DAY1)));
  assert.equal(b.files[0], 'letters.csv');
  assert.equal(b.files.length, 5);
  const onDisk = (await readdir(batchDir(DAY1))).sort();
  assert.deepEqual(onDisk, [...b.files].sort());

  const rows = csvObjects(await readFile(path.join(batchDir(DAY1), 'letters.csv'), 'utf8'), LETTER_COLUMNS);
  assert.equal(rows.length, 4);
  assert.ok(!rows.some((r) => Number(r.profile_id) === id.Eva), 'the opted-out person is in no batch');
  const ids = rows.map((r) => Number(r.letter_id));
  assert.deepEqual(ids.slice().sort((x, y) => x - y), day.filter((l) => l.status === 'stored').map((l) => l.id).sort((x, y) => x - y));
  const bob = rows.find((r) => Number(r.profile_id) === id.Bob);
  assert.deepEqual(bob, {
    letter_id: bob.letter_id, profile_id: String(id.Bob), name: 'Bob Mertens, "Jr"',
    street_line: 'Rue de l\'Église, bte "3" 5', postal_code: '1000', city: 'Bruxelles', country: 'BE',
    template: 'loyalty-letter', pages_file: `letter-${bob.letter_id}.html`,
  });
  for (const r of rows) {
    assert.equal(r.pages_file, `letter-${r.letter_id}.html`);
    assert.ok(b.files.includes(r.pages_file));
    const html = await readFile(path.join(batchDir(DAY1), r.pages_file), 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /@page\{size:A4/);
    assert.match(html, /class="window"/);
    if (r.template === 'loyalty-letter') {
      assert.match(html, /Your loyalty points/);
      assert.match(html, /points are waiting for you/);
    }
  }
  const annPage = await readFile(path.join(batchDir(DAY1), `letter-${annL.id}.html`), 'utf8');
  assert.match(annPage, /<div class="window">Ann Jacobs<br>Kerkstraat 12<br>2000 Antwerpen<br>BE<\/div>/);
  assert.match(annPage, /<p>Dear Ann Jacobs,<\/p><p>Your 1200 points are waiting for you\.<\/p>/);
  assert.match(annPage, /<html lang="nl">/);
  // the address block escaped; a text template's paragraphs and line breaks kept, escaped
  const bobPage = await readFile(path.join(batchDir(DAY1), bob.pages_file), 'utf8');
  assert.match(bobPage, /Bob Mertens, &quot;Jr&quot;<br>Rue de l&#39;Église, bte &quot;3&quot; 5<br>1000 Bruxelles/);
  const winback = rows.find((r) => r.template === 'winback-letter');
  const winPage = await readFile(path.join(batchDir(DAY1), winback.pages_file), 'utf8');
  assert.match(winPage, /<p>Dear Ann,<\/p>\n<p>Come back &amp; save: BACK10\.<br>\nSee you soon\.<\/p>/);

  day = await letters(DAY1);
  for (const l of day) {
    if (l.profile_id === id.Eva) assert.deepEqual([l.status, l.batch], ['no_consent', null]);
    else assert.deepEqual([l.status, l.batch], ['batched', 1]);
  }
  const hist = (await api(`/api/v1/messages/${annL.id}`)).history;
  assert.deepEqual(hist.map((h) => [h.status, h.detail]), [['stored', null], ['batched', 'batch 1']]);
});

test('the same day again is an empty batch, by the API and by the CLI; nothing is written', async () => {
  const again = await api('/api/v1/letters/batches', { method: 'POST', body: { date: DAY1 } }, 200);
  assert.deepEqual([again.batch, again.letters, again.files], [null, 0, []]);
  const out = path.join(ctx.ws.dir, 'cli-day1');
  const { stdout } = await rondo(['letters', 'export', '--db', ctx.ws.db, '--date', DAY1, '--out', out]);
  assert.match(stdout, /^no letters left to batch\n$/);
  assert.equal(existsSync(out), false);
  const json = JSON.parse((await rondo(['letters', 'export', '--db', ctx.ws.db, '--date', DAY1, '--json'])).stdout);
  assert.deepEqual([json.batch, json.letters, json.files], [null, 0, []]);
  assert.equal((await readdir(batchDir(DAY1))).length, 5);
});

test('letters made later that day go in the next batch, its CSV beside the first', async () => {
  await advanceTo('2026-03-02T15:00:00.000Z');
  await enter(sc.winback, id.Bob, { code: 'BOB5' });
  const b = await api('/api/v1/letters/batches', { method: 'POST', body: { date: DAY1 } }, 201);
  assert.equal(b.batch, 2);
  assert.equal(b.letters, 1);
  assert.equal(b.files[0], 'letters-2.csv');
  const rows = csvObjects(await readFile(path.join(batchDir(DAY1), 'letters-2.csv'), 'utf8'), LETTER_COLUMNS);
  assert.deepEqual(rows.map((r) => [Number(r.profile_id), r.template]), [[id.Bob, 'winback-letter']]);
  // the first batch's CSV is untouched
  assert.equal(csvObjects(await readFile(path.join(batchDir(DAY1), 'letters.csv'), 'utf8'), LETTER_COLUMNS).length, 4);
  const cli = await rondo(['letters', 'list', '--db', ctx.ws.db, '--date', DAY1]);
  assert.match(cli.stdout, /batched\s+2\s+\d+\s+winback-letter\s+Bob Mertens, "Jr"/);
});

test('per household: one letter per household and template a day (CLI, then the API); the others merged_household', async () => {
  await advanceTo(`${DAY2}T08:00:00.000Z`);
  for (const who of ['Piet', 'Ann', 'Bob']) await enter(sc.loyalty, id[who], { points: 50 });
  await enter(sc.winback, id.Piet, { code: 'PIET' });
  const out = path.join(ctx.ws.dir, 'mailhouse');
  const { stdout } = await rondo(['letters', 'export', '--db', ctx.ws.db, '--date', DAY2, '--out', out, '--per-household', '--json']);
  const b = JSON.parse(stdout);
  assert.equal(b.batch, 3);
  assert.equal(b.letters, 3);
  assert.equal(b.merged, 1);
  assert.equal(b.dir, out);
  const rows = csvObjects(await readFile(path.join(out, 'letters.csv'), 'utf8'), LETTER_COLUMNS);
  // Ann's loyalty letter goes (first by profile id), Piet's is merged into it; Piet's winback letter is the household's only one
  assert.deepEqual(rows.map((r) => [Number(r.profile_id), r.template]).sort(),
    [[id.Ann, 'loyalty-letter'], [id.Bob, 'loyalty-letter'], [id.Piet, 'winback-letter']].sort());
  assert.deepEqual((await readdir(out)).sort(), ['letters.csv', ...rows.map((r) => r.pages_file)].sort());
  const day = await letters(DAY2);
  const piet = day.find((l) => l.profile_id === id.Piet && l.template === 'loyalty-letter');
  const ann = day.find((l) => l.profile_id === id.Ann && l.template === 'loyalty-letter');
  assert.deepEqual([piet.status, piet.batch], ['merged_household', null]);
  assert.deepEqual([ann.status, ann.batch], ['batched', 3]);
  const hist = (await api(`/api/v1/messages/${piet.id}`)).history;
  assert.deepEqual(hist.at(-1).status, 'merged_household');
  assert.match(hist.at(-1).detail, new RegExp(`merged into letter ${ann.id} \\(household ${piet.household_id}\\)`));

  // later that day Ann gets a winback letter: her household had one today, so it merges
  await advanceTo(`${DAY2}T11:00:00.000Z`);
  await enter(sc.winback, id.Ann, { code: 'ANN' });
  const late = await api('/api/v1/letters/batches', { method: 'POST', body: { date: DAY2, per_household: true } }, 200);
  assert.deepEqual([late.batch, late.letters, late.merged, late.files], [null, 0, 1, []]);
  const annWin = (await letters(DAY2)).find((l) => l.profile_id === id.Ann && l.template === 'winback-letter');
  assert.equal(annWin.status, 'merged_household');
  // without per_household nothing is left either: merged letters never go
  const none = await api('/api/v1/letters/batches', { method: 'POST', body: { date: DAY2 } }, 200);
  assert.deepEqual([none.batch, none.merged], [null, 0]);
});

test('letters: the date defaults to the server\'s today; bad input is a 400 naming the field; keys are checked', async () => {
  const today = await api('/api/v1/letters');
  assert.equal(today.date, DAY2);
  assert.equal(today.data.length, 5);
  const empty = await api('/api/v1/letters/batches', { method: 'POST' }, 200);
  assert.deepEqual([empty.date, empty.batch], [DAY2, null]);
  expectError(await srv.api('/api/v1/letters?date=2026-02-30'), 400, 'date', 'invalid');
  expectError(await srv.api('/api/v1/letters?date=yesterday'), 400, 'date', 'invalid');
  expectError(await srv.api('/api/v1/letters/batches', { method: 'POST', body: { date: 20260302 } }), 400, 'date');
  expectError(await srv.api('/api/v1/letters/batches', { method: 'POST', body: { date: DAY1, per_household: 'yes' } }), 400, 'per_household');
  const err = expectError(await srv.api('/api/v1/letters/batches', { method: 'POST', body: { dat: DAY1 } }), 400, 'dat');
  assert.match(err.message, /did you mean "date"/);
  expectError(await srv.api('/api/v1/letters', { key: ctx.ws.writeKey }), 403);
  expectError(await srv.api('/api/v1/letters', { key: null }), 401);
  const r = await rondo(['letters', 'export', '--db', ctx.ws.db, '--date', '2026-13-01'], { allowFail: true });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /date/);
});

/* ---- calls ------------------------------------------------------------------------------------ */

let calls;

test('the call list: open calls with phone, script and the person\'s context; a phone opt-out is no call', async () => {
  for (const who of ['Ann', 'Bob', 'Piet']) await enter(sc.call, id[who], { code: 'SPRING' });
  assert.equal((await message(id.Piet, 'call-script')).status, 'no_consent');
  const r = await api('/api/v1/calls?status=open');
  calls = Object.fromEntries(r.data.map((c) => [c.profile_id, c]));
  assert.equal(r.data.length, 2);
  assert.equal(r.next_cursor, null);
  const ann = calls[id.Ann];
  assert.equal(ann.name, 'Ann Jacobs');
  assert.equal(ann.phone, '+32475123456');
  assert.equal(ann.status, 'stored');
  assert.equal(ann.attempts, 0);
  assert.equal(ann.scenario, 'spring sale call');
  assert.equal(ann.scenario_id, sc.call);
  assert.equal(ann.template, 'call-script');
  assert.equal(ann.script, 'Hello Ann, this is the shop. Ask about the spring sale; offer code SPRING.');
  assert.deepEqual(ann.context, {
    lifecycle_stage: 'repeat buyer', orders: 2,
    last_order: { date: '2026-02-20T15:30:00.000Z', total: 40, currency: 'EUR' },
  });
  const bob = calls[id.Bob];
  assert.equal(bob.name, 'Bob Mertens, "Jr"');
  assert.deepEqual(bob.context, { lifecycle_stage: 'prospect', orders: 0, last_order: null });
  assert.equal((await api('/api/v1/calls?limit=1')).next_cursor, Math.min(ann.id, bob.id));
  assert.deepEqual((await api(`/api/v1/calls?after=${Math.min(ann.id, bob.id)}`)).data.map((c) => c.id), [Math.max(ann.id, bob.id)]);
});

test('the call list as CSV, through the API and the CLI alike', async () => {
  const r = await srv.api('/api/v1/calls?format=csv');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  const rows = csvObjects(r.text, CALL_COLUMNS);
  assert.equal(rows.length, 2);
  const ann = rows.find((x) => Number(x.profile_id) === id.Ann);
  assert.deepEqual(ann, {
    message_id: String(calls[id.Ann].id), profile_id: String(id.Ann), name: 'Ann Jacobs', phone: '+32475123456',
    status: 'stored', attempts: '0', scenario: 'spring sale call', template: 'call-script', created_at: calls[id.Ann].created_at,
    lifecycle_stage: 'repeat buyer', orders: '2', last_order_at: '2026-02-20T15:30:00.000Z', last_order_total: '40.00',
    last_order_currency: 'EUR', script: 'Hello Ann, this is the shop. Ask about the spring sale; offer code SPRING.',
  });
  const bob = rows.find((x) => Number(x.profile_id) === id.Bob);
  assert.equal(bob.name, 'Bob Mertens, "Jr"');
  assert.deepEqual([bob.lifecycle_stage, bob.orders, bob.last_order_at, bob.last_order_total], ['prospect', '0', '', '']);

  const file = path.join(ctx.ws.dir, 'calls.csv');
  const cli = await rondo(['calls', 'export', '--db', ctx.ws.db, '--out', file]);
  assert.match(cli.stderr, /2 calls written to/);
  assert.equal(await readFile(file, 'utf8'), r.text);
  const stdout = (await rondo(['calls', 'export', '--db', ctx.ws.db])).stdout;
  assert.equal(stdout, r.text);
});

test('outcomes: no_answer keeps the call open, reached closes it; each is a Call Outcome event that scenarios and segments see', async () => {
  const annCall = calls[id.Ann].id;
  await advanceTo(`${DAY2}T12:00:00.000Z`);
  let r = await api(`/api/v1/calls/${annCall}/outcome`, { method: 'POST', body: { outcome: 'no_answer', agent: 'Mia' } });
  assert.deepEqual(r, { id: annCall, status: 'stored', outcome: 'no_answer', event: 'Call Outcome' });
  await settle();
  let open = (await api('/api/v1/calls')).data.find((c) => c.id === annCall);
  assert.equal(open.attempts, 1);
  let run = await runOf(id.Ann);
  assert.equal(run.state, 'event', 'a no_answer is no "reached": the run still waits');

  await advanceTo(`${DAY2}T16:00:00.000Z`);
  const note = 'Comes Saturday, wants the "blue" shoes, size 38';
  r = await api(`/api/v1/calls/${annCall}/outcome`, { method: 'POST', body: { outcome: 'reached', note, agent: 'Mia' } });
  assert.equal(r.status, 'called');
  await settle();
  assert.deepEqual((await api('/api/v1/calls')).data.map((c) => c.profile_id), [id.Bob]);
  const closed = (await api('/api/v1/calls?status=closed')).data;
  assert.deepEqual(closed.map((c) => [c.id, c.status, c.attempts]), [[annCall, 'called', 2]]);
  assert.equal((await api('/api/v1/calls?status=all')).data.length, 2);

  const m = await api(`/api/v1/messages/${annCall}`);
  assert.equal(m.status, 'called');
  assert.deepEqual(m.history.map((h) => [h.status, h.detail, h.at]), [
    ['stored', null, m.created_at],
    ['no_answer', 'no_answer by Mia', `${DAY2}T12:00:00.000Z`],
    ['called', `reached by Mia: ${note}`, `${DAY2}T16:00:00.000Z`],
  ]);

  const view = await srv.profile(id.Ann);
  const events = view.events.filter((e) => e.name === 'Call Outcome');
  assert.equal(events.length, 2);
  const props = events.map((e) => (typeof e.properties === 'string' ? JSON.parse(e.properties) : e.properties));
  assert.deepEqual(props.sort((a, b) => a.outcome.localeCompare(b.outcome)), [
    { message_id: annCall, outcome: 'no_answer', note: null, agent: 'Mia' },
    { message_id: annCall, outcome: 'reached', note, agent: 'Mia' },
  ]);
  for (const e of events) assert.equal(e.source, 'rondo');

  run = await runOf(id.Ann);
  assert.equal(run.outcome, 'reached');
  assert.deepEqual(run.ledger.map((x) => `${x.node}:${x.outcome}`), ['call:sent', 'outcome:happened', 'reached:end:reached']);

  // wrong_number closes Bob's call; his run times out on its own later
  const bobCall = calls[id.Bob].id;
  r = await api(`/api/v1/calls/${bobCall}/outcome`, { method: 'POST', body: { outcome: 'wrong_number' } });
  assert.equal(r.status, 'called');
  assert.deepEqual((await api('/api/v1/calls')).data, []);
  const preview = await api('/api/v1/segments/preview', { method: 'POST', body: { rule: 'events.any(name = "Call Outcome")' } });
  assert.equal(preview.count, 2);
  assert.deepEqual(preview.sample.slice().sort((a, b) => a - b), [id.Ann, id.Bob].sort((a, b) => a - b));
  assert.equal((await srv.profile(id.Bob)).phone, '+32477112233', 'a wrong number leaves the phone alone');
  await advanceTo('2026-03-11T08:00:00.000Z');
  assert.equal((await runOf(id.Bob)).outcome, 'not_reached');
});

test('outcome errors: 400 naming the field, 404 for no such call, 409 for a closed one', async () => {
  const annCall = calls[id.Ann].id;
  const post = (mid, body, key) => srv.api(`/api/v1/calls/${mid}/outcome`, { method: 'POST', body, key });
  let err = expectError(await post(annCall, { outcome: 'maybe' }), 400, 'outcome', 'invalid');
  assert.match(err.message, /reached, no_answer, wrong_number, callback, declined/);
  expectError(await post(annCall, {}), 400, 'outcome');
  expectError(await post(annCall, { outcome: 'reached', note: 5 }), 400, 'note');
  expectError(await post(annCall, { outcome: 'reached', agent: 'x'.repeat(201) }), 400, 'agent');
  err = expectError(await post(annCall, { outcome: 'reached', notes: 'hi' }), 400, 'notes');
  assert.match(err.message, /did you mean "note"/);
  expectError(await post(annCall, 'not json'), 400, 'body');
  expectError(await post('abc', { outcome: 'reached' }), 400, 'id');
  expectError(await post(99999999, { outcome: 'reached' }), 404, 'id', 'not_found');
  const letter = await message(id.Ann, 'loyalty-letter');
  err = expectError(await post(letter.id, { outcome: 'reached' }), 404, 'id', 'not_found');
  assert.match(err.message, /not a call/);
  err = expectError(await post(annCall, { outcome: 'reached' }), 409, 'id', 'conflict');
  assert.match(err.message, /called/);
  const piet = await message(id.Piet, 'call-script');
  expectError(await post(piet.id, { outcome: 'reached' }), 409, 'id');
  expectError(await post(annCall, { outcome: 'reached' }, ctx.ws.writeKey), 403);
  expectError(await srv.api('/api/v1/calls?status=pending'), 400, 'status');
  expectError(await srv.api('/api/v1/calls?format=xml'), 400, 'format');
  expectError(await srv.api('/api/v1/calls?limit=0'), 400, 'limit');
  // nothing of that changed the closed call
  assert.equal((await api(`/api/v1/messages/${annCall}`)).history.length, 3);
  const r = await rondo(['calls', 'export', '--db', ctx.ws.db, '--status', 'pending'], { allowFail: true });
  assert.equal(r.code, 2);
});

test('an erased person: their open call leaves the list and takes no outcome; their letter goes in no batch', async () => {
  await advanceTo('2026-03-12T08:00:00.000Z');
  await enter(sc.call, id.Eva, { code: 'EVA' });
  await enter(sc.loyalty, id.Bob, { points: 7 });
  const evaCall = (await api('/api/v1/calls')).data;
  assert.deepEqual(evaCall.map((c) => c.profile_id), [id.Eva]);
  assert.deepEqual((await letters('2026-03-12')).map((l) => [l.profile_id, l.status]), [[id.Bob, 'stored']]);
  for (const who of ['Eva', 'Bob']) await api(`/api/v1/profiles/${id[who]}`, { method: 'DELETE' });
  assert.deepEqual((await api('/api/v1/calls')).data, []);
  const err = expectError(await srv.api(`/api/v1/calls/${evaCall[0].id}/outcome`, { method: 'POST', body: { outcome: 'reached' } }),
    404, 'id');
  assert.match(err.message, /erased/);
  const b = await api('/api/v1/letters/batches', { method: 'POST', body: { date: '2026-03-12' } }, 200);
  assert.deepEqual([b.batch, b.letters, b.files], [null, 0, []]);
  assert.equal(existsSync(batchDir('2026-03-12')), false);
});

test('a batched letter still counts for the letter frequency cap',
  async () => {
    await rondo(['settings', 'set', '--db', ctx.ws.db, 'frequency_cap.letter', '1/7d']);
    await advanceTo('2026-03-20T08:00:00.000Z');
    await enter(sc.loyalty, id.Ann, { points: 1 });
    await enter(sc.loyalty, id.Ann, { points: 2 });
    let day = await letters('2026-03-20');
    assert.deepEqual(day.map((l) => l.status), ['stored', 'capped'], 'the cap holds while the letter is stored');
    await api('/api/v1/letters/batches', { method: 'POST', body: { date: '2026-03-20' } }, 201);
    await enter(sc.loyalty, id.Ann, { points: 3 });
    day = await letters('2026-03-20');
    assert.deepEqual(day.map((l) => l.status), ['batched', 'capped', 'capped'], 'the batched letter still counts');
  });

async function runOf(profileId) {
  const runs = (await api(`/api/v1/profiles/${profileId}/runs`)).data.filter((x) => x.scenario_id === sc.call);
  assert.ok(runs.length >= 1);
  return api(`/api/v1/runs/${runs[0].id}`);
}
