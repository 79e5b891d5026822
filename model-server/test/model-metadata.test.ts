import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { onnx } from 'onnx-proto';
import { ModelContractError, describeModel, readMetadataProps } from '../src/model/metadata';
import { sampleModel } from './support/server';

describe('model metadata without decoding the graph', () => {
  it('reads the same metadata_props as a full ModelProto decode', () => {
    const bytes = readFileSync(sampleModel());
    const full: Record<string, string> = {};
    for (const p of onnx.ModelProto.decode(bytes).metadataProps) full[p.key!] = p.value ?? '';
    assert.deepEqual(readMetadataProps(bytes), full);
    assert.ok(Object.keys(full).length >= 4);
  });

  it('reads metadata wherever it sits among the other fields', () => {
    const m = onnx.ModelProto.create({
      irVersion: 9,
      producerName: 'test',
      metadataProps: [
        onnx.StringStringEntryProto.create({ key: 'a', value: '1' }),
        onnx.StringStringEntryProto.create({ key: 'b', value: 'ü' }),
      ],
      graph: onnx.GraphProto.create({ name: 'g' }),
      modelVersion: 3,
    });
    assert.deepEqual(readMetadataProps(onnx.ModelProto.encode(m).finish()), { a: '1', b: 'ü' });
  });

  it('refuses bytes that are not a protobuf', () => {
    assert.throws(() => readMetadataProps(Buffer.from('not an onnx file at all')), ModelContractError);
    assert.throws(() => readMetadataProps(Buffer.from([0x72, 0x05, 0x01])), /not a valid ONNX protobuf/);
  });

  it('describes the sample model: version from its metadata and the sha256 of its bytes', () => {
    const d = describeModel(readFileSync(sampleModel()));
    assert.match(d.sha256, /^[0-9a-f]{64}$/);
    assert.ok(d.metadata.version.length > 0);
    assert.deepEqual(d.metadata.labels, ['negative', 'positive']);
  });
});
