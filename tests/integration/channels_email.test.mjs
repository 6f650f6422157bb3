// channels_email.test.mjs — e-mail from a scenario to a real SMTP server on
// loopback (postfix's smtp-sink, dumping every message it receives into a
// directory), each message parsed with mailparser: the sender's non-ASCII
// name and the subject decoded exactly, the text and HTML parts personalised,
// Message-ID, Date, and the RFC 8058 headers (List-Unsubscribe with the
// https link, List-Unsubscribe-Post: List-Unsubscribe=One-Click). Only people
// with an e-mail opt-in get one, exactly one each. Then the one-click
// unsubscribe: a POST answers 200 without a redirect, opts the person out
// with its proof, again is harmless; a GET (a person or a scanner following
// the link) unsubscribes nobody; a tampered token is a 404; and the person
// gets no further e-mail from another scenario. A first name carrying
// "\r\nBcc: ..." never becomes a header (cleaning makes it one line; an
// attribute that keeps it makes the message "failed"). A hard bounce (a sink
// that answers RCPT with a 5xx) makes the message "bounced" and suppresses
// the address: the next e-mail to it is "suppressed" and never sent. A 4xx
// is tried again after the backoff on the simulated clock. A 5xx to MAIL
// FROM (the server refusing the sender) is no bounce of the recipient: a
// known bug for now.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { rondo, createWorkspace, Server, cleanupAfter, freePort, uid, HOST } from './harness.mjs';

const SMTP_SINK = process.env.SMTP_SINK ?? '/usr/sbin/smtp-sink';
const START = '2026-05-04T10:00:00.000Z';
const PUBLIC = 'https://shop.example';
const FROM_NAME = 'Shöp';
const FROM_ADDR = 'news@shop.example';

const ctx = { ws: null, server: null, servers: [] };
cleanupAfter(ctx);
let srv;

/* ---- smtp-sink ------------------------------------------------------------------ */

/** One smtp-sink process on a free loopback port, dumping each message into its own file in dir. */
class Sink {
  constructor(dir, extra = []) {
    this.dir = dir;
    this.extra = extra;
    this.child = null;
    this.port = 0;
    this.log = '';
  }

  get url() {
    return `smtp://${HOST}:${this.port}`;
  }

  async start() {
    await mkdir(this.dir, { recursive: true });
    for (let tries = 0; tries < 5; tries++) {
      this.port = await freePort();
      const args = [];
      if (process.getuid?.() === 0) args.push('-u', 'root'); // required when run as root
      args.push('-d', `${this.dir}/%M.`, ...this.extra, `${HOST}:${this.port}`, '100');
      const child = spawn(SMTP_SINK, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d) => {
        this.log += d;
      });
      let exited = false;
      child.on('exit', () => {
        exited = true;
      });
      child.on('error', (err) => {
        this.log += `${SMTP_SINK}: ${err.message}\n`;
        exited = true;
      });
      this.child = child;
      const t0 = Date.now();
      while (!exited && Date.now() - t0 < 5000) {
        if (await accepts(this.port)) return this;
        await pause(20);
      }
      child.kill('SIGKILL');
      this.child = null;
    }
    throw new Error(`smtp-sink did not start: ${this.log}`);
  }

  stop() {
    if (this.child) {
      this.child.kill('SIGTERM');
      this.child = null;
    }
  }

  /** Every message dumped so far: {file, raw (the dump), envelope {from, rcpt}, message (the mail), parsed}. */
  async messages() {
    const out = [];
    for (const f of (await readdir(this.dir)).sort()) {
      const dump = await readFile(path.join(this.dir, f), 'utf8');
      const m = splitDump(dump);
      if (!m) continue; // still being written
      out.push({ file: f, ...m, parsed: await simpleParser(m.message) });
    }
    return out;
  }
}

/**
 * A dump is smtp-sink's X-Client-Addr, X-Client-Proto, X-Helo-Args, X-Mail-Args, X-Rcpt-Args
 * records and a three-line Received header, then the message as received, then an empty line.
 */
function splitDump(dump) {
  const lines = dump.split('\n');
  const envelope = { from: null, rcpt: [] };
  let i = 0;
  for (; i < lines.length && /^X-(Client-Addr|Client-Proto|Helo-Args|Mail-Args|Rcpt-Args): /.test(lines[i]); i++) {
    const [, k, v] = /^X-([A-Za-z-]+): (.*)$/.exec(lines[i]);
    if (k === 'Mail-Args') envelope.from = v;
    if (k === 'Rcpt-Args') envelope.rcpt.push(v);
  }
  if (!/^Received: /.test(lines[i] ?? '')) return null;
  for (i++; i < lines.length && /^[ \t]/.test(lines[i]); i++);
  const message = lines.slice(i).join('\n');
  // complete once the message's last line and smtp-sink's empty line are there, and for a
  // multipart message its closing boundary
  if (!message.endsWith('\n\n')) return null;
  const boundary = /^Content-Type: multipart\/[a-z]+;\s*boundary="([^"]+)"/im.exec(message);
  if (boundary && !message.includes(`\n--${boundary[1]}--\n`)) return null;
  return { raw: dump, envelope, message: message.slice(0, -1) };
}

function accepts(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, HOST);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function pause(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll until fn() resolves a truthy value, or fail after ms. */
async function until(fn, ms, what) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await pause(50);
  }
}

/* ---- the workspace --------------------------------------------------------------- */

const sink = { good: null, rejecting: null };
after(() => {
  sink.good?.stop();
  sink.rejecting?.stop();
});

async function ok(p, opts = {}, status = 200) {
  const r = await srv.api(p, opts);
  assert.equal(r.status, status, `${opts.method ?? 'GET'} ${p}: ${r.text}`);
  return r.json;
}

const setting = (key, value) => rondo(['settings', 'set', '--db', ctx.ws.db, key, value]);

/** A person through the identify API, and their profile id. */
async function person(first, { optIn = true, traits = {} } = {}) {
  const userId = uid('mail');
  const email = `${userId}@example.be`;
  const r = await srv.ingest('/v1/identify', { userId, traits: { email, firstName: first, ...traits } });
  assert.equal(r.status, 200, r.text);
  const p = await srv.profileBy('user_id', userId);
  if (optIn) {
    await ok(`/api/v1/profiles/${p.id}/consents/email`, {
      method: 'PUT',
      body: { status: 'opted_in', proof: { source: 'signup form', wording: 'Yes, send me the newsletter' } },
    });
  }
  return { id: p.id, email, first, userId };
}

async function scenario(name, template) {
  const s = await ok('/api/v1/scenarios', {
    method: 'POST',
    body: {
      name,
      definition: {
        trigger: { type: 'api' },
        nodes: [{ id: 'mail', type: 'send', channel: 'email', template }],
        edges: [{ from: 'trigger', to: 'mail' }],
      },
    },
  }, 201);
  await ok(`/api/v1/scenarios/${s.id}/activate`, { method: 'POST' });
  return s.id;
}

async function enter(scenarioId, p) {
  const r = await srv.api(`/api/v1/scenarios/${scenarioId}/enter`, { method: 'POST', body: { profile_id: p.id } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** The person's one message of a scenario, once its status is not "queued" (or any status when settled is false). */
async function messageOf(p, scenarioId, { settled = true, ms = 15_000 } = {}) {
  return until(async () => {
    const l = (await ok(`/api/v1/messages?profile_id=${p.id}&scenario_id=${scenarioId}`)).data;
    if (l.length > 1) throw new Error(`${l.length} messages for profile ${p.id} in scenario ${scenarioId}`);
    const m = l[0];
    return m && (!settled || m.status !== 'queued') ? m : null;
  }, ms, `the message of profile ${p.id} in scenario ${scenarioId}`);
}

const consentOf = async (p) => (await srv.profile(p.id)).consents.find((c) => c.channel === 'email' && !c.purpose);

/** The welcome template's subject, rendered for first. */
const SUBJECT = (first) => `Grüße, ${first} — 20 % für dich 🎉`;

let welcome; // scenario id
const people = {}; // filled by the first test, used by the next ones

before(async () => {
  ctx.ws = await createWorkspace();
  sink.good = await new Sink(path.join(ctx.ws.dir, 'sink')).start();
  await setting('email.smtp_url', sink.good.url);
  await setting('email.from', `${FROM_NAME} <${FROM_ADDR}>`);
  await setting('public_url', PUBLIC);
  srv = new Server(ctx.ws, { args: ['--clock', `simulated=${START}`] });
  ctx.servers.push(srv);
  await srv.start();
  await ok('/api/v1/templates/welcome', {
    method: 'PUT',
    body: {
      channel: 'email',
      subject: 'Grüße, {{profile.first_name}} — 20 % für dich 🎉',
      html: '<html><body><h1>Hallo {{profile.first_name}}!</h1>\n'
        + '<p>Unsere Frühjahrskollektion ist da — für dich, {{profile.first_name}}, mit 20 % Rabatt.</p>\n'
        + '<p><a href="https://shop.example/sale">Zum Sale</a></p></body></html>',
    },
  }, 201);
  welcome = await scenario('welcome mail', 'welcome');
});

test('a scenario sends personalised e-mails through SMTP to the people with an opt-in, one each', { timeout: 60_000 }, async () => {
  people.zoe = await person('Zoë');
  people.ann = await person('Ann');
  people.bert = await person('Bert', { optIn: false });
  for (const k of ['zoe', 'ann', 'bert']) await enter(welcome, people[k]);

  const mz = await messageOf(people.zoe, welcome);
  const ma = await messageOf(people.ann, welcome);
  const mb = await messageOf(people.bert, welcome);
  assert.equal(mz.status, 'sent', JSON.stringify(mz));
  assert.equal(ma.status, 'sent', JSON.stringify(ma));
  assert.equal(mb.status, 'no_consent', 'no opt-in: not sent');
  people.zoe.message = mz;
  people.ann.message = ma;

  let received = await until(async () => {
    const l = await sink.good.messages();
    return l.length >= 2 ? l : null;
  }, 10_000, 'two messages in the sink');
  await pause(1500); // one more look of the dispatcher: nothing else arrives
  received = await sink.good.messages();
  assert.equal(received.length, 2, received.map((m) => m.envelope.rcpt).join(' '));

  for (const k of ['zoe', 'ann']) {
    const p = people[k];
    const mine = received.filter((m) => m.envelope.rcpt.includes(`<${p.email}>`));
    assert.equal(mine.length, 1, `exactly one message for ${p.first}`);
    const { parsed, message, envelope } = mine[0];
    p.mail = mine[0];
    assert.equal(envelope.from, `<${FROM_ADDR}>`, 'the envelope sender');
    assert.deepEqual(envelope.rcpt, [`<${p.email}>`], 'one recipient, the person');

    assert.equal(parsed.from.value.length, 1);
    assert.equal(parsed.from.value[0].name, FROM_NAME, 'the non-ASCII sender name decodes');
    assert.equal(parsed.from.value[0].address, FROM_ADDR);
    assert.match(message, /^From: =\?UTF-8\?B\?/m, 'the name is an encoded word');
    assert.equal(parsed.to.value.length, 1);
    assert.equal(parsed.to.value[0].address, p.email);
    assert.equal(parsed.subject, SUBJECT(p.first), 'the subject decodes exactly to the rendered one');
    assert.equal(parsed.subject, p.message.subject, 'as the outbox shows it');
    assert.match(message, /^Subject: =\?UTF-8\?B\?/m);
    for (const line of message.split('\n')) {
      if (line === '') break; // the end of the headers
      assert.ok(line.length <= 998, `a header line of ${line.length} characters`);
      assert.ok(/^[\x20-\x7e\t]*$/.test(line), `a header line that is not 7-bit: ${line}`);
    }

    assert.match(parsed.headers.get('content-type').value, /^multipart\/alternative$/);
    assert.ok(parsed.text.includes(`Hallo ${p.first}!`), `the text part: ${parsed.text}`);
    assert.ok(parsed.text.includes(`für dich, ${p.first}, mit 20 % Rabatt`), parsed.text);
    assert.ok(!/<[a-z]/.test(parsed.text), 'the text part holds no markup');
    assert.ok(parsed.html.includes(`<h1>Hallo ${p.first}!</h1>`), `the html part: ${parsed.html}`);
    // the link goes through the click tracker, signed for this URL; the open pixel at the end
    const tracked = /<a href="https:\/\/shop\.example\/c\/([0-9]+\.[0-9a-f]+)\?u=https%3A%2F%2Fshop\.example%2Fsale">Zum Sale<\/a>/.exec(parsed.html);
    assert.ok(tracked, parsed.html);
    const pixel = /<img src="https:\/\/shop\.example\/o\/([0-9]+\.[0-9a-f]+)" width="1" height="1"/.exec(parsed.html);
    assert.ok(pixel, parsed.html);
    p.click = `/c/${tracked[1]}?u=${encodeURIComponent('https://shop.example/sale')}`;
    p.pixel = `/o/${pixel[1]}`;

    assert.equal(parsed.messageId, `<rondo.${p.message.id}.${p.id}@shop.example>`);
    assert.match(message, /^Date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/m);
    assert.equal(parsed.date.toISOString(), START, 'dated at the (simulated) time of sending');
    assert.match(message, /^MIME-Version: 1\.0$/m);

    const lu = parsed.headerLines.filter((h) => h.key === 'list-unsubscribe');
    const lup = parsed.headerLines.filter((h) => h.key === 'list-unsubscribe-post');
    assert.equal(lu.length, 1, 'one List-Unsubscribe');
    assert.equal(lup.length, 1, 'one List-Unsubscribe-Post');
    const link = /^List-Unsubscribe: <(https:\/\/shop\.example\/u\/([0-9]+\.[0-9a-f]+))>$/.exec(lu[0].line);
    assert.ok(link, lu[0].line);
    assert.equal(link[2].split('.')[0], String(p.message.id), 'the token names the message');
    assert.equal(lup[0].line, 'List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    p.link = link[1];
  }
  assert.equal(received.filter((m) => m.envelope.rcpt.includes(`<${people.bert.email}>`)).length, 0,
    'nothing for the person without an opt-in');
});

test('a transactional message (POST /api/v1/messages) reaches the SMTP server the same way, with its status history', { timeout: 60_000 }, async () => {
  const p = await person('Tess', { optIn: false }); // transactional: no marketing opt-in needed
  const before = (await sink.good.messages()).length;
  const r = await srv.api('/api/v1/messages', { method: 'POST',
    body: { profile_id: p.id, channel: 'email', template: 'welcome', transactional: true } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.status, 'queued');
  const mail = await until(async () => {
    const l = await sink.good.messages();
    return l.length > before ? l.find((m) => m.envelope.rcpt.includes(`<${p.email}>`)) : null;
  }, 10_000, 'the transactional message in the sink');
  assert.equal(mail.parsed.subject, SUBJECT('Tess'));
  assert.equal(mail.parsed.messageId, `<rondo.${r.json.id}.${p.id}@shop.example>`);
  const m = await until(async () => {
    const x = await ok(`/api/v1/messages/${r.json.id}`);
    return x.status === 'sent' ? x : null;
  }, 10_000, 'sent');
  assert.deepEqual(m.history.map((h) => h.status), ['queued', 'sent']);
  assert.equal(m.run_id, null);
  const plain = await srv.api('/api/v1/messages', { method: 'POST', body: { profile_id: p.id, channel: 'email', template: 'welcome' } });
  assert.equal(plain.json.status, 'no_consent', 'without transactional, the marketing opt-in applies');
});

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const historyOf = async (m) => (await ok(`/api/v1/messages/${m.id}`)).history;
const eventsOf = async (p, name) => (await srv.profile(p.id)).events.filter((e) => e.name === name);

test('opens and clicks: counted for a person, kept but not counted for scanners, clicks too soon after delivery and tampered links', { timeout: 60_000 }, async () => {
  const { zoe } = people;
  const get = (path, ua) => srv.request('GET', path, { headers: { 'user-agent': ua } });
  // a scanner fetches the pixel and follows the link at once
  let r = await get(zoe.pixel, 'Mimecast URL Protect');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/gif');
  r = await get(zoe.click, BROWSER); // within 10 s of delivery: a scanner following every link
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), 'https://shop.example/sale', 'the redirect goes where the e-mail pointed');
  let h = await historyOf(zoe.message);
  assert.ok(h.some((x) => x.status === 'opened_filtered' && /^scanner/.test(x.detail)), JSON.stringify(h));
  assert.ok(h.some((x) => x.status === 'clicked_filtered' && /^too fast/.test(x.detail)), JSON.stringify(h));
  assert.equal((await eventsOf(zoe, 'Email Opened')).length, 0, 'not counted');
  assert.equal((await eventsOf(zoe, 'Email Link Clicked')).length, 0, 'not counted');

  // the person, a minute later
  assert.equal((await srv.api('/api/v1/clock/advance', { method: 'POST', body: { by: '1m' } })).status, 200);
  assert.equal((await get(zoe.pixel, BROWSER)).status, 200);
  r = await get(zoe.click, BROWSER);
  assert.equal(r.status, 302);
  h = await historyOf(zoe.message);
  assert.ok(h.some((x) => x.status === 'opened'), JSON.stringify(h));
  assert.ok(h.some((x) => x.status === 'clicked' && x.detail === 'https://shop.example/sale'), JSON.stringify(h));
  const opened = await eventsOf(zoe, 'Email Opened');
  const clicked = await eventsOf(zoe, 'Email Link Clicked');
  assert.equal(opened.length, 1);
  assert.equal(clicked.length, 1);
  assert.equal(clicked[0].properties.url, 'https://shop.example/sale');
  assert.equal(clicked[0].properties.message_id, zoe.message.id);

  // a link cannot be bent to another place, nor a token made up
  const other = zoe.click.replace(encodeURIComponent('https://shop.example/sale'), encodeURIComponent('https://evil.example/'));
  assert.equal((await get(other, BROWSER)).status, 404);
  assert.equal((await get(zoe.pixel.replace(/.$/, (c) => (c === '0' ? '1' : '0')), BROWSER)).status, 404);
  assert.equal((await get('/c/1.00', BROWSER)).status, 404);
  // following links never unsubscribes anyone
  assert.equal((await consentOf(zoe)).status, 'opted_in');
});

/** The unsubscribe link on this server instead of https://shop.example. */
const local = (link) => link.replace(PUBLIC, '');

function oneClick(link) {
  return srv.request('POST', local(link), {
    body: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

test('one-click unsubscribe: POST opts out with proof, again is harmless, GET and tampered links change nothing', { timeout: 60_000 }, async () => {
  const { ann, zoe } = people;
  assert.ok(ann.link && zoe.link, 'the first test found the links');
  assert.equal((await consentOf(ann)).status, 'opted_in');

  // fetch does not follow here: a redirect would show as 3xx
  const res = await fetch(srv.url + local(ann.link), {
    method: 'POST',
    body: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    redirect: 'manual',
  });
  assert.equal(res.status, 200, await res.text());
  assert.equal(res.headers.get('location'), null, 'no redirect');
  let c = await consentOf(ann);
  assert.equal(c.status, 'opted_out');
  assert.equal(c.proof.source, 'one-click unsubscribe');
  assert.equal(c.proof.wording, ann.email, 'the proof names the address the person left');
  assert.equal(c.proof.ip, '127.0.0.1');

  const again = await oneClick(ann.link);
  assert.equal(again.status, 200, again.text);
  c = await consentOf(ann);
  assert.equal(c.status, 'opted_out', 'still opted out');
  assert.equal(c.proof.source, 'one-click unsubscribe');

  // a GET (a person, or a scanner following the link) shows a page and unsubscribes nobody
  const page = await srv.request('GET', local(zoe.link));
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.match(page.text, /<form method="post"/);
  const twice = await srv.request('GET', local(zoe.link));
  assert.equal(twice.status, 200);
  assert.equal((await consentOf(zoe)).status, 'opted_in', 'following the link unsubscribes nobody');

  // tampered tokens: another MAC, another message id with Zoë's MAC, junk
  const [id, mac] = local(zoe.link).slice('/u/'.length).split('.');
  const flipped = mac.slice(0, -1) + (mac.endsWith('0') ? '1' : '0');
  for (const token of [`${id}.${flipped}`, `${Number(id) + 1}.${mac}`, `${id}`, `${id}.`, 'x.y', `${id}.${mac}0`]) {
    const post = await srv.request('POST', `/u/${token}`, {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(post.status, 404, `POST /u/${token}: ${post.status}`);
    assert.equal((await srv.request('GET', `/u/${token}`)).status, 404, `GET /u/${token}`);
  }
  assert.equal((await consentOf(zoe)).status, 'opted_in', 'a tampered link unsubscribes nobody');
});

test('after the unsubscribe another scenario sends the person nothing', { timeout: 60_000 }, async () => {
  const { ann, zoe } = people;
  assert.ok(ann.link, 'the first tests ran');
  const second = await scenario('second mail', 'welcome');
  const before = (await sink.good.messages()).length;
  await enter(second, ann);
  await enter(second, zoe); // the control: her e-mail shows that the dispatcher looked
  const ma = await messageOf(ann, second);
  assert.equal(ma.status, 'no_consent');
  const mz = await messageOf(zoe, second);
  assert.equal(mz.status, 'sent');
  const all = await until(async () => {
    const l = await sink.good.messages();
    return l.length >= before + 1 ? l : null;
  }, 10_000, "Zoë's second message in the sink");
  await pause(1500);
  const now = await sink.good.messages();
  assert.equal(now.length, all.length, 'nothing more arrives');
  assert.equal(now.filter((m) => m.envelope.rcpt.includes(`<${ann.email}>`)).length, 1, 'Ann: only the first one');
  assert.equal(now.filter((m) => m.envelope.rcpt.includes(`<${zoe.email}>`)).length, 2);
});

test('a line break in a profile field never becomes a header', { timeout: 60_000 }, async (t) => {
  const evil = 'Eve\r\nBcc: evil@example.com';
  const eve = await person(evil);
  const view = await srv.profile(eve.id);
  const stored = view.first_name;
  const keptBreak = /[\r\n]/.test(stored ?? '');
  const before = (await sink.good.messages()).length;
  await enter(welcome, eve);
  const m = await messageOf(eve, welcome);
  if (keptBreak) {
    // the field kept its line break: the e-mail must be refused, never sent
    assert.equal(m.status, 'failed', `first_name ${JSON.stringify(stored)}: ${JSON.stringify(m)}`);
    await pause(1500);
  } else {
    // cleaning took the line break out: the e-mail goes, with the text as a subject only
    assert.equal(m.status, 'sent', JSON.stringify(m));
    await until(async () => (await sink.good.messages()).length > before, 10_000, "Eve's message");
  }
  const all = await sink.good.messages();
  for (const { message, envelope } of all) {
    assert.ok(!/^bcc:/im.test(message), `a Bcc header in a sent message:\n${message}`);
    assert.equal(envelope.rcpt.length, 1, 'one recipient per message');
    assert.ok(!envelope.rcpt.some((r) => r.includes('evil@')), 'never sent to the injected address');
  }
  const mine = all.filter((x) => x.envelope.rcpt.includes(`<${eve.email}>`));
  if (keptBreak) {
    assert.equal(mine.length, 0, 'refused: nothing sent');
  } else {
    assert.equal(mine.length, 1);
    assert.ok(!/[\r\n]/.test(mine[0].parsed.subject), 'a one-line subject');
    assert.ok(mine[0].parsed.subject.includes('Bcc: evil@example.com'), 'the text stays in the subject');
  }
  t.diagnostic(`header injection: first_name stored as ${JSON.stringify(stored)}, the message is ${m.status}`);
});

test('a line break that reaches the subject through an attribute: the message fails, nothing is sent', { timeout: 60_000 }, async (t) => {
  await ok('/api/v1/templates/note', {
    method: 'PUT',
    body: { channel: 'email', subject: 'Re: {{profile.attributes.note}}', body: 'Hi {{profile.first_name}}.' },
  }, 201);
  const noted = await scenario('note mail', 'note');
  const mal = await person('Mal', { traits: { note: 'order 42\r\nBcc: evil@example.com' } });
  const view = await srv.profile(mal.id);
  const note = view.attributes?.note;
  const before = (await sink.good.messages()).length;
  await enter(noted, mal);
  const m = await messageOf(mal, noted);
  const full = await ok(`/api/v1/messages/${m.id}`);
  t.diagnostic(`header injection by attribute: note stored as ${JSON.stringify(note)}, the message is ${m.status}: ${full.last_error}`);
  if (/[\r\n]/.test(note ?? '')) {
    assert.equal(m.status, 'failed', JSON.stringify(m));
    assert.match(full.last_error ?? '', /Subject/, `the reason names the header: ${JSON.stringify(full)}`);
    assert.equal(full.history.at(-1).status, 'failed', JSON.stringify(full.history));
  } else {
    assert.notEqual(m.status, 'failed');
  }
  await pause(1500);
  const all = await sink.good.messages();
  for (const { message } of all) assert.ok(!/^bcc:/im.test(message), `a Bcc header:\n${message}`);
  if (/[\r\n]/.test(note ?? '')) assert.equal(all.length, before, 'nothing sent');
});

test('a hard bounce (5xx to RCPT) marks the message bounced and suppresses the address', { timeout: 60_000 }, async (t) => {
  sink.rejecting = await new Sink(path.join(ctx.ws.dir, 'rejecting'), ['-f', 'RCPT']).start();
  const bouncer = await person('Bo');
  const control = await person('Cleo');
  await setting('email.smtp_url', sink.rejecting.url);
  const first = await scenario('bounce mail', 'welcome');
  await enter(first, bouncer);
  const m = await messageOf(bouncer, first);
  assert.equal(m.status, 'bounced', JSON.stringify(m));
  const full = await ok(`/api/v1/messages/${m.id}`);
  t.diagnostic(`bounce: ${full.last_error}; history ${JSON.stringify(full.history)}`);
  assert.match(full.last_error ?? '', /\b5\d\d\b/, `the SMTP reply is kept: ${JSON.stringify(full)}`);
  assert.equal((await sink.rejecting.messages()).length, 0, 'the rejecting sink keeps nothing');

  await setting('email.smtp_url', sink.good.url);
  const second = await scenario('after bounce mail', 'welcome');
  const before = (await sink.good.messages()).length;
  await enter(second, bouncer);
  await enter(second, control);
  const again = await messageOf(bouncer, second);
  assert.equal(again.status, 'suppressed', JSON.stringify(again));
  assert.equal((await messageOf(control, second)).status, 'sent');
  await until(async () => (await sink.good.messages()).length > before, 10_000, "the control's message");
  await pause(1500);
  const all = await sink.good.messages();
  assert.equal(all.filter((x) => x.envelope.rcpt.includes(`<${bouncer.email}>`)).length, 0, 'nothing to the bounced address');
  assert.equal(all.filter((x) => x.envelope.rcpt.includes(`<${control.email}>`)).length, 1);
});

test('a soft bounce (4xx to RCPT) is tried again after the backoff, and then sent once', { timeout: 60_000 }, async () => {
  const soft = await new Sink(path.join(ctx.ws.dir, 'soft'), ['-r', 'RCPT']).start();
  try {
    const later = await person('Lou');
    await setting('email.smtp_url', soft.url);
    const sc = await scenario('soft bounce mail', 'welcome');
    await enter(sc, later);
    const m = await until(async () => {
      const full = await ok(`/api/v1/messages/${(await messageOf(later, sc, { settled: false })).id}`);
      return full.history.some((h) => h.status === 'queued' && /\b45\d\b/.test(h.detail ?? '')) ? full : null;
    }, 10_000, 'the 450 recorded');
    assert.equal(m.status, 'queued', 'a 4xx is tried again, not a bounce');
    await setting('email.smtp_url', sink.good.url);
    const before = (await sink.good.messages()).length;
    await pause(1500);
    assert.equal((await ok(`/api/v1/messages/${m.id}`)).status, 'queued', 'not before the backoff');
    assert.equal((await sink.good.messages()).length, before);
    assert.equal((await srv.api('/api/v1/clock/advance', { method: 'POST', body: { by: '61s' } })).status, 200);
    const sent = await messageOf(later, sc);
    assert.equal(sent.status, 'sent', JSON.stringify(sent));
    await until(async () => (await sink.good.messages()).length > before, 10_000, 'the retried message');
    await pause(1500);
    const mine = (await sink.good.messages()).filter((x) => x.envelope.rcpt.includes(`<${later.email}>`));
    assert.equal(mine.length, 1, 'sent once');
    assert.equal(mine[0].parsed.subject, SUBJECT('Lou'));
  } finally {
    soft.stop();
    await setting('email.smtp_url', sink.good.url);
  }
});

test('a 5xx to MAIL FROM (the sender refused) does not suppress the recipient: the message waits for a retry',
  async () => {
    const refusing = await new Sink(path.join(ctx.ws.dir, 'refusing'),
      ['-f', 'MAIL', '-B', '530 5.7.0 Authentication required']).start();
    try {
      const p = await person('Mia');
      await setting('email.smtp_url', refusing.url);
      const sc = await scenario('refused sender mail', 'welcome');
      await enter(sc, p);
      const queued = await messageOf(p, sc, { settled: false });
      const m = await until(async () => {
        const full = await ok(`/api/v1/messages/${queued.id}`);
        return full.history.some((h) => h.status === 'queued' && /MAIL failed: 530/.test(h.detail ?? '')) ? full : null;
      }, 15_000, 'the refused attempt in the history');
      assert.equal(m.status, 'queued', `kept for a retry, the recipient did not bounce: ${JSON.stringify(m)}`);
      await setting('email.smtp_url', sink.good.url);
      const again = await scenario('after refused sender mail', 'welcome');
      await enter(again, p);
      assert.notEqual((await messageOf(p, again)).status, 'suppressed', 'the address is not suppressed');
    } finally {
      refusing.stop();
      await setting('email.smtp_url', sink.good.url);
    }
  });
