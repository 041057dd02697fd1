/**
 * The SSRF tables the end-to-end tests share (the crawler's sources, the API's receivers): every
 * spelling of "this machine or the internal network" a hostile URL or redirect can use, and a
 * real HTTP server to count what reaches it. The victim listens on `::` (dual stack), so every
 * address of this machine reaches it: 127.0.0.1, 127.0.0.2, ::1, 0.0.0.0, ::, localhost, this
 * machine's name and its LAN addresses.
 */
import dns from 'node:dns';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import net from 'node:net';
import os from 'node:os';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A running server that records every request. */
export interface CountingServer {
  port: number;
  /** Every request, in order: its path and the local address it arrived on. */
  requests: Array<{ path: string; local: string }>;
  /** Handlers by path; other paths get the fallback. */
  routes: Map<string, Handler>;
  close(): Promise<void>;
}

/** A real HTTP server on `host` (test/support/misbehaving-server.ts binds 127.0.0.1 only). */
export async function startCountingServer(host: string, fallback: Handler): Promise<CountingServer> {
  const requests: CountingServer['requests'] = [];
  const routes = new Map<string, Handler>();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x.invalid').pathname;
    requests.push({ path, local: req.socket.localAddress ?? '' });
    (routes.get(path) ?? fallback)(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers every request with `status` and a Location header. */
export const redirectTo =
  (status: number, location: string): Handler =>
  (_req, res) => {
    res.writeHead(status, { location, 'content-type': 'text/plain' }).end('moved');
  };

/** Whether this machine has IPv6 (a kernel with it disabled cannot bind `::`). */
export const IPV6 = await new Promise<boolean>((resolve) => {
  const s = net.createServer();
  s.once('error', () => resolve(false));
  s.listen(0, '::1', () => s.close(() => resolve(true)));
});

/** A victim listening on every address of this machine. */
export const startVictim = (): Promise<CountingServer> =>
  startCountingServer(IPV6 ? '::' : '0.0.0.0', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('victim');
  });

/** Loopback, private, link-local or reserved, decided without the policy under test. */
export function looksInward(ip: string): boolean {
  if (net.isIPv4(ip)) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    return (
      a === 127 ||
      a === 10 ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b < 128) ||
      (a === 169 && b === 254) ||
      ip.startsWith('192.0.2.') ||
      ip.startsWith('192.0.0.')
    );
  }
  return ip === '::1' || /^f[cd]/i.test(ip);
}

/** A URL host spelling; `reaches`: the victim listens where it leads (a permissive control can reach it there). */
export interface Form {
  id: number;
  label: string;
  host: string;
  reaches: boolean;
}

// This machine's own non-loopback addresses: a crawler reaching its host's services through the LAN address.
const machineAddresses = Object.values(os.networkInterfaces())
  .flat()
  .filter((i): i is os.NetworkInterfaceInfo => !!i && !i.internal && !i.address.startsWith('fe80') && looksInward(i.address))
  .map((i) => ({ label: `this machine's ${i.family} address`, host: i.family === 'IPv6' ? `[${i.address}]` : i.address, reaches: i.family === 'IPv4' || IPV6 }));

/** This machine's name, as os.hostname() gives it. */
export const HOST_NAME = os.hostname();
const hostNameAddresses = await dns.promises.lookup(HOST_NAME, { all: true }).then(
  (r) => r.map((a) => a.address),
  () => [],
);
// A real DNS name resolving inward (via /etc/hosts: 127.0.0.1, 127.0.1.1 or the LAN address), when it does.
const hostNameForm =
  HOST_NAME !== 'localhost' && hostNameAddresses.length > 0 && hostNameAddresses.every(looksInward)
    ? [{ label: `this machine's name (${hostNameAddresses.join(', ')})`, host: HOST_NAME, reaches: true }]
    : [];

const numbered = (forms: Array<Omit<Form, 'id'>>, from: number): Form[] => forms.map((f, i) => ({ ...f, id: from + i }));

/** Spellings of addresses the victim listens on. */
export const VICTIM_FORMS = numbered(
  [
    { label: 'loopback', host: '127.0.0.1', reaches: true },
    { label: 'another loopback address', host: '127.0.0.2', reaches: true },
    { label: 'a.b shorthand', host: '127.1', reaches: true },
    { label: 'one decimal number', host: '2130706433', reaches: true },
    { label: 'one hexadecimal number', host: '0x7f000001', reaches: true },
    { label: 'octal first part', host: '0177.0.0.1', reaches: true },
    { label: 'one octal number', host: '017700000001', reaches: true },
    { label: 'trailing dot', host: '127.0.0.1.', reaches: true },
    { label: 'IPv4-mapped IPv6', host: '[::ffff:127.0.0.1]', reaches: IPV6 },
    { label: 'IPv4-mapped IPv6, hex', host: '[::ffff:7f00:1]', reaches: IPV6 },
    { label: 'IPv6 loopback', host: '[::1]', reaches: IPV6 },
    { label: 'IPv6 loopback, long form', host: '[0:0:0:0:0:0:0:1]', reaches: IPV6 },
    { label: 'unspecified address', host: '0.0.0.0', reaches: true },
    { label: 'unspecified as one number', host: '0', reaches: true },
    { label: 'IPv6 unspecified', host: '[::]', reaches: IPV6 },
    { label: 'localhost', host: 'localhost', reaches: true },
    { label: 'LOCALHOST', host: 'LOCALHOST', reaches: true },
    // glibc does not resolve these two, other resolvers do: refused as loopback before DNS is asked.
    { label: 'localhost with a trailing dot', host: 'localhost.', reaches: false },
    { label: 'a name under localhost', host: 'evil.localhost', reaches: false },
    ...hostNameForm,
    ...machineAddresses,
  ],
  0,
);

/** How many VICTIM_FORMS reach the victim at least (the IPv4 loopback spellings, plus the IPv6 ones when there is IPv6). */
export const MIN_REACHING = 12 + (IPV6 ? 5 : 0);

/** Spellings of inward addresses nothing here listens on: they must be refused before any connection is tried. */
export const NOWHERE_FORMS = numbered(
  [
    { label: 'cloud metadata', host: '169.254.169.254', reaches: false },
    { label: 'cloud metadata as one number', host: '2852039166', reaches: false },
    { label: 'cloud metadata, IPv4-mapped', host: '[::ffff:169.254.169.254]', reaches: false },
    { label: 'cloud metadata through NAT64', host: '[64:ff9b::a9fe:a9fe]', reaches: false },
    { label: 'unique local IPv6', host: '[fd00::1]', reaches: false },
    { label: 'link-local IPv6', host: '[fe80::1]', reaches: false },
    { label: 'private 10/8', host: '10.0.0.1', reaches: false },
    { label: 'private 172.16/12', host: '172.16.0.1', reaches: false },
    { label: 'private 192.168/16', host: '192.168.1.1', reaches: false },
    { label: 'private 192.168/16 in octal', host: '0300.0250.0.1', reaches: false },
    { label: 'carrier-grade NAT 100.64/10', host: '100.64.0.1', reaches: false },
    { label: '6to4 of 10.0.0.1', host: '[2002:a00:1::]', reaches: false },
  ],
  VICTIM_FORMS.length,
);

export const ALL_FORMS = [...VICTIM_FORMS, ...NOWHERE_FORMS];
