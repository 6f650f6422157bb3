// harness.mjs — what the integration tests share: a temporary workspace made
// with `rondo init`, API keys made with `rondo key`, a real `rondo serve` on a
// free loopback port, and small HTTP helpers.
//
// Every wait polls a condition (/healthz answering, the process exiting);
// nothing sleeps for a fixed time hoping that something happened. Servers are
// stopped and temporary directories removed in `after` hooks, and any server
// still alive when the test process exits is killed. When a test fails, the
// stderr of the servers it used is printed.

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { test, after, afterEach } from 'node:test';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const RONDO = process.env.RONDO_BIN ?? path.join(REPO, 'rondo');
export const HOST = '127.0.0.1';

/** A short unique string, to keep the data of one test apart from another's. */
export function uid(prefix = 'x') {
  return `${prefix}-${randomUUID().slice(0, 12)}`;
}

/* ---- running rondo commands ------------------------------------------------ */

/** Run `rondo ARGS...`; resolves {code, stdout, stderr}. Rejects on a non-zero exit unless allowFail. */
export function rondo(args, { allowFail = false } = {}) {
  return new Promise((resolve, reject) => {
    execFile(RONDO, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      if (err && (!allowFail || typeof err.code !== 'number')) {
        reject(new Error(`rondo ${args.join(' ')} exited ${code}: ${stderr || err.message}`));
        return;
      }
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A new workspace in a new temporary directory: {dir, db, adminKey, writeKey}.
 * `rondo init` prints "admin key: ..." and "write key (source default): ...".
 */
export async function createWorkspace() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rondo-it-'));
  const db = path.join(dir, 'workspace.db');
  const { stdout } = await rondo(['init', '--db', db]);
  const admin = /^admin key: (\S+)$/m.exec(stdout);
  const write = /^write key \(source default\): (\S+)$/m.exec(stdout);
  if (!admin || !write) throw new Error(`cannot read the keys from rondo init:\n${stdout}`);
  return { dir, db, adminKey: admin[1], writeKey: write[1] };
}

/** `rondo key create`: resolves {key, id}. The key is alone on stdout; the id is in the stderr note. */
export async function createKey(db, role, source) {
  const args = ['key', 'create', '--db', db, '--role', role];
  if (source) args.push('--source', source);
  const { stdout, stderr } = await rondo(args);
  const key = stdout.trim();
  const id = /created key (\d+)/.exec(stderr);
  if (!/^rk_\S+$/.test(key) || !id) throw new Error(`unexpected rondo key create output: ${stdout} ${stderr}`);
  return { key, id: Number(id[1]) };
}

export async function revokeKey(db, id) {
  await rondo(['key', 'revoke', '--db', db, String(id)]);
}

/**
 * Import every file of a `rondo gen` directory into db, profiles first so that orders,
 * events and consents find their customers; with noMatch, profiles skip real-time matching.
 */
export async function importGenerated(db, dir, { noMatch = false } = {}) {
  for (const table of ['profiles', 'orders', 'order_lines', 'events', 'consents']) {
    for (const src of ['webshop', 'store', 'app', 'crm']) {
      const file = path.join(dir, `${src}.${table}.csv`);
      if (!existsSync(file)) continue;
      const args = ['import', '--db', db, '--source', src, '--table', table, '--quiet'];
      const map = path.join(dir, `${src}.map.ini`);
      if (existsSync(map)) args.push('--map', map);
      if (table === 'profiles' && noMatch) args.push('--no-match');
      args.push(file);
      await rondo(args);
    }
  }
}

/** Assert an API error reply: its status, a JSON error with a message, and (when given) its field and code. */
export function expectError(r, status, field, code) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  const err = r.json?.error;
  assert.ok(err, `no error object in ${r.text}`);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0);
  if (field !== undefined) assert.equal(err.field, field, r.text);
  if (code !== undefined) assert.equal(err.code, code, r.text);
  return err;
}

/** A port that was free a moment ago on 127.0.0.1. Server.start retries when it is taken since. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/* ---- the server --------------------------------------------------------------- */

// Servers still running when this process ends (a crash, a timeout, Ctrl-C) are killed.
const live = new Set();
function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killAll();
    process.kill(process.pid, sig);
  });
}

const STDERR_KEEP = 256 * 1024;
const START_TIMEOUT_MS = 60_000;

/**
 * One `rondo serve` process; start, stop, kill and restart it on the same database and port.
 * args: more arguments for `rondo serve`, e.g. ['--clock', 'simulated=2026-03-01T08:00:00Z'].
 */
export class Server {
  constructor(ws, { port = 0, threads = 0, name = 'server', args = [] } = {}) {
    this.ws = ws;
    this.db = ws.db;
    this.port = port;
    this.threads = threads;
    this.name = name;
    this.args = args;
    this.child = null;
    this.exit = null; // promise of {code, signal} for the current process
    this.log = ''; // stderr of every process this server ran, most recent last
    this.starts = 0;
  }

  get url() {
    return `http://${HOST}:${this.port}`;
  }

  get running() {
    return this.child !== null;
  }

  _spawn() {
    const args = ['serve', '--db', this.db, '--listen', `${HOST}:${this.port}`];
    if (this.threads) args.push('--threads', String(this.threads));
    args.push(...this.args);
    const child = spawn(RONDO, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.starts++;
    this.log += `---- ${this.name} start #${this.starts}: rondo ${args.join(' ')}\n`;
    const own = { text: '' };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      if (own.text.length < STDERR_KEEP) own.text += d;
      this.log += d;
      if (this.log.length > STDERR_KEEP) this.log = this.log.slice(-STDERR_KEEP);
    });
    live.add(child);
    const exit = new Promise((resolve) => {
      child.on('error', (err) => {
        // Not started at all (or not killable): report it like an exit.
        live.delete(child);
        this.log += `---- ${this.name}: ${err.message}\n`;
        resolve({ code: null, signal: null, error: err.message });
      });
      child.on('exit', (code, signal) => {
        live.delete(child);
        // Let the stderr pipe drain so the log has the process's last words.
        const done = () => {
          this.log += `---- ${this.name} exited: code ${code}, signal ${signal}\n`;
          resolve({ code, signal });
        };
        if (child.stderr.readableEnded) done();
        else child.stderr.once('close', done);
      });
    });
    return { child, exit, own };
  }

  /** Start and wait until /healthz answers 200. A port taken meanwhile is replaced, unless keepPort. */
  async start({ keepPort = false } = {}) {
    if (this.child) throw new Error(`${this.name} is already running`);
    if (!this.port) this.port = await freePort();
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const { child, exit, own } = this._spawn();
      let exited = null;
      exit.then((r) => {
        exited = r;
      });
      this.child = child;
      this.exit = exit;
      // Ours, not some other process on the port: it said it listens, and /healthz answers.
      const ok = await waitHealthy(this.url, () => exited !== null, () => /listening on/.test(own.text), deadline);
      if (ok) return this;
      this.child = null;
      if (exited === null) {
        child.kill('SIGKILL');
        await exit;
        throw new Error(`${this.name} did not answer /healthz within ${START_TIMEOUT_MS} ms\n${this.log}`);
      }
      await exit;
      const inUse = /cannot listen/.test(own.text);
      if (!inUse || Date.now() > deadline) {
        throw new Error(`${this.name} exited while starting (${JSON.stringify(exited)})\n${this.log}`);
      }
      // The port was taken since we picked it (or, for a restart, is not yet free).
      if (!keepPort) this.port = await freePort();
      else await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM and wait for the exit; resolves {code, signal}. Not gone within timeoutMs: kill -9 and throw. */
  async stop({ timeoutMs = 60_000 } = {}) {
    if (!this.child) return null;
    const { child, exit } = this;
    child.kill('SIGTERM');
    try {
      return await withTimeout(exit, timeoutMs, `${this.name} stopping after SIGTERM`);
    } catch (e) {
      child.kill('SIGKILL');
      await exit;
      throw new Error(`${e.message}\n${this.log}`);
    } finally {
      this.child = null;
    }
  }

  /** SIGKILL (kill -9) and wait for the exit. */
  async kill() {
    if (!this.child) return null;
    const { child, exit } = this;
    child.kill('SIGKILL');
    const r = await exit;
    this.child = null;
    return r;
  }

  /** Start again on the same database and the same port. */
  async restart() {
    if (this.child) await this.stop();
    return this.start({ keepPort: true });
  }

  /** The stderr of every run of this server, for a failure report. */
  dump() {
    return `==== stderr of ${this.name} (${this.db}) ====\n${this.log}==== end of ${this.name} ====\n`;
  }

  /* -- HTTP -- */

  /** Any request: resolves {status, headers, text, json}. */
  request(method, urlPath, opts = {}) {
    return httpRequest(this.url + urlPath, method, opts);
  }

  /** POST a Segment call with HTTP Basic auth (write key as user name, empty password). */
  ingest(urlPath, body, { key = this.ws.writeKey, headers = {} } = {}) {
    return this.request('POST', urlPath, {
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(key ? { authorization: basic(key) } : {}), ...headers },
    });
  }

  /** A management API call with Authorization: Bearer (the admin key unless told). */
  api(urlPath, { method = 'GET', body, key = this.ws.adminKey, headers = {} } = {}) {
    const h = { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    return this.request(method, urlPath, {
      body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
      headers: h,
    });
  }

  /** A Segment POST that waits for 100 Continue before sending its body (see postExpectContinue). */
  ingestExpectContinue(urlPath, body, { key = this.ws.writeKey } = {}) {
    return postExpectContinue(this.url + urlPath, typeof body === 'string' ? body : JSON.stringify(body), {
      'content-type': 'application/json',
      ...(key ? { authorization: basic(key) } : {}),
    });
  }

  /** GET /api/v1/profiles/{id}, asserting 200; resolves the profile view. */
  async profile(id, key) {
    const r = await this.api(`/api/v1/profiles/${id}`, { key });
    if (r.status !== 200) throw new Error(`GET profile ${id}: ${r.status} ${r.text}`);
    return r.json;
  }

  /** The live profiles that hold identity TYPE:VALUE (first page). */
  async search(type, value, extra = '') {
    const r = await this.api(`/api/v1/profiles?identity=${encodeURIComponent(`${type}:${value}`)}${extra}`);
    if (r.status !== 200) throw new Error(`search ${type}:${value}: ${r.status} ${r.text}`);
    return r.json.data;
  }

  /** The one live profile that holds identity TYPE:VALUE; fails unless there is exactly one. */
  async profileBy(type, value) {
    const data = await this.search(type, value);
    if (data.length !== 1) throw new Error(`expected one profile with ${type}:${value}, found ${data.length}`);
    return data[0];
  }
}

export function basic(key) {
  return `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
}

export async function httpRequest(url, method, { body, headers = {}, timeoutMs = 30_000 } = {}) {
  // redirects are answers to check, never followed (a click link leads off this machine)
  const res = await fetch(url, { method, body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * POST with `Expect: 100-continue`: the body is sent only once the server
 * says 100 Continue, so a server that refuses the request from its headers
 * alone (413 on Content-Length) answers before any of the body is on the wire,
 * and the answer is read reliably. A fresh connection every time.
 */
export function postExpectContinue(url, body, headers = {}, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const buf = Buffer.from(body);
    let settled = false;
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      method: 'POST',
      agent: false,
      headers: { ...headers, 'content-length': String(buf.length), expect: '100-continue' },
    });
    const fail = (err) => {
      if (!settled) {
        settled = true;
        reject(err);
      }
    };
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('continue', () => req.end(buf));
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        const text = Buffer.concat(chunks).toString('utf8');
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) h.append(k, Array.isArray(v) ? v.join(', ') : v);
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: h, text, json });
        req.destroy();
      });
    });
    req.flushHeaders();
  });
}

/** Poll until listening() and GET /healthz answers 200 (true), the process exits (false) or the deadline passes (false). */
async function waitHealthy(url, hasExited, listening, deadline) {
  let delay = 2;
  while (Date.now() < deadline) {
    if (hasExited()) return false;
    if (listening()) {
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) return true;
      } catch {
        /* not answering yet */
      }
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
  return false;
}

/* ---- test wiring ---------------------------------------------------------------- */

/**
 * For a test file: a workspace and a running server before the first test,
 * and, whatever happens, the server stopped and the directory removed after
 * the last. When a test fails, the server's stderr is printed. Returns an
 * object whose fields (ws, server) are filled by `init()`; call it in `before`.
 */
export function useServer(opts = {}) {
  const ctx = { ws: null, server: null, servers: [] };
  ctx.init = async () => {
    ctx.ws = await createWorkspace();
    ctx.server = new Server(ctx.ws, opts);
    ctx.servers.push(ctx.server);
    await ctx.server.start();
    return ctx;
  };
  cleanupAfter(ctx);
  return ctx;
}

const knownBugs = new Set();

/**
 * A test of behaviour that a known bug outside the tests breaks: it runs, and
 * is reported as TODO (failing without failing the suite) until the bug is
 * fixed; then it passes and the marker can go.
 */
export function knownBug(title, reason, fn) {
  knownBugs.add(title);
  return test(title, { todo: `known bug: ${reason}` }, fn);
}

/** Print the stderr of ctx.servers when a test fails; kill them and remove workspaces after the file. */
export function cleanupAfter(ctx) {
  afterEach((t) => {
    if (t.passed === false && !knownBugs.has(t.name)) {
      for (const s of ctx.servers) process.stderr.write(s.dump());
    }
  });
  after(async () => {
    for (const s of ctx.servers) {
      if (s.running) await s.kill();
    }
    const dirs = new Set(ctx.servers.map((s) => s.ws.dir));
    if (ctx.ws) dirs.add(ctx.ws.dir);
    for (const d of dirs) {
      if (d && existsSync(d) && !process.env.RONDO_KEEP_TMP) await rm(d, { recursive: true, force: true });
    }
  });
}

/* ---- small helpers for assertions ------------------------------------------------ */

/** The value of one Prometheus sample, e.g. metric(text, 'rondo_http_requests_total', {route: '/v1/track', status: '200'}); 0 when absent. */
export function metric(text, name, labels = {}) {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ? m[2].split(',') : []).sort();
    if (have.length === want.length && have.every((l, i) => l === want[i])) return Number(m[3]);
  }
  return 0;
}

/** promise, or a rejection naming what did not happen within ms. */
export async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolve after ms; only for pacing a load generator, never to wait for a result. */
export function pause(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
