import { readdirSync, readFileSync } from 'node:fs';
import * as cheerio from 'cheerio';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { charsetFromContentType, decodeDocument } from '../src/charset/index';
import { checkUtf8 } from '../src/charset/utf8';
import { hasSharedData, sharedPath } from '../../../test/shared-data';

// Sentences written for these tests (not taken from any data set).
const SIMPLIFIED =
  '警方通报：昨日下午，市公安局接到群众报警称，在人民路附近发生一起交通事故。民警迅速赶到现场，经初步调查，事故造成两人受伤，目前伤者已被送往医院救治，事故原因正在进一步调查中。';
const TRADITIONAL =
  '警方表示，昨天下午在市區發生一起交通事故，民警迅速趕到現場處理，事故造成兩人受傷，目前傷者已經送往醫院治療，事故原因正在進一步調查中。';

function page(body: string, head = ''): string {
  return `<!DOCTYPE html><html><head>${head}<title>测试</title></head><body><p>${body}</p></body></html>`;
}

const encode = (s: string, charset: string): Uint8Array => new Uint8Array(iconv.encode(s, charset));

describe('decodeDocument: declarations checked against the bytes', () => {
  it('detects a GBK page that declares nothing', () => {
    const d = decodeDocument(encode(page(SIMPLIFIED), 'gbk'));
    expect(d.charset).toBe('gb18030');
    expect(d.source).toBe('detected');
    expect(d.declared).toBeNull();
    expect(d.text).toContain(SIMPLIFIED);
  });

  it('ignores a utf-8 declaration on GBK bytes', () => {
    const d = decodeDocument(encode(page(SIMPLIFIED, '<meta charset="utf-8">'), 'gbk'));
    expect(d.charset).toBe('gb18030');
    expect(d.source).toBe('detected');
    expect(d.declared).toBe('utf-8');
    expect(d.text).toContain(SIMPLIFIED);
  });

  it('switches a Big5 page that declares gb2312 to big5', () => {
    const d = decodeDocument(encode(page(TRADITIONAL, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'), 'big5'));
    expect(d.charset).toBe('big5');
    expect(d.source).toBe('detected');
    expect(d.declared).toBe('gb2312');
    expect(d.text).toContain(TRADITIONAL);
  });

  it('keeps gb2312 when a GBK page declares it correctly', () => {
    const d = decodeDocument(encode(page(SIMPLIFIED, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'), 'gbk'));
    expect(d.charset).toBe('gb18030');
    expect(d.source).toBe('meta');
    expect(d.text).toContain(SIMPLIFIED);
  });

  it('reads a UTF-8 page that declares gbk as utf-8', () => {
    const d = decodeDocument(encode(page(SIMPLIFIED, '<meta charset="gbk">'), 'utf-8'));
    expect(d.charset).toBe('utf-8');
    expect(d.source).toBe('detected');
    expect(d.declared).toBe('gbk');
    expect(d.text).toContain(SIMPLIFIED);
  });

  it('detects a Big5 page that declares nothing', () => {
    const d = decodeDocument(encode(page(TRADITIONAL), 'big5'));
    expect(d.charset).toBe('big5');
    expect(d.text).toContain(TRADITIONAL);
  });

  it('trusts a correct HTTP header over the meta tag', () => {
    const d = decodeDocument(encode(page(SIMPLIFIED, '<meta charset="big5">'), 'gbk'), { contentType: 'text/html; charset=GBK' });
    expect(d.source).toBe('header');
    expect(d.declared).toBe('gbk');
    expect(d.text).toContain(SIMPLIFIED);
  });

  it('does not believe a header that the bytes contradict', () => {
    const d = decodeDocument(encode(page(SIMPLIFIED), 'utf-8'), { contentType: 'text/html; charset=gb2312' });
    expect(d.charset).toBe('utf-8');
    expect(d.source).toBe('detected');
  });

  it('lets an explicit override win even over a BOM', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encode('abc', 'utf-8')]);
    const d = decodeDocument(bytes, { override: 'windows-1252' });
    expect(d.source).toBe('override');
    expect(d.charset).toBe('windows-1252');
  });

  it('reads the XML declaration after leading whitespace', () => {
    const xml = `\n  \r\n<?xml version="1.0" encoding="GBK"?><rss><channel><title>${SIMPLIFIED}</title></channel></rss>`;
    const d = decodeDocument(encode(xml, 'gbk'));
    expect(d.source).toBe('xml');
    expect(d.declared).toBe('gbk');
    expect(d.charset).toBe('gb18030');
    expect(d.text).toContain(SIMPLIFIED);
  });

  it('ignores a charset inside an HTML comment', () => {
    const d = decodeDocument(encode(page(SIMPLIFIED, '<!-- <meta charset="big5"> --><meta charset="gbk">'), 'gbk'));
    expect(d.declared).toBe('gbk');
    expect(d.source).toBe('meta');
  });
});

describe('decodeDocument: byte-order marks', () => {
  it('strips a UTF-8 BOM and trusts it over a wrong meta tag', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encode(page(SIMPLIFIED, '<meta charset="gbk">'), 'utf-8')]);
    const d = decodeDocument(bytes);
    expect(d.source).toBe('bom');
    expect(d.charset).toBe('utf-8');
    expect(d.text.startsWith('<!DOCTYPE')).toBe(true);
    expect(d.text).toContain(SIMPLIFIED);
  });

  it('decodes UTF-16LE and UTF-16BE with BOMs', () => {
    const le = new Uint8Array([0xff, 0xfe, ...encode(page(SIMPLIFIED), 'utf-16le')]);
    const be = new Uint8Array([0xfe, 0xff, ...encode(page(SIMPLIFIED), 'utf-16be')]);
    for (const [bytes, charset] of [
      [le, 'utf-16le'],
      [be, 'utf-16be'],
    ] as const) {
      const d = decodeDocument(bytes);
      expect(d.charset).toBe(charset);
      expect(d.source).toBe('bom');
      expect(d.text.charCodeAt(0)).not.toBe(0xfeff);
      expect(d.text).toContain(SIMPLIFIED);
    }
  });
});

describe('decodeDocument: edge cases', () => {
  it('never throws, whatever the bytes', () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    const inputs: Uint8Array[] = [new Uint8Array(0), new Uint8Array([0xff]), new Uint8Array([0xfe]), new Uint8Array([0xef, 0xbb])];
    for (let n = 0; n < 30; n++) inputs.push(new Uint8Array(Array.from({ length: 1 + n * 37 }, random)));
    for (const bytes of inputs) {
      const d = decodeDocument(bytes, { contentType: 'text/html; charset=nonsense' });
      expect(typeof d.text).toBe('string');
      expect(d.charset.length).toBeGreaterThan(0);
    }
    expect(decodeDocument(new Uint8Array(0)).text).toBe('');
  });

  it('calls pure ASCII utf-8', () => {
    expect(decodeDocument(encode('<html><body>hello</body></html>', 'utf-8')).charset).toBe('utf-8');
  });

  it('falls back to windows-1252 for Western text in a single-byte charset', () => {
    const text = 'Le café de la gare est fermé à cause de la grève; les employés réclament une hausse.';
    const d = decodeDocument(encode(page(text), 'latin1'));
    expect(d.charset).toBe('windows-1252');
    expect(d.text).toContain(text);
  });

  it('keeps utf-8 when only the last character is cut off', () => {
    const full = encode(page(SIMPLIFIED, '<meta charset="utf-8">'), 'utf-8');
    const cut = full.subarray(0, full.indexOf(0xe5, 200) + 2); // two bytes of a three-byte character
    const d = decodeDocument(cut);
    expect(d.charset).toBe('utf-8');
    expect(d.source).toBe('meta');
  });
});

describe('checkUtf8', () => {
  it('rejects overlong forms and surrogates, accepts a truncated tail', () => {
    expect(checkUtf8(new Uint8Array([0xc0, 0xaf])).valid).toBe(false);
    expect(checkUtf8(new Uint8Array([0xed, 0xa0, 0x80])).valid).toBe(false);
    expect(checkUtf8(new Uint8Array([0x61, 0xe4, 0xb8])).valid).toBe(true);
    expect(checkUtf8(encode('中文', 'utf-8')).multibyte).toBe(2);
  });

  it('counts multibyte sequences the same whether the whole text is well formed (native check) or not', () => {
    const text = '民警a中文😀é'.repeat(50);
    const good = new TextEncoder().encode(text);
    expect(checkUtf8(good)).toEqual({ valid: true, multibyte: 300, invalid: 0 });
    // A truncated tail fails the native check and is counted by the byte loop: same answer.
    const cut = good.subarray(0, good.length - 1);
    expect(checkUtf8(cut)).toEqual({ valid: true, multibyte: 299, invalid: 0 });
    const broken = new Uint8Array([...good, 0xff]);
    expect(checkUtf8(broken)).toEqual({ valid: false, multibyte: 300, invalid: 1 });
  });
});

describe('charsetFromContentType', () => {
  it('reads the charset parameter in its usual spellings', () => {
    expect(charsetFromContentType('text/html; charset=GBK')).toBe('gbk');
    expect(charsetFromContentType('text/html;charset="utf-8"')).toBe('utf-8');
    expect(charsetFromContentType("text/html; Charset='big5'; foo=bar")).toBe('big5');
    expect(charsetFromContentType('text/html')).toBeNull();
    expect(charsetFromContentType(null)).toBeNull();
    expect(charsetFromContentType('')).toBeNull();
  });
});

describe.skipIf(!hasSharedData)('decodeDocument on real Chinese pages (needs ../shared/data)', () => {
  it('decodes nearly every cwce-dev page so that its true body text appears', () => {
    const dir = sharedPath('extraction', 'cwce-dev');
    const truth = JSON.parse(readFileSync(`${dir}/truth.json`, 'utf8')) as Record<string, { text: string }>;
    const files = readdirSync(`${dir}/pages`).filter((f) => f.endsWith('.html'));
    expect(files.length).toBeGreaterThan(20);
    let found = 0;
    for (const f of files) {
      const t = truth[f.replace(/\.html$/, '')];
      if (!t) continue;
      const d = decodeDocument(readFileSync(`${dir}/pages/${f}`));
      // Compare rendered text: markup and entities sit between the words in the source.
      const rendered = cheerio.load(d.text).root().text().replace(/\s+/g, '');
      if (rendered.includes(t.text.replace(/\s+/g, '').slice(0, 20))) found++;
    }
    expect(found / files.length).toBeGreaterThanOrEqual(0.95);
  });
});
