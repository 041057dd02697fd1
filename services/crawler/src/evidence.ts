/** Evidence: the raw bytes we fetched, kept because posts get deleted. */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface Evidence {
  sha256: string;
  url: string;
  contentType: string | null;
  size: number;
  truncated: boolean;
  gz: Buffer;
  fetchedAt: Date;
}

/** Hashes the raw bytes (SHA-256 of what the server sent, before decoding) and compresses them. */
export function makeEvidence(bytes: Uint8Array, meta: { url: string; contentType: string | null; truncated: boolean; fetchedAt: Date }): Evidence {
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    gz: gzipSync(bytes, { level: 6 }),
    size: bytes.byteLength,
    ...meta,
  };
}
