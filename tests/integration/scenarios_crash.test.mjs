// scenarios_crash.test.mjs — kill -9 during the processing of 100k scenario
// runs, restart, and check that every run completes with exactly one message
// per send node and a ledger without gaps or repeats.
//
// About 100k profiles (`rondo gen` of 50,000 persons, every record a profile)
// enter a scenario through a schedule trigger: condition -> send -> wait 1
// day -> send. The server runs on a simulated clock; POST /api/v1/clock/advance
// makes it process everything due, and the test kills it while it does, in
// both phases (entering, and the timers firing), several times. A restarted
// server's simulated clock starts again at the same time, so each round
// advances to an absolute time. Checked in the SQLite file itself.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { rondo, createWorkspace, Server, cleanupAfter, pause } from './harness.mjs';

const START = '2027-02-01T08:00:00Z';
const FIRE = '2027-02-01T08:01:00Z';
const NEXT_DAY = '2027-02-02T08:05:00Z';
const ctx = { ws: null, server: null, servers: [] };
cleanupAfter(ctx);
let profiles = 0;

function sqlite(db, sql) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', ['-readonly', db, sql], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`sqlite3 failed: ${stderr || err.message}`));
      else resolve(stdout.trim());
    });
  });
}
const count = async (sql) => Number(await sqlite(ctx.ws.db, sql));

before(async () => {
  ctx.ws = await createWorkspace();
  const data = path.join(ctx.ws.dir, 'data');
  await rondo(['gen', '--profiles', '50000', '--seed', '17', '--orders-scale', '0.1', '--events-scale', '0.1', '--out', data]);
  for (const src of ['webshop', 'store', 'app', 'crm']) {
    const args = ['import', '--db', ctx.ws.db, '--source', src, '--table', 'profiles', '--quiet', '--no-match'];
    if (src === 'store' || src === 'crm') args.push('--map', path.join(data, `${src}.map.ini`));
    await rondo([...args, path.join(data, `${src}.profiles.csv`)]);
  }
  profiles = await count('SELECT count(*) FROM profiles WHERE merged_into IS NULL');
  assert.ok(profiles >= 100_000, `about 100k profiles (${profiles})`);

  const tpl = path.join(ctx.ws.dir, 'tpl.json');
  await writeFile(tpl, JSON.stringify({ name: 'crash', channel: 'outbox', subject: 'Hi {{profile.first_name}}', body: 'step {{run.id}}' }));
  const sc = path.join(ctx.ws.dir, 'sc.json');
  await writeFile(sc, JSON.stringify({
    name: 'crash',
    definition: {
      trigger: { type: 'schedule', at: FIRE },
      nodes: [
        { id: 'reachable', type: 'condition', rule: 'has email or has phone or country is set' },
        { id: 'first', type: 'send', channel: 'outbox', template: 'crash' },
        { id: 'day', type: 'wait', duration: '1d' },
        { id: 'second', type: 'send', channel: 'outbox', template: 'crash' },
        { id: 'none', type: 'exit', reason: 'unreachable' },
      ],
      edges: [
        { from: 'trigger', to: 'reachable' },
        { from: 'reachable', exit: 'yes', to: 'first' },
        { from: 'reachable', exit: 'no', to: 'none' },
        { from: 'first', to: 'day' },
        { from: 'day', to: 'second' },
      ],
    },
  }));
  await rondo(['template', 'put', '--db', ctx.ws.db, tpl]);
  const id = (await rondo(['scenario', 'create', '--db', ctx.ws.db, sc])).stdout.trim();
  await rondo(['scenario', 'activate', '--db', ctx.ws.db, id]);
  ctx.server = new Server(ctx.ws, { args: ['--clock', `simulated=${START}`] });
  ctx.servers.push(ctx.server);
  await ctx.server.start();
});

/** Move the clock to `to`; resolves with the HTTP status (the call returns when all is done). */
function advanceTo(to) {
  return ctx.server.api('/api/v1/clock/advance', { method: 'POST', body: { to }, timeoutMs: 300_000 })
    .then((r) => r.status, () => 0);
}

/** Start moving the clock, wait until progress shows, kill -9, restart. Returns the progress seen. */
async function killDuring(to, progress, total) {
  const call = advanceTo(to);
  let seen = 0;
  for (let i = 0; i < 400; i++) {
    seen = await progress();
    if (seen > 0) break;
    await pause(5);
  }
  await pause(50 + Math.floor(Math.random() * 150));
  const atKill = await progress();
  await ctx.server.kill();
  await call;
  await ctx.server.restart();
  return { atKill, total };
}

test('kill -9 while 100k runs are entered and while their timers fire: every run completes with one message per send', { timeout: 600_000 }, async () => {
  // the first tick after activation sets the schedule's first fire
  assert.equal(await advanceTo('2027-02-01T08:00:30Z'), 200);
  const runs = () => count('SELECT count(*) FROM runs');
  const midway = [];
  for (let k = 0; k < 3; k++) {
    const r = await killDuring(FIRE, runs, profiles);
    midway.push(r.atKill);
  }
  assert.equal(await advanceTo('2027-02-01T08:02:00Z'), 200, 'phase 1 completes after the crashes');
  assert.equal(await runs(), profiles, 'every profile entered exactly once');
  assert.ok(midway.some((n) => n > 0 && n < profiles), `killed mid-way at least once (runs at each kill: ${midway})`);

  const fired = () => count("SELECT count(*) FROM messages WHERE step > 2");
  const midway2 = [];
  for (let k = 0; k < 3; k++) {
    const r = await killDuring(NEXT_DAY, fired, profiles);
    midway2.push(r.atKill);
  }
  assert.equal(await advanceTo(NEXT_DAY), 200, 'phase 2 completes after the crashes');

  const db = ctx.ws.db;
  assert.equal(await count("SELECT count(*) FROM runs WHERE state != 'done'"), 0, 'every run is done');
  const reachable = await count("SELECT count(*) FROM runs WHERE outcome = 'completed'");
  const unreachable = await count("SELECT count(*) FROM runs WHERE outcome = 'unreachable'");
  assert.equal(reachable + unreachable, profiles, 'each run completed or left at the condition');
  assert.ok(reachable > profiles * 0.9);
  // exactly one message per send node of every completed run, none for the others
  assert.equal(await count('SELECT count(*) FROM messages'), 2 * reachable, 'two messages per completed run');
  assert.equal(await count(`SELECT count(*) FROM (SELECT r.id FROM runs r LEFT JOIN messages m ON m.run_id = r.id
    WHERE r.outcome = 'completed' GROUP BY r.id HAVING count(m.id) != 2)`), 0, 'no run with more or fewer than two');
  assert.equal(await count("SELECT count(*) FROM messages m JOIN runs r ON r.id = m.run_id WHERE r.outcome = 'unreachable'"), 0);
  // the ledger: one row per step, numbered 1..seq without gaps
  assert.equal(await count(`SELECT count(*) FROM runs r WHERE r.seq != (SELECT count(*) FROM run_steps t WHERE t.run_id = r.id)
    OR r.seq != (SELECT max(seq) FROM run_steps t WHERE t.run_id = r.id)`), 0, 'ledgers without gaps or repeats');
  assert.equal(await count("SELECT count(*) FROM run_steps WHERE node = 'first' AND outcome = 'sent'"), reachable);
  assert.equal(await count("SELECT count(*) FROM run_steps WHERE node = 'second' AND outcome = 'sent'"), reachable);
  assert.ok(midway2.some((n) => n > 0 && n < reachable), `killed while timers fired at least once (messages at each kill: ${midway2})`);
  void db;
});
