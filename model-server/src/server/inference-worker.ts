// One inference thread: holds an onnxruntime session (OnnxModel) and answers batches from the
// main thread. onnxruntime-node runs a session synchronously on the calling thread, so running it
// here keeps the main thread free for HTTP while a batch is computed.
import { parentPort, workerData } from 'node:worker_threads';
import { OnnxModel } from '../model/onnx-model';
import type { WorkerData, WorkerReply, WorkerRequest } from './inference-pool';

async function main(): Promise<void> {
  const port = parentPort!;
  const { bytes, described, warmupTexts } = workerData as WorkerData;
  let model: OnnxModel;
  try {
    // onnxruntime wants an ArrayBuffer, not the SharedArrayBuffer; the copy is dropped after load
    model = await OnnxModel.fromBytes(new Uint8Array(bytes), { threads: 1, described });
    await model.predict(warmupTexts);
  } catch (err) {
    port.postMessage({ type: 'failed', message: (err as Error).message } satisfies WorkerReply);
    return;
  }
  port.on('message', (req: WorkerRequest) => {
    // the pool sends `stop` only when no batch is under way: closing the port ends the thread
    if (req.type === 'stop') {
      port.close();
      return;
    }
    model.infer(req.texts).then(
      (predictions) => port.postMessage({ type: 'result', id: req.id, predictions } satisfies WorkerReply),
      (err: Error) =>
        port.postMessage({ type: 'error', id: req.id, message: err.message } satisfies WorkerReply),
    );
  });
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
}

void main();
