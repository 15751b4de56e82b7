// peer.js -- the Node.js peer for bench/run: what a scripting user would
// write instead of sonicflow.  Built-in fetch, Promise.all, no packages.
// Same exchanges as bench/floor.c and bench/many.lua: create -> poll every P
// seconds until both clips succeeded -> download clip 1 to OUT_DIR.
// At most M HTTP requests in flight (a small semaphore), like max_inflight.
// usage: node peer.js BASE_URL N M POLL_SECONDS OUT_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const [base, N, M, P, outdir] = process.argv.slice(2);
const n = +N, maxin = +M, poll = +P * 1000;
const auth = { Authorization: 'Bearer anykey' };

let inflight = 0; const waiting = [];
async function limited(fn) {
  if (inflight >= maxin) await new Promise(r => waiting.push(r));
  else inflight++;
  try { return await fn(); }
  finally { const next = waiting.shift(); if (next) next(); else inflight--; }
}
const sleep = ms => new Promise(r => setTimeout(r, ms));
let polls = 0;

async function workflow(i) {
  const created = await limited(async () => {
    const r = await fetch(`${base}/api/v1/sonic/create`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ custom_mode: false, mv: 'sonic-v5',
                             gpt_description_prompt: 'a bench song' }),
    });
    if (r.status !== 200) throw new Error(`create HTTP ${r.status}`);
    return r.json();
  });
  let clips;
  for (;;) {
    await sleep(poll);
    const t = await limited(async () => {
      polls++;
      const r = await fetch(`${base}/api/v1/sonic/task/${created.task_id}`,
                            { headers: auth });
      if (r.status !== 200) throw new Error(`poll HTTP ${r.status}`);
      return r.json();
    });
    if (Array.isArray(t.data)) {
      if (t.data.some(c => c.state === 'failed')) throw new Error('failed');
      if (t.data.every(c => c.state === 'succeeded')) { clips = t.data; break; }
    }
  }
  const url = clips[0].audio_url;
  await limited(async () => {
    const r = await fetch(url);
    if (r.status !== 200) throw new Error(`download HTTP ${r.status}`);
    const buf = Buffer.from(await r.arrayBuffer());
    await fs.promises.writeFile(path.join(outdir, clips[0].clip_id + '.mp3'),
                                buf);
  });
}

const all = [];
for (let i = 0; i < n; i++) all.push(workflow(i));
Promise.all(all).then(() => { console.log(`ok ${n} polls ${polls}`); },
  e => { console.error('peer:', e); process.exit(1); });
