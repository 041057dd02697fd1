/**
 * Reads a response body with a size cap counted on DECOMPRESSED bytes.
 *
 * The cap is what protects the worker from 50 MiB pages and from gzip/brotli bombs (a few KiB
 * that inflate to gigabytes), so bytes are counted after decoding and the decoder is destroyed
 * from inside its 'data' handler the moment the cap is passed: zlib then stops producing output
 * instead of inflating the whole input chunk into memory.
 */
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';

/** What went wrong while reading: the decoder rejected the bytes, or the stream itself failed. */
export class BodyReadError extends Error {
  constructor(
    readonly kind: 'decompression' | 'stream',
    cause: unknown,
  ) {
    super(kind === 'decompression' ? 'could not decompress the response body' : 'response body stream failed', { cause });
    this.name = 'BodyReadError';
  }
}

type Coding = 'identity' | 'gzip' | 'deflate' | 'br';

function parseCoding(header: string | null): Coding {
  // Only one coding is supported; we never ask for stacked ones, so a server sending them is broken.
  const codings = (header ?? '')
    .toLowerCase()
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'identity');
  if (codings.length === 0) return 'identity';
  const [only] = codings;
  if (codings.length === 1 && (only === 'gzip' || only === 'x-gzip')) return 'gzip';
  if (codings.length === 1 && (only === 'deflate' || only === 'br')) return only;
  throw new BodyReadError('decompression', new Error(`unsupported Content-Encoding: ${header}`));
}

// "deflate" is specified as zlib-wrapped (RFC 1950), but some servers send raw deflate (RFC 1951).
// A zlib header is CM=8 in the low nibble of the first byte and (CMF*256+FLG) divisible by 31.
function looksZlibWrapped(first: Buffer): boolean {
  const cmf = first[0];
  if (cmf === undefined || (cmf & 0x0f) !== 8 || cmf >> 4 > 7) return false;
  const flg = first[1];
  return flg === undefined || (cmf * 256 + flg) % 31 === 0;
}

function createDecoder(coding: Exclude<Coding, 'identity'>, first: Buffer): Transform {
  // Lenient flushing: many servers cut the stream without the final block, and browsers accept that.
  const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  if (coding === 'gzip') return zlib.createGunzip(opts);
  if (coding === 'br') return zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
  return looksZlibWrapped(first) ? zlib.createInflate(opts) : zlib.createInflateRaw(opts);
}

/** Reads `body`, decoding `contentEncoding`, keeping at most `maxBytes`; destroys the stream when done or capped. */
export function readBody(
  body: Readable,
  contentEncoding: string | null,
  maxBytes: number,
): Promise<{ body: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    let coding: Coding;
    try {
      coding = parseCoding(contentEncoding);
    } catch (err) {
      body.destroy();
      reject(err);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    let bodyEnded = false;
    let decoder: Transform | null = null;

    const settle = (err: BodyReadError | null, truncated = false): void => {
      if (done) return;
      done = true;
      // Destroying an unfinished undici body aborts the connection, so nothing more is downloaded.
      body.destroy();
      decoder?.destroy();
      if (err) reject(err);
      else resolve({ body: Buffer.concat(chunks, size), truncated });
    };

    const take = (chunk: Buffer): void => {
      if (done || chunk.length === 0) return;
      const room = maxBytes - size;
      // Reaching exactly maxBytes is not truncation; only a byte beyond it proves there was more.
      if (chunk.length > room) {
        if (room > 0) chunks.push(chunk.subarray(0, room));
        size += room;
        settle(null, true);
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    };

    body.on('data', (raw: Buffer) => {
      if (done) return;
      if (coding === 'identity') return take(raw);
      if (!decoder) {
        const d = createDecoder(coding, raw);
        decoder = d;
        d.on('data', take);
        d.on('error', (e) => settle(new BodyReadError('decompression', e)));
        d.on('end', () => settle(null));
        d.on('drain', () => body.resume());
      }
      if (!decoder.write(raw)) body.pause();
    });
    body.on('end', () => {
      bodyEnded = true;
      if (decoder) decoder.end();
      else settle(null);
    });
    body.on('error', (e) => settle(new BodyReadError('stream', e)));
    body.on('close', () => {
      if (!bodyEnded) settle(new BodyReadError('stream', new Error('response body closed before its end')));
    });
  });
}
