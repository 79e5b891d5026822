import { strict as assert } from 'node:assert';
import { ModelUriError, modelLocation } from '../../src/resources/model-source';
import { SHA } from '../support/models';

describe('model locations', () => {
  it('reads a file:/// uri as a path in the image', () => {
    assert.deepEqual(modelLocation({ uri: 'file:///models/imdb.onnx' }), {
      kind: 'file',
      path: '/models/imdb.onnx',
    });
  });

  it('reads a pvc:// uri as a claim and a path on it', () => {
    assert.deepEqual(modelLocation({ uri: 'pvc://store/a/b.onnx' }), {
      kind: 'pvc',
      claimName: 'store',
      path: 'a/b.onnx',
    });
  });

  it('reads an http(s) uri as a download checked against sha256', () => {
    assert.deepEqual(modelLocation({ uri: 'https://x.example/m.onnx', sha256: SHA }), {
      kind: 'http',
      url: 'https://x.example/m.onnx',
      sha256: SHA,
    });
  });

  it('refuses a download without sha256 and an unknown scheme', () => {
    assert.throws(() => modelLocation({ uri: 'http://x.example/m.onnx' }), ModelUriError);
    assert.throws(() => modelLocation({ uri: 's3://b/m.onnx' }), ModelUriError);
    // the message never carries credentials or a signed query
    assert.throws(
      () => modelLocation({ uri: 'https://u:s3cret@x.example/m.onnx?sig=t0ken' }),
      (err: Error) =>
        /https:\/\/x\.example\/m\.onnx/.test(err.message) && !/s3cret|t0ken|u:/.test(err.message),
    );
  });
});
