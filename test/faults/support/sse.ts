/**
 * A light Server-Sent Events reader for holding hundreds of streams from one process: one plain
 * http request per connection and the WHATWG parsing of the stream, keeping what EventSource keeps
 * (the last event ID, set by every `id:` field, whether or not its frame carries data) and nothing
 * more. It does not reconnect by itself: the case says where a stream goes on, as a load balancer
 * in front of several API processes would, and it sends Last-Event-ID as EventSource does.
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
 */
import http from 'node:http';

/** One event received: its SSE id (the last event ID when it was dispatched), type, and the id its data names. */
export interface ReceivedEvent {
  id: number;
  type: string;
  dataId: number | null;
}

export class SseReader {
  /** Every event received, in order, over every connection. */
  readonly events: ReceivedEvent[] = [];
  /** EventSource's last event ID string: sent as Last-Event-ID on a reconnect when not empty. */
  lastEventId = '';
  /** Connections answered 200. */
  connects = 0;
  /** A 200 stream is open (its connection has not closed). */
  open = false;
  /** How each connection ended: `end` (the server ended the response) or `error: …`. */
  readonly ends: string[] = [];
  /** Answers other than 200: `status body`. */
  readonly refusals: string[] = [];
  /** Frames with an `id:` but no data (they set the last event ID and dispatch nothing). */
  idOnlyFrames = 0;
  /** Where each connection went, in order (the base URL). */
  readonly servers: string[] = [];
  private req: http.ClientRequest | null = null;

  constructor(
    readonly name: string,
    readonly role: string,
    private readonly token: string,
  ) {}

  /**
   * Opens a stream on `base` (with `lastEventId` when the reader has one, as EventSource does on
   * a reconnect); resolves once the opening comment has arrived, or on a refusal or error.
   */
  connect(base: string, path = '/api/alerts/stream'): Promise<void> {
    this.servers.push(base);
    const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache', authorization: `Bearer ${this.token}` };
    if (this.lastEventId !== '') headers['last-event-id'] = this.lastEventId;
    return new Promise<void>((resolve) => {
      let settled = false;
      let responded = false;
      const settle = (): void => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      const req = http.request(`${base}${path}`, { method: 'GET', headers, agent: false }, (res) => {
        responded = true;
        res.setEncoding('utf8');
        if (res.statusCode !== 200) {
          let body = '';
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            this.refusals.push(`${res.statusCode} ${body}`);
            settle();
          });
          res.on('error', () => settle());
          return;
        }
        this.connects++;
        this.open = true;
        let ended = false;
        const finish = (how: string): void => {
          if (ended) return;
          ended = true;
          this.ends.push(how);
          this.open = false;
          settle();
        };
        const parser = new StreamParser(this, settle);
        res.on('data', (chunk: string) => parser.push(chunk));
        res.on('end', () => finish('end'));
        res.on('error', (err) => finish(`error: ${err.message}`));
        // A connection cut before the response ended (its server killed) may emit no 'end'.
        res.on('close', () => finish(res.complete ? 'end' : 'error: cut'));
        req.on('error', (err) => finish(`error: ${err.message}`));
      });
      req.on('error', (err) => {
        if (responded) return; // the response's own handlers record it
        this.refusals.push(`error: ${err.message}`);
        settle();
      });
      req.end();
      this.req = req;
    });
  }

  close(): void {
    this.req?.destroy();
  }
}

/** The event-stream interpretation of one connection; calls `opened` at the first comment. */
class StreamParser {
  private buffer = '';
  private data: string[] = [];
  private type = '';
  private idBuffer: string;
  private sawData = false;
  private sawId = false;
  private first = true;

  constructor(
    private readonly r: SseReader,
    private readonly opened: () => void,
  ) {
    // The last event ID buffer carries over from the previous connection (the spec keeps it).
    this.idBuffer = r.lastEventId;
  }

  push(chunk: string): void {
    if (this.first) {
      chunk = chunk.replace(/^\uFEFF/, '');
      this.first = false;
    }
    this.buffer += chunk;
    for (;;) {
      const nl = this.buffer.search(/\r\n|\r|\n/);
      if (nl < 0) break;
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      if (this.buffer[nl] === '\r' && nl === this.buffer.length - 1) break;
      const len = this.buffer.startsWith('\r\n', nl) ? 2 : 1;
      this.line(this.buffer.slice(0, nl));
      this.buffer = this.buffer.slice(nl + len);
    }
  }

  private line(l: string): void {
    if (l === '') return this.dispatch();
    if (l.startsWith(':')) {
      this.opened();
      return;
    }
    const i = l.indexOf(':');
    const field = i < 0 ? l : l.slice(0, i);
    const value = i < 0 ? '' : l.slice(i + 1).replace(/^ /, '');
    if (field === 'event') this.type = value;
    else if (field === 'data') {
      this.data.push(value);
      this.sawData = true;
    } else if (field === 'id' && !value.includes('\0')) {
      this.idBuffer = value;
      this.sawId = true;
    }
  }

  private dispatch(): void {
    this.r.lastEventId = this.idBuffer;
    const hadId = this.sawId;
    this.sawId = false;
    if (!this.sawData) {
      if (hadId) this.r.idOnlyFrames++;
      this.type = '';
      return;
    }
    const data = this.data.join('\n');
    let dataId: number | null = null;
    try {
      const parsed = JSON.parse(data) as { id?: unknown };
      dataId = typeof parsed.id === 'number' ? parsed.id : null;
    } catch {
      dataId = null;
    }
    this.r.events.push({ id: Number(this.r.lastEventId), type: this.type || 'message', dataId });
    this.data = [];
    this.sawData = false;
    this.type = '';
  }
}
