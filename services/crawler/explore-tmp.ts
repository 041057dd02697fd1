import * as cheerio from 'cheerio';
const $ = cheerio.load('<div><a href="x">a</a></div>');
for (const s of ['div[', 'a:foo', 'a:contains(x)', 'div >', '', '..x', 'a::before', ':has(a)', 'time[datetime]', '#', 'a,', '$$']) {
  try { const n = $(s).length; const m = $('div').find(s).length; console.log(JSON.stringify(s), 'ok', n, m); } catch (e) { console.log(JSON.stringify(s), 'ERR', (e as Error).message); }
}
for (const s of ['7-3', '03-05 10:20', '14:06', '1-9', '2019-12', '阅读 1234 次']) console.log(s, new Date(Date.parse(s)).toString());
