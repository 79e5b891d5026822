import { strict as assert } from 'node:assert';
import { checkJsonContentType, parseJson } from '../src/server/body';
import { HttpError } from '../src/server/http-error';
import { parsePredictRequest, predictResponse } from '../src/server/protocol/predict';
import { checkModel, inferResponse, parseInferRequest } from '../src/server/protocol/v2';
import type { ServedModel } from '../src/server/served-model';

const limits = { maxTextChars: 10, maxBatchItems: 3 };

function refused(fn: () => unknown, status: number, message: RegExp): void {
  assert.throws(fn, (err: Error) => {
    assert.ok(err instanceof HttpError, `${err}`);
    assert.equal(err.status, status);
    assert.match(err.message, message);
    return true;
  });
}

describe('POST /predict request parsing', () => {
  it('takes {"text"} as one prediction and {"texts"} as several', () => {
    assert.deepEqual(parsePredictRequest({ text: 'good' }, limits), { texts: ['good'], single: true });
    assert.deepEqual(parsePredictRequest({ texts: ['a', ''] }, limits), { texts: ['a', ''], single: false });
  });

  const bad: [string, unknown, RegExp][] = [
    ['an array body', ['text'], /JSON object with "text" or "texts", got an array/],
    ['a null body', null, /got null/],
    ['a string body', 'hello', /got a string/],
    ['no text field', { txt: 'a' }, /missing field "text"/],
    ['a numeric text', { text: 5 }, /field "text" must be a string, got a number/],
    ['a null text', { text: null }, /field "text" must be a string, got null/],
    ['both fields', { text: 'a', texts: ['b'] }, /either field "text" or field "texts"/],
    ['texts that are not a list', { texts: 'a' }, /field "texts" must be an array/],
    ['an empty list', { texts: [] }, /at least one text/],
    ['a non-string item', { texts: ['a', {}] }, /field "texts\[1\]" must be a string, got a object/],
    [
      'a text over the limit',
      { text: 'x'.repeat(11) },
      /field "text" has 11 characters; the limit is MAX_TEXT_CHARS=10/,
    ],
    ['a list item over the limit', { texts: ['a', 'x'.repeat(11)] }, /field "texts\[1\]" has 11 characters/],
    [
      'more items than allowed',
      { texts: ['a', 'b', 'c', 'd'] },
      /has 4 items; the limit is MAX_BATCH_ITEMS=3/,
    ],
  ];
  for (const [what, body, message] of bad) {
    it(`answers 400 naming the field for ${what}`, () =>
      refused(() => parsePredictRequest(body, limits), 400, message));
  }

  it('builds the documented response shape', () => {
    const probs = Float32Array.from([0.25, 0.75, 0.9, 0.1]);
    const model = { name: 'imdb', version: 'v1' };
    assert.deepEqual(predictResponse({ texts: ['a'], single: true }, probs, model), {
      label: 'positive',
      confidence: 0.75,
      probabilities: { negative: 0.25, positive: 0.75 },
      model: 'imdb',
      model_version: 'v1',
    });
    const many = predictResponse({ texts: ['a', 'b'], single: false }, probs, model);
    assert.ok('predictions' in many);
    assert.deepEqual(
      many.predictions.map((p) => [p.label, p.confidence]),
      [
        ['positive', 0.75],
        ['negative', Math.max(Math.fround(0.1), 1 - Math.fround(0.1))],
      ],
    );
  });

  it('calls a 0.5 probability positive, as the trainer does', () => {
    const p = predictResponse({ texts: ['a'], single: true }, Float32Array.from([0.5, 0.5]), {
      name: 'm',
      version: 'v',
    });
    assert.ok('label' in p && p.label === 'positive' && p.confidence === 0.5);
  });
});

describe('Open Inference Protocol v2 request parsing', () => {
  const input = (over: object = {}) => ({
    name: 'text',
    datatype: 'BYTES',
    shape: [2],
    data: ['a', 'b'],
    ...over,
  });

  it('takes one BYTES input "text" of shape [N] or [N, 1], flat or nested', () => {
    assert.deepEqual(parseInferRequest({ id: 'r1', inputs: [input()] }, limits), {
      id: 'r1',
      texts: ['a', 'b'],
    });
    assert.deepEqual(
      parseInferRequest({ inputs: [input({ shape: [2, 1], data: [['a'], ['b']] })] }, limits).texts,
      ['a', 'b'],
    );
    assert.deepEqual(
      parseInferRequest({ inputs: [input()], outputs: [{ name: 'probabilities' }] }, limits).texts,
      ['a', 'b'],
    );
  });

  const bad: [string, unknown, RegExp][] = [
    ['a body without inputs', {}, /"inputs" must be an array holding exactly one input "text"/],
    ['two inputs', { inputs: [input(), input()] }, /exactly one input/],
    [
      'a wrong input name',
      { inputs: [input({ name: 'sentence' })] },
      /"inputs\[0\].name" must be "text", got "sentence"/,
    ],
    [
      'a wrong datatype',
      { inputs: [input({ datatype: 'FP32' })] },
      /"inputs\[0\].datatype" must be "BYTES", got "FP32"/,
    ],
    ['a missing datatype', { inputs: [input({ datatype: undefined })] }, /must be "BYTES", got nothing/],
    ['a 2-D shape', { inputs: [input({ shape: [1, 2] })] }, /"inputs\[0\].shape" must be \[N\] or \[N, 1\]/],
    ['a negative shape', { inputs: [input({ shape: [-1] })] }, /shape/],
    [
      'a shape that disagrees with the data',
      { inputs: [input({ shape: [3] })] },
      /has 2 elements but shape \[3\] needs 3/,
    ],
    [
      'non-string data',
      { inputs: [input({ data: [1, 2] })] },
      /"inputs\[0\].data\[0\]" must be a string, got a number/,
    ],
    ['data that is not an array', { inputs: [input({ data: 'ab' })] }, /"inputs\[0\].data" must be an array/],
    ['too many items', { inputs: [input({ shape: [4], data: ['a', 'b', 'c', 'd'] })] }, /MAX_BATCH_ITEMS=3/],
    ['an empty tensor', { inputs: [input({ shape: [0], data: [] })] }, /at least one text/],
    [
      'a text over the limit',
      { inputs: [input({ data: ['a', 'x'.repeat(11)] })] },
      /data\[1\]" has 11 characters/,
    ],
    [
      'an unknown requested output',
      { inputs: [input()], outputs: [{ name: 'logits' }] },
      /"outputs\[0\].name" must be "probabilities"/,
    ],
    ['a numeric id', { id: 3, inputs: [input()] }, /field "id" must be a string/],
  ];
  for (const [what, body, message] of bad) {
    it(`answers 400 for ${what}`, () => refused(() => parseInferRequest(body, limits), 400, message));
  }

  const model = { name: 'imdb', version: 'v1', sha256: '0', metadata: {} } as ServedModel;
  it('answers 404 for another model or version', () => {
    refused(
      () => checkModel(model, 'other', undefined),
      404,
      /model "other" is not served here; this server serves "imdb"/,
    );
    refused(() => checkModel(model, 'imdb', 'v0'), 404, /no version "v0"/);
    checkModel(model, 'imdb', 'v1');
  });

  it('returns FP32 probabilities of shape [N, 2] and echoes the id', () => {
    const probs = Float32Array.from([0.25, 0.75, 0.5, 0.5]);
    assert.deepEqual(inferResponse({ id: 'x', texts: ['a', 'b'] }, probs, model), {
      model_name: 'imdb',
      model_version: 'v1',
      id: 'x',
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [2, 2], data: [0.25, 0.75, 0.5, 0.5] }],
    });
  });
});

describe('request bodies', () => {
  it('accepts JSON media types and a missing Content-Type, refuses others with 415', () => {
    for (const ok of [
      undefined,
      'application/json',
      'Application/JSON; charset=utf-8',
      'application/vnd.api+json',
    ]) {
      checkJsonContentType(ok);
    }
    for (const no of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    ]) {
      refused(() => checkJsonContentType(no), 415, /Content-Type must be application\/json/);
    }
  });

  it('refuses an empty body, bytes that are not UTF-8 and malformed JSON with 400', () => {
    refused(() => parseJson(Buffer.alloc(0)), 400, /empty/);
    refused(() => parseJson(Buffer.from([0x7b, 0xff, 0x7d])), 400, /not valid UTF-8/);
    refused(() => parseJson(Buffer.from('{"text": ')), 400, /malformed JSON/);
    assert.deepEqual(parseJson(Buffer.from('{"text":"\\ud800"}')), { text: '\ud800' });
  });
});
