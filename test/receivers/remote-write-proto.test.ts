import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { REMOTE_WRITE_DESCRIPTOR } from '../../src/receivers/remote-write/proto/descriptors.js';

const dir = new URL('../../src/receivers/remote-write/proto/', import.meta.url);

describe('remote write protobuf descriptors', () => {
  it('are what the .proto files copied from Prometheus say (scripts/generate-remote-write-proto.mjs)', () => {
    const root = new protobuf.Root();
    for (const file of ['types.proto', 'remote.proto', 'io/prometheus/write/v2/types.proto']) {
      protobuf.parse(readFileSync(new URL(file, dir), 'utf8'), root, { keepCase: true });
    }
    root.resolveAll();
    const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
    assert.deepEqual(plain(REMOTE_WRITE_DESCRIPTOR), plain(root.toJSON()));
  });
});
