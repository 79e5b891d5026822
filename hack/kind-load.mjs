// The load generator of `make kind-demo`. hack/kind-demo.sh runs it with `node --input-type=module -e`
// in a pod of the model-server image (already loaded into Kind, and it has node), so it needs nothing
// but Node's standard library.
// Sends RPS requests per second to TARGET_URL (POST /predict, one short review each) for
// DURATION_SECONDS, and prints every 10 s how many were answered, how many failed and the rate.
// A new TCP connection per request: the Service then spreads the load over the replicas the HPA adds,
// where kept-alive connections would stay on the first ones.
import { Buffer } from 'node:buffer';
import http from 'node:http';
import process from 'node:process';
import { clearInterval, setInterval, setTimeout } from 'node:timers';
import { URL } from 'node:url';

const target = new URL(process.env.TARGET_URL ?? 'http://imdb-rps.default.svc:8080/predict');
const rps = Number(process.env.RPS ?? '450');
const durationSeconds = Number(process.env.DURATION_SECONDS ?? '300');
const TICK_MS = 100;
const REPORT_MS = 10_000;
/** Requests still waiting for their answer beyond this are not sent: the servers are saturated. */
const MAX_IN_FLIGHT = 1000;
const REVIEWS = [
  'A moving, beautifully acted film; I was in tears by the end.',
  'Dull plot, wooden dialogue and a twist you can see coming from the first scene.',
  'Funny, warm and clever. The best thing I have seen this year.',
  'I wanted my two hours back. Avoid.',
  'The cast is great but the script lets them down in the second half.',
  'A small masterpiece: every frame is worth watching.',
];

const agent = new http.Agent({ keepAlive: false, maxSockets: MAX_IN_FLIGHT });
const counts = { sent: 0, answered: 0, failed: 0, skipped: 0 };
let inFlight = 0;

function log(message) {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

function send(index) {
  const body = JSON.stringify({ text: REVIEWS[index % REVIEWS.length] });
  inFlight++;
  counts.sent++;
  const done = (ok) => {
    inFlight--;
    if (ok) counts.answered++;
    else counts.failed++;
  };
  const req = http.request(
    target,
    {
      method: 'POST',
      agent,
      timeout: 10_000,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    },
    (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200));
      res.on('error', () => done(false));
    },
  );
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => done(false));
  req.end(body);
}

log(`sending ${rps} requests/s to ${target.href} for ${durationSeconds} s`);
const perTick = rps / (1000 / TICK_MS);
let owed = 0;
let index = 0;
const ticker = setInterval(() => {
  owed += perTick;
  for (; owed >= 1; owed--) {
    if (inFlight >= MAX_IN_FLIGHT) counts.skipped++;
    else send(index++);
  }
}, TICK_MS);

let last = { ...counts };
const reporter = setInterval(() => {
  const answered = counts.answered - last.answered;
  log(
    `answered ${counts.answered}, failed ${counts.failed}, skipped ${counts.skipped}, ` +
      `${(answered / (REPORT_MS / 1000)).toFixed(0)} answers/s, ${inFlight} in flight`,
  );
  last = { ...counts };
}, REPORT_MS);

setTimeout(() => {
  clearInterval(ticker);
  clearInterval(reporter);
  log(`done: sent ${counts.sent}, answered ${counts.answered}, failed ${counts.failed}`);
  agent.destroy();
  process.exit(0);
}, durationSeconds * 1000);
