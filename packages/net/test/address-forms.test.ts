/**
 * Every spelling of "this machine or the internal network" a hostile URL, redirect or DNS answer
 * can use, against the address policy with NO allowlist: the URL parser's normalisation (what the
 * crawler and the receiver sender connect to), the policy's verdict, checkDestination (what saving
 * a receiver or a source runs) and the connect-time lookup guard, with a DNS server played by an
 * injected lookup function. Public controls make sure "refused" is not just "refuses everything".
 */
import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { BlockedAddressError, checkDestination, createAddressPolicy, createGuardedLookup, type LookupAll } from '@yuqing/net';

const none = createAddressPolicy([]);

/** A URL host as a hostile source/redirect/receiver spells it, and the address it really names. */
const LITERAL_FORMS: Array<{ form: string; address: string }> = [
  { form: '127.0.0.1', address: '127.0.0.1' },
  { form: '127.1', address: '127.0.0.1' }, // a.b shorthand
  { form: '2130706433', address: '127.0.0.1' }, // one decimal number
  { form: '0x7f000001', address: '127.0.0.1' }, // one hexadecimal number
  { form: '0x7f.1', address: '127.0.0.1' }, // mixed hex shorthand
  { form: '0177.0.0.1', address: '127.0.0.1' }, // octal first part
  { form: '017700000001', address: '127.0.0.1' }, // one octal number
  { form: '127.000.000.001', address: '127.0.0.1' }, // zero-padded (decimal, the octal of 0 and 1)
  { form: '127.0.0.1.', address: '127.0.0.1' }, // trailing dot
  { form: '%31%32%37.0.0.1', address: '127.0.0.1' }, // percent-encoded digits
  { form: '１２７.０.０.１', address: '127.0.0.1' }, // full-width digits
  { form: '[::ffff:127.0.0.1]', address: '::ffff:7f00:1' }, // IPv4-mapped IPv6, dotted
  { form: '[::ffff:7f00:1]', address: '::ffff:7f00:1' }, // IPv4-mapped IPv6, hex
  { form: '[::127.0.0.1]', address: '::7f00:1' }, // deprecated IPv4-compatible IPv6
  { form: '[::1]', address: '::1' },
  { form: '[0:0:0:0:0:0:0:1]', address: '::1' },
  { form: '[0000:0000:0000:0000:0000:0000:0000:0001]', address: '::1' },
  { form: '0.0.0.0', address: '0.0.0.0' }, // connects to this machine on Linux
  { form: '0', address: '0.0.0.0' },
  { form: '[::]', address: '::' },
  { form: '169.254.169.254', address: '169.254.169.254' }, // cloud metadata
  { form: '2852039166', address: '169.254.169.254' }, // metadata as one number
  { form: '[::ffff:169.254.169.254]', address: '::ffff:a9fe:a9fe' },
  { form: '[fd00::1]', address: 'fd00::1' }, // unique local
  { form: '[fe80::1]', address: 'fe80::1' }, // link-local
  { form: '10.0.0.1', address: '10.0.0.1' },
  { form: '10.255.255.255', address: '10.255.255.255' },
  { form: '172.16.0.1', address: '172.16.0.1' },
  { form: '172.31.255.254', address: '172.31.255.254' },
  { form: '192.168.1.1', address: '192.168.1.1' },
  { form: '0300.0250.0.1', address: '192.168.0.1' }, // octal private
  { form: '0xc0a80001', address: '192.168.0.1' }, // hex private
  { form: '100.64.0.1', address: '100.64.0.1' }, // carrier-grade NAT
  { form: '100.127.255.254', address: '100.127.255.254' },
  { form: '[64:ff9b::7f00:1]', address: '64:ff9b::7f00:1' }, // NAT64 of 127.0.0.1
  { form: '[64:ff9b::a9fe:a9fe]', address: '64:ff9b::a9fe:a9fe' }, // NAT64 of the metadata address
  { form: '[64:ff9b:1::a00:1]', address: '64:ff9b:1::a00:1' }, // local-use NAT64
  { form: '[2002:7f00:1::]', address: '2002:7f00:1::' }, // 6to4 of 127.0.0.1
  { form: '[2002:a00:1::1]', address: '2002:a00:1::1' }, // 6to4 of 10.0.0.1
];

/** Names that mean loopback whatever the resolver says (RFC 6761), some of which glibc does not resolve. */
const LOCALHOST_NAMES = ['localhost', 'localhost.', 'LOCALHOST', 'LocalHost.', 'evil.localhost', 'a.b.localhost.'];

/** Public addresses, some in the same spellings: must stay reachable. */
const PUBLIC_FORMS: Array<{ form: string; address: string }> = [
  { form: '8.8.8.8', address: '8.8.8.8' },
  { form: '134744072', address: '8.8.8.8' },
  { form: '0x08080808', address: '8.8.8.8' },
  { form: '172.32.0.1', address: '172.32.0.1' }, // just past 172.16/12
  { form: '100.128.0.1', address: '100.128.0.1' }, // just past 100.64/10
  { form: '[::ffff:8.8.8.8]', address: '::ffff:808:808' },
  { form: '[2400:3200::1]', address: '2400:3200::1' },
  { form: '[64:ff9b::808:808]', address: '64:ff9b::808:808' }, // DNS64 of a public site
  { form: '[2002:808:808::1]', address: '2002:808:808::1' },
];

const urlOf = (form: string): string => `http://${form}:8080/feed.xml`;
const hostOf = (url: string): string => new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');

/** A DNS server in a function: every name answers `answers` (or fails with `code`). */
function fakeDns(answers: LookupAddress[] | { code: string }): LookupAll & { asked: string[] } {
  const asked: string[] = [];
  const lookup = ((hostname, _options, callback) => {
    asked.push(hostname);
    setImmediate(() => {
      if ('code' in answers) callback(Object.assign(new Error(`${answers.code} ${hostname}`), { code: answers.code }), []);
      else callback(null, answers);
    });
  }) as LookupAll & { asked: string[] };
  lookup.asked = asked;
  return lookup;
}
const a = (address: string): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 });

/** What the connect-time guard answers for `hostname`, as net.connect would call it (all: false, then all: true). */
function guarded(lookup: LookupAll, hostname: string, all: boolean): Promise<{ err: Error | null; address: unknown }> {
  const guard = createGuardedLookup(none, lookup);
  return new Promise((resolve) => guard(hostname, { all }, (err, address) => resolve({ err, address })));
}

describe('literal address forms (URL, redirect Location, receiver URL)', () => {
  it.each(LITERAL_FORMS)('$form is parsed as $address and refused, by the policy and by checkDestination', async ({ form, address }) => {
    const url = urlOf(form);
    // What the crawler (checkLiteralHost) and the receiver sender see: the parser's canonical address.
    expect(hostOf(url)).toBe(address);
    expect(none.check(address, address)).toBe(false);
    expect(await checkDestination(url, none, { lookup: fakeDns({ code: 'ENOTFOUND' }) })).toEqual({ ok: false, blocked: true, host: address, address });
  });

  it.each(PUBLIC_FORMS)('public $form ($address) is allowed', async ({ form, address }) => {
    expect(hostOf(urlOf(form))).toBe(address);
    expect(none.check(address, address)).toBe(true);
    expect(await checkDestination(urlOf(form), none)).toEqual({ ok: true });
  });

  it('an allowlist entry lets through only what it names, in any spelling of it', async () => {
    const one = createAddressPolicy(['127.0.0.3']);
    expect(await checkDestination(urlOf('2130706435'), one)).toEqual({ ok: true }); // 127.0.0.3 as one number
    expect(await checkDestination(urlOf('[::ffff:127.0.0.3]'), one)).toEqual({ ok: true });
    for (const form of ['127.1', '2130706433', '0x7f000001', '017700000001', '[::ffff:7f00:1]', '[::1]', '0.0.0.0', '127.0.0.2']) {
      expect(await checkDestination(urlOf(form), one), form).toMatchObject({ ok: false, blocked: true });
    }
    // An allowlisted NAME allows that name only, not the addresses it happens to resolve to.
    const byName = createAddressPolicy(['intranet.example']);
    expect(byName.check('intranet.example.', '10.1.1.1')).toBe(true);
    expect(await checkDestination(urlOf('10.1.1.1'), byName)).toMatchObject({ ok: false, blocked: true });
    expect(await checkDestination(urlOf('localhost'), byName)).toMatchObject({ ok: false, blocked: true });
  });

  it('refuses a raw address the parser has not normalised rather than guessing what it means', () => {
    for (const raw of ['127.1', '2130706433', '0x7f000001', '0177.0.0.1', '1.2.3', '']) expect(none.check('example.com', raw), raw).toBe(false);
  });

  it('reports an unparseable URL as neither ok nor blocked', async () => {
    expect(await checkDestination('http://[fe80::1%eth0]/', none)).toEqual({ ok: false, blocked: false, host: '', reason: 'URL 无法解析' });
  });
});

describe('names that mean loopback', () => {
  it.each(LOCALHOST_NAMES)('%s is refused when saved and at connect time, whatever the resolver answers', async (name) => {
    // The resolver is not even asked (glibc answers ENOTFOUND for "localhost." and "x.localhost").
    const dns = fakeDns({ code: 'ENOTFOUND' });
    expect(await checkDestination(urlOf(name), none, { lookup: dns })).toMatchObject({ ok: false, blocked: true, address: '127.0.0.1' });
    for (const all of [false, true]) {
      const r = await guarded(dns, name, all);
      expect(r.err).toBeInstanceOf(BlockedAddressError);
      expect(r.err).toMatchObject({ host: name, address: '127.0.0.1' });
    }
    expect(dns.asked).toEqual([]);
  });

  it('the real resolver: localhost and localhost. are refused by the default lookup too', async () => {
    for (const name of ['localhost', 'localhost.']) {
      expect(await checkDestination(urlOf(name), none), name).toMatchObject({ ok: false, blocked: true });
      const r = await new Promise<Error | null>((resolve) => createGuardedLookup(none)(name, {}, (err) => resolve(err)));
      expect(r, name).toBeInstanceOf(BlockedAddressError);
    }
  });

  it('an allowlisted localhost is resolved as usual', async () => {
    const p = createAddressPolicy(['localhost']);
    const r = await new Promise<{ err: Error | null; address: unknown }>((resolve) =>
      createGuardedLookup(p, fakeDns([a('127.0.0.1')]))('localhost', {}, (err, address) => resolve({ err, address })),
    );
    expect(r).toEqual({ err: null, address: '127.0.0.1' });
  });
});

describe('DNS names resolving inward (rebinding, hostile answers)', () => {
  // Every address a hostile DNS server can put in an A or AAAA record for an innocent-looking name.
  const INWARD = [
    '127.0.0.1',
    '127.53.0.1',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '0.0.0.0',
    '::',
    '169.254.169.254',
    '::ffff:169.254.169.254',
    'fd00::1',
    'fe80::1',
    'fe80::1%eth0',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.0.10',
    '100.64.0.1',
    '64:ff9b::a9fe:a9fe',
    '2002:a9fe:a9fe::',
  ];

  it.each(INWARD)('a name answering %s is refused when saved and at connect time', async (address) => {
    const dns = fakeDns([a(address)]);
    expect(await checkDestination('https://news.example.cn/rss', none, { lookup: dns })).toEqual({ ok: false, blocked: true, host: 'news.example.cn', address });
    for (const all of [false, true]) {
      const r = await guarded(dns, 'news.example.cn', all);
      expect(r.err).toBeInstanceOf(BlockedAddressError);
      expect(r.err).toMatchObject({ host: 'news.example.cn', address });
      expect(r.address).toEqual(all ? [] : '');
    }
  });

  it('a mixed answer (public first, then private) is refused as a whole, not filtered', async () => {
    const dns = fakeDns([a('93.184.216.34'), a('2606:2800:220:1::1'), a('10.0.0.7')]);
    expect(await checkDestination('https://mixed.example.cn/', none, { lookup: dns })).toMatchObject({ ok: false, blocked: true, address: '10.0.0.7' });
    expect((await guarded(dns, 'mixed.example.cn', true)).err).toMatchObject({ address: '10.0.0.7' });
  });

  it('a public answer passes (control): the guard hands net.connect the address', async () => {
    const dns = fakeDns([a('93.184.216.34'), a('2606:2800:220:1::1')]);
    expect(await checkDestination('https://public.example.cn/', none, { lookup: dns })).toEqual({ ok: true });
    expect(await guarded(dns, 'public.example.cn', false)).toEqual({ err: null, address: '93.184.216.34' });
    expect(await guarded(dns, 'public.example.cn', true)).toEqual({ err: null, address: [a('93.184.216.34'), a('2606:2800:220:1::1')] });
  });

  it('a name that does not resolve is reported, not blocked (saved with a warning; checked again at connect)', async () => {
    const d = await checkDestination('https://nowhere.example.cn/', none, { lookup: fakeDns({ code: 'ENOTFOUND' }) });
    expect(d).toMatchObject({ ok: false, blocked: false, host: 'nowhere.example.cn', reason: expect.stringContaining('ENOTFOUND') });
    expect((await guarded(fakeDns({ code: 'ENOTFOUND' }), 'nowhere.example.cn', false)).err).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('a DNS server that never answers is given up on after timeoutMs', async () => {
    const silent: LookupAll = () => undefined;
    const d = await checkDestination('https://slow.example.cn/', none, { lookup: silent, timeoutMs: 50 });
    expect(d).toMatchObject({ ok: false, blocked: false, reason: 'DNS 解析超过 50 ms' });
  });
});
