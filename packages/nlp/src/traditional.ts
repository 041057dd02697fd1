/**
 * Traditional → Simplified conversion, paid for only by texts that need it.
 *
 * OpenCC is loaded lazily and the detector set is derived from OpenCC itself at first use
 * (every char c in the CJK blocks with tw→cn(c) !== c or hk→cn(c) !== c), so the set can
 * never drift from the converter. Chars that are also a Simplified output (么, 苧) are left out:
 * they occur in ordinary Simplified text and must not trigger a conversion.
 */
import * as OpenCC from 'opencc-js';

interface Converters {
  tw: (s: string) => string;
  hk: (s: string) => string;
}

// 1 for each Traditional-only UTF-16 unit: a typed-array lookup per char is ~10× faster than a
// 3,000-char regex class. The converters it was derived from are dropped after the build and
// made again when a Traditional text first needs them: most analyzer threads never see one, and
// OpenCC's dictionaries are several MB of heap.
let table: Uint8Array | undefined;
let converters: Converters | undefined;

function makeConverters(): Converters {
  return { tw: OpenCC.Converter({ from: 'tw', to: 'cn' }), hk: OpenCC.Converter({ from: 'hk', to: 'cn' }) };
}

function build(): Uint8Array {
  const { tw, hk } = makeConverters();
  // One char per line so OpenCC's phrase tables cannot join neighbours.
  const chars: string[] = [];
  for (let c = 0x3400; c <= 0x9fff; c++) chars.push(String.fromCharCode(c));
  const joined = chars.join('\n');
  const viaTw = tw(joined).split('\n');
  const viaHk = hk(joined).split('\n');
  const outputs = new Set<string>();
  const candidates: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    const a = viaTw[i] ?? c;
    const b = viaHk[i] ?? c;
    if (a !== c || b !== c) candidates.push(c);
    if (a !== c) for (const o of a) outputs.add(o);
    if (b !== c) for (const o of b) outputs.add(o);
  }
  const only = candidates.filter((c) => !outputs.has(c));
  const t = new Uint8Array(0x10000);
  for (const c of only) t[c.charCodeAt(0)] = 1;
  return t;
}

/** True when the text contains at least one Traditional-only character. */
export function hasTraditional(text: string): boolean {
  const t = (table ??= build());
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x3400 && t[c] === 1) return true;
  }
  return false;
}

/** Converts Traditional (Taiwan or Hong Kong variants) to Simplified; the input is assumed to need it. */
export function toSimplified(text: string): string {
  const c = (converters ??= makeConverters());
  const once = c.tw(text);
  // A handful of Hong Kong variants (衞, 綫 …) are only known to the hk table.
  return hasTraditional(once) ? c.hk(once) : once;
}
