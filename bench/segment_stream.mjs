// segment_stream.mjs — bench/segment.sh's event stream: RATE events a second for SECONDS
// seconds through POST /v1/batch (batches of 100, one every 100/RATE s), each for a known
// customer (user ids from a profiles CSV of `rondo gen`), a fifth of them "Email Opened",
// which moves people out of the reference segment. Prints what was sent and acknowledged.
// usage: node segment_stream.mjs URL WRITE_KEY PROFILES_CSV RATE SECONDS
import { readFileSync } from 'node:fs';

const [url, key, csv, rate, seconds] = process.argv.slice(2);
const ids = readFileSync(csv, 'utf8').split('\n').slice(1).map((l) => l.split(',')[0]).filter((x) => /^W\d+$/.test(x));
if (!ids.length) throw new Error(`no customer ids in ${csv}`);
const auth = 'Basic ' + Buffer.from(`${key}:`).toString('base64');
const per = 100;
const every = (per * 1000) / Number(rate);
const end = Date.now() + Number(seconds) * 1000;
let sent = 0, acked = 0, failed = 0, n = 0;
const inflight = [];
const start = Date.now();
while (Date.now() < end) {
  const batch = [];
  for (let i = 0; i < per; i++, n++) {
    const userId = ids[(n * 7919) % ids.length];
    batch.push({ type: 'track', userId, event: n % 5 === 0 ? 'Email Opened' : 'Product Viewed', messageId: `bench-seg-${start}-${n}` });
  }
  sent += per;
  inflight.push(fetch(`${url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) })
    .then(async (r) => { await r.text(); if (r.status === 200) acked += per; else failed += per; })
    .catch(() => { failed += per; }));
  const due = start + (sent / per) * every;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
await Promise.all(inflight);
const secs = (Date.now() - start) / 1000;
console.log(`stream: ${sent} events sent in ${secs.toFixed(1)} s (${(sent / secs).toFixed(0)}/s), ${acked} acknowledged, ${failed} failed`);
