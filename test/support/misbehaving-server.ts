/**
 * A real HTTP server on 127.0.0.1 for tests, with handlers for the ways web servers misbehave:
 * slow bodies, huge bodies, compression, redirect chains, conditional GET.
 * Every test that talks HTTP should use this instead of mocking the client.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';

/** A route handler; it owns the response and must end it (or leave it to the client to give up). */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

/** A running test server. */
export interface TestServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Destroys open sockets too, so a test never hangs on a client that is still reading. */
  close(): Promise<void>;
  /** Requests per path (query string excluded). */
  hits: Map<string, number>;
  requests: Array<{ path: string; headers: http.IncomingHttpHeaders }>;
}

/** Starts a server on a random port; unknown paths answer 404. Routes are keyed by path without the query. */
export async function startTestServer(routes: Record<string, Handler>): Promise<TestServer> {
  const hits = new Map<string, number>();
  const requests: TestServer['requests'] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://test.invalid').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    requests.push({ path, headers: req.headers });
    const handler = routes[path];
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    Promise.resolve(handler(req, res)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A request as `recording` received it. */
export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** When it arrived (ms since the epoch). */
  at: number;
}

/** A webhook receiver that keeps every request it gets in `into` (whole body read first) and answers 200 `{}`. */
export function recording(into: Received[]): Handler {
  return async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    into.push({ path: new URL(req.url ?? '/', 'http://test.invalid').pathname, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  };
}

/** Validators for ok(). */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

/** 200 with `body`; answers 304 to a matching If-None-Match or a not-older If-Modified-Since. */
export function ok(body: string | Buffer, contentType = 'text/plain; charset=utf-8', validators: Validators = {}): Handler {
  return (req, res) => {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (validators.etag) headers['etag'] = validators.etag;
    if (validators.lastModified) headers['last-modified'] = validators.lastModified;
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    // RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since counts only when it is absent.
    const fresh = inm
      ? validators.etag !== undefined && inm.split(',').some((t) => t.trim() === validators.etag || t.trim() === '*')
      : ims !== undefined &&
        validators.lastModified !== undefined &&
        Date.parse(ims) >= Date.parse(validators.lastModified);
    if (fresh) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, headers).end(body);
  };
}

/** Answers `code` with a short text body. */
export function status(code: number, body = `status ${code}`, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(code, { 'content-type': 'text/plain', ...headers }).end(body);
  };
}

/** Sends headers at once, then `chunks` small chunks spread evenly over `totalMs`. */
export function slowBody(totalMs: number, chunks: number): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    let sent = 0;
    const timer = setInterval(
      () => {
        sent++;
        res.write(`chunk ${sent}\n`);
        if (sent >= chunks) {
          clearInterval(timer);
          res.end();
        }
      },
      Math.max(1, Math.floor(totalMs / chunks)),
    );
    res.on('close', () => clearInterval(timer));
  };
}

/** A streaming handler that also reports how much it managed to send. */
export type CountingHandler = Handler & { stats: { bytesSent: number; completed: boolean } };

/** Streams `bytes` bytes of text with backpressure, reusing one 64 KiB buffer (nothing big is allocated). */
export function hugeBody(bytes: number, contentType = 'text/plain'): CountingHandler {
  const block = Buffer.alloc(64 * 1024, 'a');
  const stats = { bytesSent: 0, completed: false };
  const handler: Handler = (_req, res) => {
    res.writeHead(200, { 'content-type': contentType, 'content-length': String(bytes) });
    let left = bytes;
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const n = Math.min(left, block.length);
        left -= n;
        stats.bytesSent += n;
        if (!res.write(n === block.length ? block : block.subarray(0, n))) {
          res.once('drain', pump);
          return;
        }
      }
      if (left === 0 && !res.destroyed) {
        stats.completed = true;
        res.end();
      }
    };
    pump();
  };
  return Object.assign(handler, { stats });
}

/** Redirects to `to` (absolute or relative, sent verbatim) with status `code`. */
export function redirect(to: string, code = 302): Handler {
  return (_req, res) => {
    res.writeHead(code, { location: to, 'content-type': 'text/plain' }).end(`moved to ${to}`);
  };
}

function encoded(encoding: string, data: Buffer, contentType: string): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': contentType, 'content-encoding': encoding, 'content-length': String(data.length) }).end(data);
  };
}

/** 200 with a gzip-encoded body. */
export function gzipped(body: string | Buffer, contentType = 'text/plain; charset=utf-8'): Handler {
  return encoded('gzip', zlib.gzipSync(body), contentType);
}

/** 200 with a brotli-encoded body. */
export function brotli(body: string | Buffer, contentType = 'text/plain; charset=utf-8'): Handler {
  return encoded('br', zlib.brotliCompressSync(body), contentType);
}

/** 200 with `Content-Encoding: deflate` but a RAW deflate stream (no zlib wrapper), as some servers send. */
export function deflateRaw(body: string | Buffer, contentType = 'text/plain; charset=utf-8'): Handler {
  return encoded('deflate', zlib.deflateRawSync(body), contentType);
}

/** 200 with `Content-Encoding: deflate` as the RFC says: a zlib-wrapped stream. */
export function deflated(body: string | Buffer, contentType = 'text/plain; charset=utf-8'): Handler {
  return encoded('deflate', zlib.deflateSync(body), contentType);
}

/** 200 with bytes that claim to be `encoding` but are not; for decompression-error tests. */
export function corruptEncoding(encoding = 'gzip'): Handler {
  return encoded(encoding, Buffer.from('this is not compressed at all, sorry'), 'text/plain');
}

/**
 * A compression bomb: `decodedBytes` zeros, gzip- or brotli-compressed (computed once, streamed
 * while compressing so no decoded copy is ever held), sent in one piece.
 */
export function compressionBomb(decodedBytes: number, encoding: 'gzip' | 'br' = 'gzip'): Handler {
  let compressed: Promise<Buffer> | null = null;
  const build = (): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const z = encoding === 'gzip' ? zlib.createGzip({ level: 9 }) : zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }); // quality 11 takes seconds per 100 MiB
      const out: Buffer[] = [];
      z.on('data', (c: Buffer) => out.push(c));
      z.on('end', () => resolve(Buffer.concat(out)));
      z.on('error', reject);
      const zeros = Buffer.alloc(1024 * 1024);
      let left = decodedBytes;
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(left, zeros.length);
          left -= n;
          if (!z.write(n === zeros.length ? zeros : zeros.subarray(0, n))) {
            z.once('drain', pump);
            return;
          }
        }
        z.end();
      };
      pump();
    });
  return async (_req, res) => {
    compressed ??= build();
    const data = await compressed;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': encoding, 'content-length': String(data.length) }).end(data);
  };
}
