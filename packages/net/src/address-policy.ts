/**
 * SSRF protection: which IP addresses the crawler may connect to.
 *
 * Feeds and pages are named by outsiders, so a source URL (or a redirect, or a DNS answer that
 * changes between checks) could point the crawler at the host itself or the internal network.
 * The policy is applied to the address a connection is actually made to (see `createGuardedLookup`),
 * not to the name in the URL, so DNS rebinding cannot slip past it.
 */
import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import net from 'node:net';

/** Decides whether a connection to `address` (resolved from `host`) is allowed. */
export interface AddressPolicy {
  check(host: string, address: string): boolean;
}

// Ranges that are never "the public internet". IPv4-mapped IPv6 (::ffff:a.b.c.d) is matched
// against the IPv4 rules by BlockList itself.
const BLOCKED_V4: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network", includes the unspecified address
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes broadcast
];

const BLOCKED_V6: Array<[string, number]> = [
  ['::', 96], // unspecified, loopback (::1) and deprecated IPv4-compatible addresses
  ['64:ff9b:1::', 48], // local-use IPv4/IPv6 translation (RFC 8215): whatever it embeds is someone's internal network
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
];

const BLOCKED = new net.BlockList();
for (const [a, p] of BLOCKED_V4) {
  BLOCKED.addSubnet(a, p, 'ipv4');
  // IPv6 addresses that carry an IPv4 address a translator or relay will connect to: NAT64's
  // well-known prefix (RFC 6052; 64:ff9b::a9fe:a9fe is 169.254.169.254 on a NAT64 network, where a
  // DNS answer can name it) and 6to4 (RFC 3056). Only the blocked IPv4 ranges inside them are
  // refused, so public sites reached through DNS64 still work.
  const [w, x, y, z] = a.split('.').map(Number) as [number, number, number, number];
  const hi = ((w << 8) | x).toString(16);
  const lo = ((y << 8) | z).toString(16);
  BLOCKED.addSubnet(`64:ff9b::${hi}:${lo}`, 96 + p, 'ipv6');
  BLOCKED.addSubnet(`2002:${hi}:${lo}::`, 16 + p, 'ipv6');
}
for (const [a, p] of BLOCKED_V6) BLOCKED.addSubnet(a, p, 'ipv6');

/** Normalises a host name for comparison: lower case, no trailing dot, no IPv6 brackets. */
export function normaliseHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
}

/**
 * "localhost" and every name under it (RFC 6761 §6.3) mean the loopback whatever a resolver says:
 * glibc answers ENOTFOUND for "localhost." and "x.localhost", systemd-resolved and others answer
 * 127.0.0.1. They are checked as 127.0.0.1 before DNS is asked, so they are refused as loopback
 * (`blocked_address`) everywhere, not refused on one machine and "unresolvable" on another.
 */
export function isLocalhostName(host: string): boolean {
  const h = normaliseHost(host);
  return h === 'localhost' || h.endsWith('.localhost');
}

// BlockList does not understand zone ids (fe80::1%eth0), so they are dropped before matching.
function ipFamily(address: string): { ip: string; type: 'ipv4' | 'ipv6' } | null {
  const ip = normaliseHost(address).replace(/%.*$/, '');
  const v = net.isIP(ip);
  if (v === 4) return { ip, type: 'ipv4' };
  if (v === 6) return { ip, type: 'ipv6' };
  return null;
}

/**
 * Builds the policy: non-public addresses are refused unless the host name or the address matches
 * an allowlist entry (exact host name, IP address, or CIDR such as `127.0.0.1/32`, `10.0.0.0/8`).
 * Throws on a malformed CIDR entry, because a silently ignored allowlist line is a confusing bug.
 */
export function createAddressPolicy(allowlist: string[]): AddressPolicy {
  const names = new Set<string>();
  const allowed = new net.BlockList();
  for (const raw of allowlist) {
    const entry = raw.trim();
    if (!entry) continue;
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      const fam = ipFamily(entry.slice(0, slash));
      const prefix = Number(entry.slice(slash + 1));
      if (!fam || !Number.isInteger(prefix)) throw new Error(`address allowlist: bad CIDR "${entry}"`);
      allowed.addSubnet(fam.ip, prefix, fam.type); // throws on an out-of-range prefix
      continue;
    }
    const fam = ipFamily(entry);
    if (fam) allowed.addAddress(fam.ip, fam.type);
    else names.add(normaliseHost(entry));
  }
  return {
    check(host: string, address: string): boolean {
      if (names.has(normaliseHost(host))) return true;
      const fam = ipFamily(address);
      if (!fam) return false; // not an address at all: refuse rather than guess
      if (allowed.check(fam.ip, fam.type)) return true;
      return !BLOCKED.check(fam.ip, fam.type);
    },
  };
}

/** Raised (at connect time or before) when the policy refuses an address; fetchUrl maps it to 'blocked_address'. */
export class BlockedAddressError extends Error {
  readonly code = 'ERR_YUQING_BLOCKED_ADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`connection to ${host} (${address}) refused by the address policy`);
    this.name = 'BlockedAddressError';
  }
}

/** True when `err` (or something in its cause chain) is a BlockedAddressError. */
export function isBlockedAddressError(err: unknown): err is BlockedAddressError {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof BlockedAddressError || (e as { code?: unknown }).code === 'ERR_YUQING_BLOCKED_ADDRESS') return true;
  }
  return false;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Resolves every address of a name: dns.lookup with `all: true` (the system resolver, /etc/hosts
 * included). Replaceable so a test can play a hostile DNS server (a name answering loopback,
 * a mixed public/private answer) without one.
 */
export type LookupAll = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemLookup: LookupAll = (hostname, options, callback) => dns.lookup(hostname, options, callback);

/**
 * A `net.connect` lookup function that resolves with dns.lookup and then refuses the connection
 * if any returned address is blocked. Refusing on any (not filtering) keeps a DNS answer that
 * mixes public and private addresses from reaching the private one via happy-eyeballs.
 */
export function createGuardedLookup(policy: AddressPolicy, lookup: LookupAll = systemLookup) {
  return function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
    const refuse = (address: string): void => callback(new BlockedAddressError(hostname, address), options.all ? [] : '', undefined);
    if (isLocalhostName(hostname) && !policy.check(hostname, '127.0.0.1')) return refuse('127.0.0.1');
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : '', undefined);
      const bad = addresses.find((a) => !policy.check(hostname, a.address));
      if (bad) return refuse(bad.address);
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', undefined);
      callback(null, first.address, first.family);
    });
  };
}

/** What `checkDestination` found about a URL's host. */
export type DestinationCheck =
  | { ok: true }
  | { ok: false; blocked: true; host: string; address: string }
  | { ok: false; blocked: false; host: string; reason: string };

/** Settings of checkDestination. */
export interface DestinationOptions {
  /** Give up on DNS after this long (default 3000 ms); the answer is then "not resolvable", not blocked. */
  timeoutMs?: number;
  lookup?: LookupAll;
}

/**
 * Checks, when a URL is saved, where it would connect: the host as the URL parser normalises it
 * (so `http://2130706433/`, `http://0x7f.1/` and `http://[::ffff:127.0.0.1]/` are all 127.0.0.1),
 * and for a name every address DNS gives now. A refused address is `blocked`; a name that does not
 * resolve (yet) is not blocked but reported. The connection-time guard (createGuardedLookup) still
 * applies to every send: DNS may answer differently later.
 */
export async function checkDestination(url: string, policy: AddressPolicy, opts: DestinationOptions = {}): Promise<DestinationCheck> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const lookup = opts.lookup ?? systemLookup;
  let host: string;
  try {
    host = normaliseHost(new URL(url).hostname);
  } catch {
    return { ok: false, blocked: false, host: '', reason: 'URL 无法解析' };
  }
  if (net.isIP(host)) return policy.check(host, host) ? { ok: true } : { ok: false, blocked: true, host, address: host };
  if (isLocalhostName(host) && !policy.check(host, '127.0.0.1')) return { ok: false, blocked: true, host, address: '127.0.0.1' };
  let timer: NodeJS.Timeout | undefined;
  try {
    const addresses = await Promise.race([
      new Promise<LookupAddress[]>((resolve, reject) => lookup(host, { all: true }, (err, a) => (err ? reject(err) : resolve(a)))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`DNS 解析超过 ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    const bad = addresses.find((a) => !policy.check(host, a.address));
    return bad ? { ok: false, blocked: true, host, address: bad.address } : { ok: true };
  } catch (err) {
    return { ok: false, blocked: false, host, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
