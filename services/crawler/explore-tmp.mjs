import Parser from 'rss-parser';
import fs from 'node:fs';
for (const f of fs.readdirSync('/work/shared/data/feeds/zh')) {
  const xml = fs.readFileSync('/work/shared/data/feeds/zh/'+f,'utf8');
  try { const r = await new Parser().parseString(xml); console.log(f, r.items.length, r.items[0].title, r.items[0].pubDate, r.items[0].isoDate, Object.keys(r.items[0])); } catch (e) { console.log(f, 'ERR', e.message.slice(0,80)); }
  try { const r = await new Parser().parseString(xml.trimStart()); console.log(f, r.items.length, r.items[0].link, r.items[0].pubDate); } catch (e) { console.log(f, 'ERR', e.message.slice(0,80)); }
}
