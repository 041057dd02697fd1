import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalize } from '../src/normalize';
import { tokenize } from '../src/segment';
import { hasSharedData, sharedPath } from '../../../test/shared-data';

describe('normalize', () => {
  it('turns full-width ASCII into half-width and U+3000 into a space', () => {
    const n = normalize('ＡＢＣ１２３　警方通报！');
    expect(n.text).toBe('ABC123 警方通报!');
  });

  it('removes HTML tags and decodes entities without merging words across block tags', () => {
    const n = normalize('<p>警方&nbsp;通报</p><p>某地<b>警</b>情&#x8B66;&#35686;&amp;</p><script>var x = "警察";</script>');
    expect(n.text).toBe('警方 通报 某地警情警警&');
    expect(n.text).not.toContain('<');
    expect(n.text).not.toContain('var');
  });

  it('takes URLs, @mentions and Weibo emoticons out of the text and keeps them apart', () => {
    const n = normalize('//@路人甲:转发 民警到场处置[怒][泪] 详见 https://t.cn/A6abcDE 和 @平安北京 www.example.com/x');
    expect(n.urls).toEqual(['https://t.cn/A6abcDE', 'www.example.com/x']);
    expect(n.mentions).toEqual(['路人甲', '平安北京']);
    expect(n.emoticons).toEqual(['怒', '泪']);
    expect(n.text).toBe('转发 民警到场处置 详见 和');
  });

  it('does not take an e-mail address for a mention', () => {
    const n = normalize('举报邮箱 jubao@example.com 欢迎来信');
    expect(n.mentions).toEqual([]);
    expect(n.text).toContain('jubao@example.com');
  });

  it('collapses whitespace and trims', () => {
    expect(normalize('  警方\n\n\t通报   情况 ').text).toBe('警方 通报 情况');
  });

  it('converts Traditional to Simplified only when Traditional characters occur', () => {
    const t = normalize('警察說這個問題們會處理');
    expect(t.traditional).toBe(true);
    expect(t.text).toBe('警察说这个问题们会处理');
    const s = normalize('警察说这个问题，什么时候处理');
    expect(s.traditional).toBe(false);
    // 么 is also a Simplified character: its presence must not trigger a (lossy) conversion.
    expect(s.text).toBe('警察说这个问题,什么时候处理');
  });

  it('guesses the language from script shares', () => {
    expect(normalize('民警在执法时遭遇袭警').language).toBe('zh');
    expect(normalize('Police arrested a man for spreading rumors online').language).toBe('en');
    expect(normalize('这个iPhone的bug太离谱了').language).toBe('zh');
    expect(normalize('Привет, как дела').language).toBe('other');
    expect(normalize('12345 !!!').language).toBe('unknown');
  });

  it('truncates to maxChars and says so', () => {
    const n = normalize('警'.repeat(100), { maxChars: 10 });
    expect(n.text).toBe('警'.repeat(10));
    expect(n.truncated).toBe(true);
    expect(normalize('警察').truncated).toBe(false);
  });

  it('never cuts a surrogate pair in half', () => {
    const n = normalize('a😀😀😀', { maxChars: 2 });
    expect(n.text).toBe('a');
  });
});

describe('normalize on bad input', () => {
  it('handles empty and non-string input', () => {
    expect(normalize('').text).toBe('');
    expect(normalize('').language).toBe('unknown');
    expect(normalize(undefined as unknown as string).text).toBe('');
  });

  it('drops broken surrogates', () => {
    const n = normalize('\uD800abc\uDC00警察\uD83D');
    expect(n.text).toBe('abc警察');
    expect(n.text).not.toMatch(/[\uD800-\uDFFF]/);
  });

  it('handles emoji-only and English-only text', () => {
    expect(normalize('😀😂🙏').text).toBe('😀😂🙏');
    expect(normalize('😀😂🙏').language).toBe('unknown');
    expect(normalize('Just English here.').language).toBe('en');
  });

  it('handles 5 MB of text quickly and bounds the result', () => {
    const big = '民警在执法时遭遇袭警<b>现场</b> http://t.cn/x @某人 [怒]'.repeat(130_000);
    expect(big.length).toBeGreaterThan(5_000_000);
    const started = performance.now();
    const n = normalize(big);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(n.truncated).toBe(true);
    expect(n.text.length).toBeLessThanOrEqual(20_000);
    expect(tokenize(n.text).length).toBeGreaterThan(100);
  });

  it('handles unclosed tags and lone ampersands', () => {
    expect(normalize('警方 < 通报 & 说明 <b').text).toBe('警方 < 通报 & 说明 <b');
  });
});

describe.skipIf(!hasSharedData)('normalize + tokenize over police/dev.jsonl (needs ../shared/data)', () => {
  it('processes every line without throwing and keeps Han text', () => {
    const lines = readFileSync(sharedPath('police/dev.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
    expect(lines.length).toBeGreaterThan(100);
    let zh = 0;
    for (const line of lines) {
      const { text } = JSON.parse(line) as { text: string };
      const n = normalize(text);
      const tokens = tokenize(n.text);
      expect(Array.isArray(tokens)).toBe(true);
      if (n.language === 'zh') zh++;
    }
    expect(zh / lines.length).toBeGreaterThan(0.9);
  });
});

describe('normalize fast path', () => {
  it('returns clean text unchanged and still cleans what needs it', () => {
    expect(normalize('警察 打人 😀 abc').text).toBe('警察 打人 😀 abc');
    expect(normalize('警察  打人 ').text).toBe('警察 打人');
    expect(normalize('警察\t打人').text).toBe('警察 打人');
    expect(normalize('警察\uD800打人').text).toBe('警察打人');
    expect(normalize('警察\u200b打人').text).toBe('警察打人');
    expect(normalize('ＡＢＣ警察').text).toBe('ABC警察');
    expect(normalize('警察\u2003打人').text).toBe('警察 打人');
    expect(normalize('臺灣警察').traditional).toBe(true);
  });
});
