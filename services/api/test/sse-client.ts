/** A small Server-Sent Events client over real HTTP, for the stream tests (no EventSource in Node 20). */
import http from 'node:http';

/** One received event. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** An open stream and what it has received so far. */
export interface SseStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Body of a non-200 response. */
  body: string;
  events: SseEvent[];
  comments: string[];
  retry: number | undefined;
  /** Resolves when the server ends the stream (or the connection drops). */
  ended: Promise<void>;
  /** Waits until at least `n` events have arrived; returns them all. */
  waitForEvents(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Waits until a comment matching `text` arrives. */
  waitForComment(text: string, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** Opens `url` (GET) with `headers` and parses the event stream as it arrives. */
export function openStream(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      let current: { id?: string; event?: string; data: string[] } = { data: [] };
      let lastId: string | undefined;
      const waiters = new Set<() => void>();
      const notify = (): void => {
        for (const w of [...waiters]) w();
      };
      const s: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: '',
        events: [],
        comments: [],
        retry: undefined,
        ended: new Promise<void>((done) => {
          res.on('end', done);
          res.on('close', done);
          res.on('error', () => done());
        }),
        waitForEvents: (n, timeoutMs = 5000) => waitUntil(() => s.events.length >= n, () => `${s.events.length} of ${n} events`, timeoutMs).then(() => s.events),
        waitForComment: (text, timeoutMs = 5000) => waitUntil(() => s.comments.includes(text), () => `comment "${text}" (got ${JSON.stringify(s.comments)})`, timeoutMs),
        close: () => req.destroy(),
      };
      const waitUntil = (ok: () => boolean, what: () => string, timeoutMs: number): Promise<void> =>
        new Promise((done, fail) => {
          if (ok()) return done();
          const check = (): void => {
            if (!ok()) return;
            clearTimeout(timer);
            waiters.delete(check);
            done();
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            fail(new Error(`timed out waiting for ${what()}`));
          }, timeoutMs);
          waiters.add(check);
        });
      const line = (l: string): void => {
        if (l === '') {
          if (current.data.length) {
            if (current.id !== undefined) lastId = current.id;
            s.events.push({ id: lastId, event: current.event ?? 'message', data: current.data.join('\n') });
          }
          current = { data: [] };
          return;
        }
        if (l.startsWith(':')) {
          s.comments.push(l.slice(1).trim());
          return;
        }
        const i = l.indexOf(':');
        const field = i < 0 ? l : l.slice(0, i);
        const value = i < 0 ? '' : l.slice(i + 1).replace(/^ /, '');
        if (field === 'id') current.id = value;
        else if (field === 'event') current.event = value;
        else if (field === 'data') current.data.push(value);
        else if (field === 'retry') s.retry = Number(value);
      };
      res.on('data', (chunk: string) => {
        if (s.status !== 200) {
          s.body += chunk;
          return;
        }
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const len = buffer.startsWith('\r\n', nl) ? 2 : 1;
          line(buffer.slice(0, nl));
          buffer = buffer.slice(nl + len);
        }
        notify();
      });
      if (s.status !== 200) res.on('end', () => resolve(s));
      else resolve(s);
    });
    req.on('error', reject);
  });
}
