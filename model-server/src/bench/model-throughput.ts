// Single-process onnxruntime throughput of a model file: IMDB-length reviews in batches, and short
// texts one at a time. A benchmark, not a test: it prints figures for docs/model.md.
import { parseArgs } from 'node:util';
import { OnnxModel } from '../model/onnx-model';
import { IMDB_TEST, readJsonl } from '../training/dataset';

/** The first sentence (or the first words) of a review, at most `max` characters. */
export function shortText(review: string, max = 100): string {
  const clean = review
    .replace(/<br\s*\/?>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const sentence = clean.split(/(?<=[.!?])\s/)[0];
  if (sentence.length <= max) return sentence;
  const cut = sentence.slice(0, max);
  return cut.slice(0, cut.lastIndexOf(' ') > 0 ? cut.lastIndexOf(' ') : max);
}

async function measure(name: string, seconds: number, step: () => Promise<number>): Promise<void> {
  for (const end = Date.now() + 1000; Date.now() < end;) await step(); // warm-up
  let items = 0;
  let calls = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    items += await step();
    calls++;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  // CPU time per text is what the machine's other load disturbs least; wall-clock rate is the headline
  const cpuPerText = (cpu.user + cpu.system) / items;
  console.log(
    `${name.padEnd(44)} ${Math.round(items / s)
      .toString()
      .padStart(
        8,
      )} texts/s  ${cpuPerText.toFixed(1).padStart(7)} CPU-us/text  (${calls} calls in ${s.toFixed(1)} s)`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'samples/models/imdb.onnx' },
      data: { type: 'string', default: IMDB_TEST },
      seconds: { type: 'string', default: '10' },
      batch: { type: 'string', default: '64' },
    },
  });
  const seconds = Number(values.seconds);
  const batch = Number(values.batch);
  const reviews = readJsonl(values.data!).rows.map((r) => r.text);
  const shorts = reviews.map((r) => shortText(r)).filter((s) => s.length > 0);
  const model = await OnnxModel.load(values.model!, { threads: 1 });
  const avg = (xs: string[]): number => Math.round(xs.reduce((a, s) => a + s.length, 0) / xs.length);
  console.log(
    `model ${values.model} (version ${model.version}), onnxruntime intra-op threads 1, node ${process.version}`,
  );
  console.log(
    `reviews: ${reviews.length}, mean ${avg(reviews)} chars; short texts: mean ${avg(shorts)} chars`,
  );

  let i = 0;
  await measure(`IMDB reviews, batches of ${batch}`, seconds, async () => {
    const start = (i += batch) % (reviews.length - batch);
    await model.predict(reviews.slice(start, start + batch));
    return batch;
  });
  let j = 0;
  await measure('short texts (<= 100 chars), one per call', seconds, async () => {
    await model.predict([shorts[j++ % shorts.length]]);
    return 1;
  });
  await measure(`short texts (<= 100 chars), batches of ${batch}`, seconds, async () => {
    const start = (j += batch) % (shorts.length - batch);
    await model.predict(shorts.slice(start, start + batch));
    return batch;
  });
  console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
  await model.release();
}

// run as a script; importing it (for shortText) must not start the benchmark
if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  });
}
