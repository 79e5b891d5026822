// One loaded model: an onnxruntime session plus the contract read from the file. The trainer's
// evaluation and the HTTP server both predict through this class.
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { DESCRIPTOR_OUTPUTS, INPUT_NAME, OUTPUT_NAME } from '../contract';
import { lengthGroups } from './length-groups';
import { ModelContractError, ModelMetadata, describeModel } from './metadata';

export interface LoadOptions {
  /** onnxruntime intra-op threads; 1 makes results independent of the machine's core count */
  threads?: number;
  /** the file's contract and checksum when the caller has already read them (saves a second pass) */
  described?: { metadata: ModelMetadata; sha256: string };
}

/** Per text, from a graph with the DESCRIPTOR_OUTPUTS: its tokens and how many are unknown. */
export interface InputDescriptors {
  tokens: Float32Array;
  unknown: Float32Array;
}

export interface Predictions {
  /** row-major [N, 2] probabilities (negative, positive), in input order */
  probs: Float32Array;
  /** absent when the graph does not return the descriptor outputs (older or other producers' files) */
  descriptors?: InputDescriptors;
}

export class OnnxModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly metadata: ModelMetadata,
    readonly sha256: string,
  ) {}

  /** Whether the graph returns the input descriptors the server exports for drift. */
  get hasDescriptors(): boolean {
    return this.metadata.hasDescriptors;
  }

  static async fromBytes(bytes: Uint8Array, opts: LoadOptions = {}): Promise<OnnxModel> {
    const { metadata, sha256 } = opts.described ?? describeModel(bytes);
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: opts.threads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    if (!session.inputNames.includes(INPUT_NAME) || !session.outputNames.includes(OUTPUT_NAME)) {
      throw new ModelContractError(
        `the graph must take "${INPUT_NAME}" and return "${OUTPUT_NAME}"; it takes [${session.inputNames}] and returns [${session.outputNames}]`,
      );
    }
    return new OnnxModel(session, metadata, sha256);
  }

  static async load(path: string, opts: LoadOptions = {}): Promise<OnnxModel> {
    return OnnxModel.fromBytes(await readFile(path), opts);
  }

  get version(): string {
    return this.metadata.version;
  }

  /** P(positive) for each text, in input order. */
  async predictPositive(texts: readonly string[]): Promise<Float32Array> {
    const probs = await this.predict(texts);
    const out = new Float32Array(texts.length);
    for (let i = 0; i < texts.length; i++) out[i] = probs[2 * i + 1];
    return out;
  }

  /** Row-major [N, 2] probabilities (negative, positive), in input order. */
  async predict(texts: readonly string[]): Promise<Float32Array> {
    return (await this.infer(texts)).probs;
  }

  /** Probabilities and, where the graph has them, the input descriptors, in input order. */
  async infer(texts: readonly string[]): Promise<Predictions> {
    const groups = lengthGroups(texts.map((t) => t.length));
    if (groups.length <= 1) return this.run(texts);
    const n = texts.length;
    const out: Predictions = { probs: new Float32Array(2 * n) };
    if (this.hasDescriptors) out.descriptors = { tokens: new Float32Array(n), unknown: new Float32Array(n) };
    for (const group of groups) {
      const part = await this.run(group.map((i) => texts[i]));
      group.forEach((i, k) => {
        out.probs[2 * i] = part.probs[2 * k];
        out.probs[2 * i + 1] = part.probs[2 * k + 1];
        if (out.descriptors && part.descriptors) {
          out.descriptors.tokens[i] = part.descriptors.tokens[k];
          out.descriptors.unknown[i] = part.descriptors.unknown[k];
        }
      });
    }
    return out;
  }

  private async run(texts: readonly string[]): Promise<Predictions> {
    if (texts.length === 0) return { probs: new Float32Array(0) };
    const input = new ort.Tensor('string', texts as string[], [texts.length]);
    const result = await this.session.run({ [INPUT_NAME]: input });
    const probs = result[OUTPUT_NAME].data as Float32Array;
    if (!this.hasDescriptors) return { probs };
    return {
      probs,
      descriptors: {
        tokens: result[DESCRIPTOR_OUTPUTS.inputTokens].data as Float32Array,
        unknown: result[DESCRIPTOR_OUTPUTS.unknownTokens].data as Float32Array,
      },
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
