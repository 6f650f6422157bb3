// scenarios_api.test.mjs — scenarios through the management API, on
// generated data (`rondo gen` -> `rondo import`) and a simulated clock
// (`rondo serve --clock simulated=...`, moved by POST /api/v1/clock/advance):
// templates (compiled before they are saved), definitions validated with
// the node and the field named, a journey entered through the API
// (condition -> a/b split with a holdout -> wait 1d -> send to the outbox)
// with its per-node counts, messages rendered per profile and each run's
// ledger; entry rules (already running, not active, other triggers);
// pause, activate and archive; a task with its one-click resolve link; the
// clock, which only an admin moves and only when it is simulated; the
// runs in the 360° view; and who may call what.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  rondo, createWorkspace, createKey, Server, cleanupAfter, importGenerated, expectError, uid,
} from './harness.mjs';

const START = '2026-03-01T08:00:00.000Z';
const DAY = 86_400_000;

const ctx = { ws: null, server: null, servers: [] };
cleanupAfter(ctx);
let srv;
let marketer;
const withEmail = []; // live profile views with an e-mail and a first name
const withoutEmail = []; // live profile views without an e-mail

before(async () => {
  ctx.ws = await createWorkspace();
  const data = path.join(ctx.ws.dir, 'data');
  await rondo(['gen', '--profiles', '200', '--seed', '5', '--out', data]);
  await importGenerated(ctx.ws.db, data);
  marketer = await createKey(ctx.ws.db, 'marketer');
  srv = new Server(ctx.ws, { args: ['--clock', `simulated=${START}`] });
  ctx.servers.push(srv);
  await srv.start();
  for (let id = 1; id <= 400 && (withEmail.length < 40 || withoutEmail.length < 3); id++) {
    const r = await srv.api(`/api/v1/profiles/${id}`);
    if (r.status !== 200 || r.json.merged_into) continue;
    const v = r.json;
    const hasEmail = v.identities.some((i) => i.type === 'email');
    if (hasEmail && v.first_name && v.email) withEmail.push(v);
    else if (!hasEmail) withoutEmail.push(v);
  }
  assert.ok(withEmail.length >= 40, `enough profiles with an e-mail: ${withEmail.length}`);
});

/* ---- helpers ------------------------------------------------------------------ */

async function ok(p, opts = {}, status = 200) {
  const r = await srv.api(p, opts);
  assert.equal(r.status, status, `${opts.method ?? 'GET'} ${p}: ${r.text}`);
  return r.json;
}

const putTemplate = (name, body, status = 201) => ok(`/api/v1/templates/${name}`, { method: 'PUT', body }, status);
const createScenario = (name, definition) => ok('/api/v1/scenarios', { method: 'POST', body: { name, definition } }, 201);
const action = (id, what, key) => ok(`/api/v1/scenarios/${id}/${what}`, { method: 'POST', key });
const show = (id) => ok(`/api/v1/scenarios/${id}`);
const run = (id) => ok(`/api/v1/runs/${id}`);
const enter = (id, body) => srv.api(`/api/v1/scenarios/${id}/enter`, { method: 'POST', body });

async function entered(id, body) {
  const r = await enter(id, body);
  assert.equal(r.status, 201, r.text);
  assert.equal(typeof r.json.run_id, 'number');
  assert.equal(r.json.run.id, r.json.run_id);
  return r.json;
}

async function advance(by) {
  const r = await srv.api('/api/v1/clock/advance', { method: 'POST', body: { by } });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function messages(query) {
  return (await ok(`/api/v1/messages?${query}`)).data;
}

/** Every run of a scenario through the pages, limit at a time. */
async function allRuns(id, query = '', limit = 1000) {
  const out = [];
  let after = null;
  for (let pages = 0; pages < 1000; pages++) {
    const r = await ok(`/api/v1/scenarios/${id}/runs?limit=${limit}${after === null ? '' : `&after=${after}`}${query}`);
    out.push(...r.data);
    after = r.next_cursor;
    if (after === null) return out;
  }
  throw new Error('the pages never end');
}

/** Poll until fn() resolves a truthy value, or fail after ms. */
async function until(fn, ms, what) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A scenario entered through the API: wait, then send to the outbox. */
function waitThenSend(template, duration = '1d') {
  return {
    trigger: { type: 'api' },
    nodes: [
      { id: 'wait', type: 'wait', duration },
      { id: 'mail', type: 'send', channel: 'outbox', template },
    ],
    edges: [{ from: 'trigger', to: 'wait' }, { from: 'wait', to: 'mail' }],
  };
}

/** The journey: has an e-mail? -> a/b with a 10% holdout -> wait 1d -> send to the outbox. */
function journey(template) {
  return {
    trigger: { type: 'api' },
    nodes: [
      { id: 'has_email', type: 'condition', rule: 'has email' },
      {
        id: 'ab',
        type: 'split',
        branches: [
          { name: 'a', weight: 45 },
          { name: 'b', weight: 45 },
          { name: 'control', weight: 10, holdout: true },
        ],
      },
      { id: 'wait', type: 'wait', duration: '1d' },
      { id: 'mail', type: 'send', channel: 'outbox', template },
      { id: 'no_email', type: 'exit', reason: 'no_email' },
    ],
    edges: [
      { from: 'trigger', to: 'has_email' },
      { from: 'has_email', exit: 'yes', to: 'ab' },
      { from: 'has_email', exit: 'no', to: 'no_email' },
      { from: 'ab', exit: 'a', to: 'wait' },
      { from: 'ab', exit: 'b', to: 'wait' },
      { from: 'wait', to: 'mail' },
    ],
  };
}

const greeting = { channel: 'email', subject: 'Hello {{profile.first_name}}', body: 'Hi {{profile.first_name | default: "there"}}, welcome.' };

/* ---- templates ------------------------------------------------------------------ */

test('templates: put (201, then 200 on a change), listed, shown; a broken part is refused with its line', async () => {
  const name = uid('tpl');
  const t = await putTemplate(name, greeting);
  assert.equal(t.name, name);
  assert.equal(t.channel, 'email');
  assert.equal(t.subject, greeting.subject);
  const again = await putTemplate(name, { ...greeting, subject: 'Hi {{profile.first_name}}' }, 200);
  assert.equal(again.id, t.id);
  assert.equal(again.subject, 'Hi {{profile.first_name}}');
  const list = await ok('/api/v1/templates');
  assert.ok(list.data.some((x) => x.name === name && x.subject === 'Hi {{profile.first_name}}'));
  assert.equal((await ok(`/api/v1/templates/${name}`)).id, t.id);

  // html only: the text part is made from it
  const h = await putTemplate(uid('html'), { channel: 'email', subject: 'x', html: '<p>Hello <b>{{profile.first_name}}</b></p>' });
  assert.match(h.body, /Hello \{\{profile\.first_name\}\}/);

  let err = expectError(await srv.api(`/api/v1/templates/${uid('bad')}`, {
    method: 'PUT', body: { channel: 'email', subject: 'ok', body: 'line one\nHello {{#items}}{{.}}' },
  }), 400, 'body', 'invalid');
  assert.match(err.message, /line 2/);
  err = expectError(await srv.api(`/api/v1/templates/${uid('bad')}`, {
    method: 'PUT', body: { channel: 'email', subject: 'Hello {{profile.first_name', body: 'x' },
  }), 400, 'subject', 'invalid');
  assert.match(err.message, /line 1/);
  expectError(await srv.api(`/api/v1/templates/${uid('bad')}`, { method: 'PUT', body: { channel: 'fax', body: 'x' } }), 400, 'channel');
  expectError(await srv.api(`/api/v1/templates/${uid('bad')}`, { method: 'PUT', body: { channel: 'email' } }), 400, 'body');
  expectError(await srv.api(`/api/v1/templates/${uid('bad')}`, { method: 'PUT', body: { channel: 'email', body: 'x', bdy: 1 } }), 400, 'bdy');
  expectError(await srv.api(`/api/v1/templates/${uid('nothing')}`), 404, 'name', 'not_found');
});

/* ---- validation ------------------------------------------------------------------ */

test('validation names the node and the field, from the top of the body; nothing is saved', async () => {
  const tpl = uid('v');
  await putTemplate(tpl, greeting);
  const good = journey(tpl);
  assert.deepEqual(await ok('/api/v1/scenarios/validate', { method: 'POST', body: { definition: good } }), { valid: true });
  const before = (await ok('/api/v1/scenarios?all=true')).data.length;

  const weights = structuredClone(good);
  weights.nodes[1].branches[2].weight = 20;
  let err = expectError(await srv.api('/api/v1/scenarios/validate', { method: 'POST', body: { definition: weights } }),
    400, 'definition.nodes[1].branches', 'invalid');
  assert.match(err.message, /"ab"/);
  assert.match(err.message, /110/);

  const noTemplate = structuredClone(good);
  delete noTemplate.nodes[3].template;
  err = expectError(await srv.api('/api/v1/scenarios', { method: 'POST', body: { name: uid('bad'), definition: noTemplate } }),
    400, 'definition.nodes[3].template', 'invalid');

  const badRule = structuredClone(good);
  badRule.nodes[0].rule = 'order_count >=';
  expectError(await srv.api('/api/v1/scenarios', { method: 'POST', body: { name: uid('bad'), definition: badRule } }),
    400, 'definition.nodes[0].rule', 'invalid');

  const loose = structuredClone(good);
  loose.edges.pop(); // the wait leads nowhere, the send is unreachable
  err = expectError(await srv.api('/api/v1/scenarios/validate', { method: 'POST', body: { definition: loose } }), 400, undefined, 'invalid');
  assert.match(err.field, /^definition\.nodes\[3\]/);
  assert.match(err.message, /"mail"/);

  expectError(await srv.api('/api/v1/scenarios', { method: 'POST', body: { name: uid('bad') } }), 400, 'definition');
  expectError(await srv.api('/api/v1/scenarios', { method: 'POST', body: { definition: good } }), 400, 'name');
  expectError(await srv.api('/api/v1/scenarios', { method: 'POST', body: { name: uid('bad'), defintion: good } }), 400, 'defintion');
  expectError(await srv.api('/api/v1/scenarios', { method: 'POST', body: '[1' }), 400, 'body');

  assert.equal((await ok('/api/v1/scenarios?all=true')).data.length, before, 'nothing was saved');
});

test('a scenario naming an unknown template is refused, with the node named', async () => {
  const def = journey(uid('missing-template'));
  for (const p of ['/api/v1/scenarios/validate', '/api/v1/scenarios']) {
    const err = expectError(await srv.api(p, { method: 'POST', body: { name: uid('no-tpl'), definition: def } }), 400, undefined, 'invalid');
    assert.match(err.field, /^definition\.nodes/);
    assert.match(err.message, /"mail"/);
    assert.match(err.message, /missing-template/);
  }
});

test('an unknown template is named by its node\'s path, as other definition errors are',
  async () => {
    const err = expectError(await srv.api('/api/v1/scenarios/validate', {
      method: 'POST', body: { definition: journey(uid('missing-template')) },
    }), 400, undefined, 'invalid');
    assert.equal(err.field, 'definition.nodes[3].template');
  });

/* ---- the journey ---------------------------------------------------------------- */

test('a journey: entered through the API, counted per node, sent after a day with the profile\'s name, each run with its ledger', async () => {
  const tpl = uid('welcome');
  await putTemplate(tpl, greeting);
  const name = uid('welcome');
  const s = await createScenario(name, journey(tpl));
  assert.equal(s.status, 'draft');
  assert.equal(s.version, 1);
  assert.equal(s.definition.nodes.length, 5);
  expectError(await srv.api('/api/v1/scenarios', { method: 'POST', body: { name, definition: journey(tpl) } }), 409, 'name', 'conflict');

  // a draft takes no entries
  let err = expectError(await enter(s.id, { profile_id: withEmail[0].id }), 409, undefined, 'conflict');
  assert.equal(err.reason, 'not_active');
  assert.match(err.message, /not_active/);

  assert.equal((await action(s.id, 'activate')).status, 'active');
  assert.equal((await ok('/api/v1/scenarios')).data.find((x) => x.id === s.id).status, 'active');

  const people = withEmail.slice(0, 30);
  const runs = new Map(); // profile id -> run id
  for (const p of people.slice(0, 28)) runs.set(p.id, (await entered(s.id, { profile_id: p.id, payload: { source: 'test' } })).run_id);
  // by e-mail (as the profile search reads it: cleaned first) and by user_id
  const byEmail = await entered(s.id, { email: people[28].email.toUpperCase() });
  assert.equal(byEmail.profile_id, people[28].id);
  runs.set(people[28].id, byEmail.run_id);
  const userId = people[29].identities.find((i) => i.type === 'user_id');
  if (userId) {
    const byUser = await entered(s.id, { user_id: userId.value });
    assert.equal(byUser.profile_id, people[29].id);
    runs.set(people[29].id, byUser.run_id);
  }
  const noEmail = withoutEmail.slice(0, 2);
  for (const p of noEmail) runs.set(p.id, (await entered(s.id, { profile_id: p.id })).run_id);

  // twice: refused while the first run goes on
  err = expectError(await enter(s.id, { profile_id: people[0].id }), 409, undefined, 'conflict');
  assert.equal(err.reason, 'already_running');
  assert.match(err.message, /already_running/);

  const n = runs.size;
  const emailed = n - noEmail.length;
  let shown = await show(s.id);
  let c = shown.counts.nodes;
  assert.equal(c.has_email.entered, n);
  assert.equal(c.has_email.outcomes.yes, emailed);
  assert.equal(c.has_email.outcomes.no ?? 0, noEmail.length);
  if (noEmail.length) assert.equal(c.no_email.exited.no_email, noEmail.length);
  const a = c.ab.outcomes.a ?? 0, b = c.ab.outcomes.b ?? 0, held = c.ab.exited.holdout ?? 0;
  assert.equal(a + b + held, emailed, JSON.stringify(c.ab));
  assert.ok(a > 0 && b > 0, `both branches taken: ${a}/${b}`);
  assert.ok(held < emailed / 3, `a 10% holdout keeps few: ${held}`);
  assert.equal(c.wait.waiting, a + b);
  assert.equal(c.mail, undefined, 'nobody sent yet');
  assert.equal(shown.counts.totals.active, a + b);
  assert.equal((await allRuns(s.id, '&state=waiting')).length, a + b);
  assert.equal((await messages(`scenario_id=${s.id}`)).length, 0);

  // the pages of runs: every run once, by id
  const paged = await allRuns(s.id, '', 7);
  assert.deepEqual(paged.map((r) => r.id), [...runs.values()].sort((x, y) => x - y));

  // a day later: the wait is over, and the message is in the outbox
  const t = await advance('1d');
  assert.equal(t.now, new Date(Date.parse(START) + DAY).toISOString());
  assert.equal(t.simulated, true);
  assert.ok(t.ticks.messages >= a + b, JSON.stringify(t.ticks));
  const sent = await messages(`scenario_id=${s.id}&limit=1000`);
  assert.equal(sent.length, a + b);
  for (const m of sent) {
    const p = people.find((x) => x.id === m.profile_id);
    assert.ok(p, `a message to a profile that entered: ${m.profile_id}`);
    assert.equal(m.channel, 'outbox');
    assert.equal(m.status, 'stored');
    assert.equal(m.subject, `Hello ${p.first_name}`);
    assert.equal(m.body, `Hi ${p.first_name}, welcome.`);
    assert.equal(m.address, p.email);
    assert.equal(m.run_id, runs.get(p.id));
  }
  shown = await show(s.id);
  c = shown.counts.nodes;
  assert.equal(c.wait.waiting, 0);
  assert.equal(c.wait.outcomes.passed, a + b);
  assert.equal(c.mail.outcomes.sent, a + b);
  assert.equal(shown.counts.totals.done, n);
  assert.equal(shown.counts.totals.outcomes.completed, a + b);

  // one run's ledger: every step, with its time
  const sentRun = await run(sent[0].run_id);
  assert.equal(sentRun.state, 'done');
  assert.equal(sentRun.outcome, 'completed');
  assert.deepEqual(sentRun.payload, sentRun.profile_id === byEmail.profile_id || sentRun.profile_id === people[29].id ? null : { source: 'test' });
  assert.deepEqual(sentRun.ledger.map((x) => x.node), ['has_email', 'ab', 'wait', 'mail']);
  assert.deepEqual(sentRun.ledger.map((x) => x.outcome), ['yes', sentRun.branch, 'passed', 'sent']);
  assert.deepEqual(sentRun.ledger.map((x) => x.at), [START, START, t.now, t.now]);
  assert.equal(sentRun.messages.length, 1);
  assert.equal(sentRun.messages[0].id, sent[0].id);

  if (held) {
    const h = (await allRuns(s.id, '&state=done')).find((r) => r.outcome === 'holdout');
    const hr = await run(h.id);
    assert.equal(hr.branch, 'control');
    assert.deepEqual(hr.ledger.map((x) => [x.node, x.outcome]), [['has_email', 'yes'], ['ab', 'end:holdout']]);
    assert.equal(hr.messages.length, 0);
  }
  if (noEmail.length) {
    const nr = await run(runs.get(noEmail[0].id));
    assert.equal(nr.outcome, 'no_email');
    assert.deepEqual(nr.ledger.map((x) => [x.node, x.outcome]), [['has_email', 'no'], ['no_email', 'end:no_email']]);
  }

  // the outbox by profile, and the 360° view with its runs
  const p0 = people[0];
  const mine = await messages(`profile_id=${p0.id}`);
  assert.ok(mine.every((m) => m.profile_id === p0.id));
  const view = await srv.profile(p0.id);
  const vr = view.runs.find((r) => r.id === runs.get(p0.id));
  assert.ok(vr, `the view lists the run: ${JSON.stringify(view.runs)}`);
  assert.equal(vr.scenario, name);
  assert.equal(vr.scenario_id, s.id);
  assert.equal(vr.state, 'done');
  const pr = await ok(`/api/v1/profiles/${p0.id}/runs`);
  assert.equal(pr.profile_id, p0.id);
  assert.ok(pr.data.some((r) => r.id === runs.get(p0.id)));

  // done: entering again is a new run only when the entry rules say so (reentry is off)
  err = expectError(await enter(s.id, { profile_id: p0.id }), 409, undefined, 'conflict');
  assert.equal(err.reason, 'no_reentry');
});

test('a new version: runs started finish on theirs; the answer shows the version', async () => {
  const tpl = uid('ver');
  await putTemplate(tpl, greeting);
  const s = await createScenario(uid('ver'), waitThenSend(tpl));
  await action(s.id, 'activate');
  const r1 = await entered(s.id, { profile_id: withEmail[31].id });
  const v2 = await ok(`/api/v1/scenarios/${s.id}`, { method: 'PUT', body: { definition: waitThenSend(tpl, '2d') } });
  assert.equal(v2.version, 2);
  assert.equal(v2.definition.nodes[0].duration, '2d');
  const r2 = await entered(s.id, { profile_id: withEmail[32].id });
  assert.equal((await run(r1.run_id)).version, 1);
  assert.equal((await run(r2.run_id)).version, 2);
  assert.equal(Date.parse(r2.run.wake_at) - Date.parse(r2.run.entered_at), 2 * DAY);
  const renamed = await ok(`/api/v1/scenarios/${s.id}`, { method: 'PUT', body: { name: uid('renamed') } });
  assert.equal(renamed.version, 2, 'a new name alone is no new version');
  expectError(await srv.api(`/api/v1/scenarios/${s.id}`, { method: 'PUT', body: {} }), 400);
  expectError(await srv.api('/api/v1/scenarios/999999', { method: 'PUT', body: { name: uid('x') } }), 404, 'id');
  expectError(await srv.api('/api/v1/scenarios/999999'), 404, 'id', 'not_found');
  expectError(await srv.api('/api/v1/scenarios/abc'), 400, 'id');
});

/* ---- entry rules ------------------------------------------------------------------ */

test('entering: only scenarios whose trigger is "api"; unknown profiles and scenarios are 404s', async () => {
  const tpl = uid('entry');
  await putTemplate(tpl, greeting);
  const ev = await createScenario(uid('on-event'), { ...waitThenSend(tpl), trigger: { type: 'event', event: 'Product Added' } });
  await action(ev.id, 'activate');
  const err = expectError(await enter(ev.id, { profile_id: withEmail[0].id }), 409, undefined, 'conflict');
  assert.match(err.message, /"event"/);
  assert.match(err.message, /api/);

  const s = await createScenario(uid('api'), waitThenSend(tpl));
  await action(s.id, 'activate');
  expectError(await enter(s.id, { profile_id: 99_999_999 }), 404, 'profile_id', 'not_found');
  expectError(await enter(s.id, { email: 'nobody-at-all@example.invalid' }), 404, 'email', 'not_found');
  expectError(await enter(s.id, { user_id: uid('nobody') }), 404, 'user_id', 'not_found');
  expectError(await enter(99_999_999, { profile_id: withEmail[0].id }), 404, 'id', 'not_found');
  expectError(await enter(s.id, {}), 400, 'profile_id');
  expectError(await enter(s.id, { profile_id: withEmail[0].id, email: withEmail[0].email }), 400, 'profile_id');
  expectError(await enter(s.id, { profile_id: 'seven' }), 400, 'profile_id');
  expectError(await enter(s.id, { profile_id: withEmail[0].id, payload: [1] }), 400, 'payload');
  expectError(await enter(s.id, { profile_id: withEmail[0].id, payld: {} }), 400, 'payld');
});

test('pause holds the runs where they are, and activate lets them go on', async () => {
  const tpl = uid('pause');
  await putTemplate(tpl, greeting);
  const s = await createScenario(uid('pause'), waitThenSend(tpl));
  await action(s.id, 'activate');
  const people = withEmail.slice(33, 36);
  const ids = [];
  for (const p of people) ids.push((await entered(s.id, { profile_id: p.id })).run_id);
  assert.equal((await action(s.id, 'pause')).status, 'paused');
  const err = expectError(await enter(s.id, { profile_id: withEmail[36].id }), 409, undefined, 'conflict');
  assert.equal(err.reason, 'not_active');

  await advance('2d');
  assert.equal((await messages(`scenario_id=${s.id}`)).length, 0, 'nothing sent while paused');
  for (const id of ids) {
    const r = await run(id);
    assert.equal(r.state, 'waiting');
    assert.equal(r.node, 'wait');
    assert.equal(r.ledger.length, 0);
  }
  assert.equal((await show(s.id)).counts.nodes.wait.waiting, 3);

  assert.equal((await action(s.id, 'activate')).status, 'active');
  await advance('1m'); // paused runs look again every minute
  const sent = await messages(`scenario_id=${s.id}`);
  assert.deepEqual(sent.map((m) => m.run_id).sort((x, y) => x - y), ids);
  for (const id of ids) assert.equal((await run(id)).outcome, 'completed');
});

test('archive ends the unfinished runs as "archived", for good', async () => {
  const tpl = uid('arch');
  await putTemplate(tpl, greeting);
  const name = uid('arch');
  const s = await createScenario(name, waitThenSend(tpl));
  await action(s.id, 'activate');
  const ids = [];
  for (const p of withEmail.slice(37, 39)) ids.push((await entered(s.id, { profile_id: p.id })).run_id);
  assert.equal((await action(s.id, 'archive')).status, 'archived');
  for (const id of ids) {
    const r = await run(id);
    assert.equal(r.state, 'done');
    assert.equal(r.outcome, 'archived');
    assert.deepEqual(r.ledger.map((x) => [x.node, x.outcome]), [['wait', 'end:archived']]);
  }
  const shown = await show(s.id);
  assert.equal(shown.counts.totals.outcomes.archived, 2);
  assert.equal(shown.counts.nodes.wait.exited.archived, 2);
  await advance('2d');
  assert.equal((await messages(`scenario_id=${s.id}`)).length, 0);

  expectError(await srv.api(`/api/v1/scenarios/${s.id}/activate`, { method: 'POST' }), 409, undefined, 'conflict');
  expectError(await srv.api(`/api/v1/scenarios/${s.id}/pause`, { method: 'POST' }), 409, undefined, 'conflict');
  expectError(await enter(s.id, { profile_id: withEmail[0].id }), 409, undefined, 'conflict');
  assert.ok(!(await ok('/api/v1/scenarios')).data.some((x) => x.id === s.id), 'archived ones are left out of the list');
  assert.ok((await ok('/api/v1/scenarios?all=true')).data.some((x) => x.id === s.id), 'unless all=true');
  // its name is free again
  const again = await createScenario(name, waitThenSend(tpl));
  assert.notEqual(again.id, s.id);
  expectError(await srv.api('/api/v1/scenarios/999999/activate', { method: 'POST' }), 404, 'id', 'not_found');
});

/* ---- tasks -------------------------------------------------------------------------- */

function taskThenSend(template, title) {
  return {
    trigger: { type: 'api' },
    nodes: [
      { id: 'call', type: 'task', title, description: 'Ask about the <broken> seat & "the rest"', assignee: 'ann@shop.example' },
      { id: 'mail', type: 'send', channel: 'outbox', template },
    ],
    edges: [{ from: 'trigger', to: 'call' }, { from: 'call', to: 'mail' }],
  };
}

test('a task: listed with its link, shown on a page without a key, resolved by its button, and the run goes on to its send', async () => {
  const tpl = uid('task');
  await putTemplate(tpl, greeting);
  const title = `Call <b>${uid('back')}</b> & check`;
  const s = await createScenario(uid('task'), taskThenSend(tpl, title));
  await action(s.id, 'activate');
  const p = withEmail[39];
  const e = await entered(s.id, { profile_id: p.id });
  assert.equal(e.run.state, 'task');
  assert.equal(e.run.node, 'call');

  const open = (await ok('/api/v1/tasks?status=open')).data;
  const task = open.find((x) => x.run_id === e.run_id);
  assert.ok(task, JSON.stringify(open));
  assert.equal(task.title, title);
  assert.equal(task.status, 'open');
  assert.equal(task.profile_id, p.id);
  assert.match(task.link, /^\/t\/[0-9a-f]{32}$/);

  // the page: no key needed; every value escaped; a form that posts back
  let r = await srv.request('GET', task.link);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.ok(r.text.includes(title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')), r.text);
  assert.ok(!r.text.includes('<b>'), 'no markup from the task gets through');
  assert.ok(r.text.includes('Ask about the &lt;broken&gt; seat &amp; &quot;the rest&quot;'), r.text);
  assert.match(r.text, new RegExp(`<form method="post" action="${task.link}">`));
  assert.match(r.text, /<button[^>]*>Resolved<\/button>/);
  assert.equal((await run(e.run_id)).state, 'task', 'looking at the page resolves nothing');

  // the button
  r = await srv.request('POST', task.link, { body: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /resolved/i);
  const done = await until(async () => {
    const x = await run(e.run_id);
    return x.state === 'done' && x;
  }, 5000, 'the run goes on after the task');
  assert.equal(done.outcome, 'completed');
  assert.deepEqual(done.ledger.map((x) => [x.node, x.outcome]), [['call', 'resolved'], ['mail', 'sent']]);
  assert.equal(done.messages.length, 1);
  assert.equal(done.messages[0].subject, `Hello ${p.first_name}`);

  // twice is harmless; the task is no longer open
  r = await srv.request('POST', task.link, { body: '' });
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /already resolved/i);
  r = await srv.request('GET', task.link);
  assert.equal(r.status, 200);
  assert.match(r.text, /already resolved/i);
  assert.ok(!/<form/.test(r.text));
  assert.ok(!(await ok('/api/v1/tasks?status=open')).data.some((x) => x.run_id === e.run_id));
  const all = (await ok('/api/v1/tasks')).data.find((x) => x.run_id === e.run_id);
  assert.equal(all.status, 'resolved');
  assert.equal(typeof all.resolved_at, 'string');
  assert.equal((await messages(`run_id=${e.run_id}`)).length, 1, 'sent once');

  // unknown links
  for (const link of ['/t/0123456789abcdef0123456789abcdef', '/t/not-a-token', '/t/%3Cscript%3E']) {
    r = await srv.request('GET', link);
    assert.equal(r.status, 404, link);
    assert.ok(!r.text.includes('<script>'));
    assert.equal((await srv.request('POST', link, { body: '' })).status, 404, link);
  }
  expectError(await srv.api('/api/v1/tasks?status=closed'), 400, 'status');
});

test('a task resolved while its scenario is paused lets the run go on once the scenario is active again',
  async () => {
    const tpl = uid('task-paused');
    await putTemplate(tpl, greeting);
    const s = await createScenario(uid('task-paused'), taskThenSend(tpl, 'Call back'));
    await action(s.id, 'activate');
    const e = await entered(s.id, { profile_id: withEmail[1].id });
    const task = (await ok('/api/v1/tasks?status=open')).data.find((x) => x.run_id === e.run_id);
    await action(s.id, 'pause');
    assert.equal((await srv.request('POST', task.link, { body: '' })).status, 200);
    await action(s.id, 'activate');
    await advance('1h');
    const r = await run(e.run_id);
    assert.equal(r.state, 'done', JSON.stringify(r));
    assert.equal(r.outcome, 'completed');
  });

/* ---- the clock -------------------------------------------------------------------- */

test('the clock: read with any API key, moved by an admin only, forward only', async () => {
  const c = await ok('/api/v1/clock', { key: marketer.key });
  assert.equal(c.simulated, true);
  assert.ok(Date.parse(c.now) >= Date.parse(START));
  expectError(await srv.api('/api/v1/clock/advance', { method: 'POST', body: { by: '1d' }, key: marketer.key }), 403, 'Authorization', 'forbidden');
  expectError(await srv.api('/api/v1/clock/advance', { method: 'POST', body: { to: START } }), 400, 'to', 'invalid');
  expectError(await srv.api('/api/v1/clock/advance', { method: 'POST', body: { by: 'a while' } }), 400, 'by', 'invalid');
  expectError(await srv.api('/api/v1/clock/advance', { method: 'POST', body: { by: '1d', to: c.now } }), 400, 'by');
  assert.equal((await ok('/api/v1/clock')).now, c.now, 'refused advances moved nothing');

  const to = new Date(Date.parse(c.now) + 3 * 3_600_000).toISOString();
  const r = await ok('/api/v1/clock/advance', { method: 'POST', body: { to } });
  assert.equal(r.now, to);
  assert.deepEqual(Object.keys(r.ticks).sort(), ['advanced', 'ended', 'entered', 'messages', 'steps']);
  assert.equal((await ok('/api/v1/clock')).now, to);
});

test('the clock of a server without --clock is real: it cannot be moved', async () => {
  const ws = await createWorkspace();
  const real = new Server(ws, { name: 'real-clock' });
  ctx.servers.push(real);
  await real.start();
  const c = await real.api('/api/v1/clock');
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.simulated, false);
  assert.ok(Math.abs(Date.parse(c.json.now) - Date.now()) < 60_000);
  const err = expectError(await real.api('/api/v1/clock/advance', { method: 'POST', body: { by: '1d' } }), 409, undefined, 'conflict');
  assert.match(err.message, /--clock simulated/);
  await real.stop();
});

/* ---- who may call ------------------------------------------------------------------ */

test('who may call: admin and marketer keys; a write key gets 403, no key 401', async () => {
  const tpl = uid('who');
  await putTemplate(tpl, greeting);
  const m = await ok('/api/v1/scenarios', { method: 'POST', body: { name: uid('by-marketer'), definition: waitThenSend(tpl) }, key: marketer.key }, 201);
  assert.equal((await action(m.id, 'activate', marketer.key)).status, 'active');
  const calls = [
    ['GET', '/api/v1/scenarios'],
    ['POST', '/api/v1/scenarios', { name: uid('x'), definition: waitThenSend(tpl) }],
    ['POST', '/api/v1/scenarios/validate', { definition: waitThenSend(tpl) }],
    ['GET', `/api/v1/scenarios/${m.id}`],
    ['PUT', `/api/v1/scenarios/${m.id}`, { name: uid('x') }],
    ['POST', `/api/v1/scenarios/${m.id}/pause`],
    ['POST', `/api/v1/scenarios/${m.id}/archive`],
    ['POST', `/api/v1/scenarios/${m.id}/enter`, { profile_id: withEmail[0].id }],
    ['GET', `/api/v1/scenarios/${m.id}/runs`],
    ['GET', '/api/v1/runs/1'],
    ['GET', `/api/v1/profiles/${withEmail[0].id}/runs`],
    ['GET', '/api/v1/templates'],
    ['GET', `/api/v1/templates/${tpl}`],
    ['PUT', `/api/v1/templates/${tpl}`, greeting],
    ['GET', '/api/v1/messages'],
    ['GET', '/api/v1/tasks'],
    ['GET', '/api/v1/clock'],
    ['POST', '/api/v1/clock/advance', { by: '1d' }],
  ];
  const clock = (await ok('/api/v1/clock')).now;
  for (const [method, p, body] of calls) {
    expectError(await srv.api(p, { method, body, key: ctx.ws.writeKey }), 403, 'Authorization', 'forbidden');
    expectError(await srv.api(p, { method, body, key: null }), 401, 'Authorization', 'unauthorized');
  }
  const still = await show(m.id);
  assert.equal(still.status, 'active', 'refused calls changed nothing');
  assert.equal(still.counts.totals.runs, 0);
  assert.equal((await ok('/api/v1/clock')).now, clock);
  // a marketer reads and enters like an admin
  for (const p of [`/api/v1/scenarios/${m.id}/runs`, '/api/v1/messages', '/api/v1/tasks', '/api/v1/templates']) {
    assert.equal((await srv.api(p, { key: marketer.key })).status, 200, p);
  }
  const r = await srv.api(`/api/v1/scenarios/${m.id}/enter`, { method: 'POST', body: { profile_id: withEmail[2].id }, key: marketer.key });
  assert.equal(r.status, 201, r.text);
});
