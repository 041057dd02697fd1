/**
 * Independent readers for the renderer tests: LibreOffice headless (Debian's package) converts
 * the documents to PDF, plain text and CSV; poppler's pdfinfo/pdftotext read the PDFs when
 * present; a small ZIP reader (node:zlib) opens the .docx parts; a CSV parser; and Beijing-time
 * formatting through Intl, so expectations do not reuse the renderers' own formatting code.
 *
 * Without soffice the LibreOffice tests skip, visibly, under the title `loSkipTitle` gives.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const p = r.status === 0 ? r.stdout.trim() : '';
  return p && existsSync(p) ? p : null;
}

export const SOFFICE = which('soffice') ?? (existsSync('/usr/lib/libreoffice/program/soffice') ? '/usr/lib/libreoffice/program/soffice' : null);
export const hasSoffice = SOFFICE !== null;
export const PDFINFO = which('pdfinfo');
export const PDFTOTEXT = which('pdftotext');

export function loSkipTitle(name: string): string {
  return hasSoffice ? name : `${name} — SKIPPED: needs LibreOffice (soffice) from Debian: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui`;
}

export function popplerSkipTitle(name: string): string {
  return PDFTOTEXT ? name : `${name} — SKIPPED: needs pdftotext (apt-get install poppler-utils)`;
}

/** One soffice run may take a while on a cold profile; past this it is killed and the test fails. */
const SOFFICE_TIMEOUT_MS = 180_000;

/**
 * Converts files with LibreOffice headless in one run: its own user profile (parallel runs would
 * otherwise collide on the shared one), a timeout that kills the whole process group it started.
 * Returns the converted files by input name (without extension).
 */
export async function convertWithLibreOffice(files: ReadonlyArray<{ name: string; data: Buffer; ext: string }>, target: string, outExt: string): Promise<Map<string, Buffer>> {
  if (!SOFFICE) throw new Error('soffice not installed');
  const dir = await mkdtemp(join(tmpdir(), 'forms-lo-'));
  const profile = join(tmpdir(), `lo-${randomBytes(6).toString('hex')}`);
  try {
    const paths: string[] = [];
    for (const f of files) {
      const p = join(dir, `${f.name}.${f.ext}`);
      await writeFile(p, f.data);
      paths.push(p);
    }
    const args = [`-env:UserInstallation=file://${profile}`, '--headless', '--norestore', '--nolockcheck', '--convert-to', target, '--outdir', dir, ...paths];
    const { code, stderr, stdout } = await run(SOFFICE, args, SOFFICE_TIMEOUT_MS);
    if (code !== 0) throw new Error(`soffice exited ${code}: ${stderr}${stdout}`);
    const out = new Map<string, Buffer>();
    for (const f of files) {
      const p = join(dir, `${f.name}.${outExt}`);
      if (!existsSync(p)) throw new Error(`soffice did not convert ${f.name}.${f.ext} to ${outExt} (could not open it?): ${stderr}${stdout}`);
      out.set(f.name, await readFile(p));
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Its own process group, so the timeout ends soffice.bin too, not only the wrapper script.
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      reject(new Error(`${cmd} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Writes a PDF to a temporary file for poppler and returns what `fn` gives back. */
async function withPdfFile<T>(pdf: Buffer, fn: (path: string) => T): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'forms-pdf-'));
  try {
    const p = join(dir, 'doc.pdf');
    await writeFile(p, pdf);
    return fn(p);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Page objects counted in the PDF itself (`/Type /Page`, not `/Pages`): works without poppler. */
export function countPageObjects(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
}

/** Pages by pdfinfo when installed, else by counting page objects. */
export async function pdfPages(pdf: Buffer): Promise<{ pages: number; by: 'pdfinfo' | 'page objects' }> {
  if (!PDFINFO) return { pages: countPageObjects(pdf), by: 'page objects' };
  const info = await withPdfFile(pdf, (p) => spawnSync(PDFINFO, [p], { encoding: 'utf8' }).stdout);
  const m = /^Pages:\s+(\d+)/m.exec(info);
  if (!m) throw new Error(`pdfinfo gave no page count: ${info}`);
  return { pages: Number(m[1]), by: 'pdfinfo' };
}

/** Every page's MediaBox [w h] in points, from the PDF itself. */
export function mediaBoxes(pdf: Buffer): Array<[number, number]> {
  return [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]/g)].map((m) => [Number(m[3]) - Number(m[1]), Number(m[4]) - Number(m[2])]);
}

/** The text of each page (pdftotext splits pages with form feeds). */
export async function pdfPageTexts(pdf: Buffer): Promise<string[]> {
  if (!PDFTOTEXT) throw new Error('pdftotext not installed');
  const text = await withPdfFile(pdf, (p) => spawnSync(PDFTOTEXT, ['-enc', 'UTF-8', '-layout', p, '-'], { encoding: 'utf8' }).stdout);
  return text.split('\f').slice(0, -1);
}

/** The entries of a ZIP file (the .docx/.xlsx container), read from its central directory. */
export function readZip(buf: Buffer): Map<string, Buffer> {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a ZIP file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad ZIP central directory');
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataStart, dataStart + size);
    out.set(name, method === 0 ? Buffer.from(raw) : inflateRawSync(raw));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** RFC 4180 CSV (quoted fields may hold commas, quotes and line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const BJ = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });

function bjParts(d: Date): { y: number; mo: number; d: number; h: number; mi: number } {
  const p: Record<string, string> = {};
  for (const x of BJ.formatToParts(d)) p[x.type] = x.value;
  return { y: Number(p['year']), mo: Number(p['month']), d: Number(p['day']), h: Number(p['hour']), mi: Number(p['minute']) };
}
const two = (n: number): string => String(n).padStart(2, '0');

/** 「2026年11月1日 00:05」 in Beijing time, as the Word forms print it; '' for null. */
export function bjChinese(d: Date | null): string {
  if (!d) return '';
  const p = bjParts(d);
  return `${p.y}年${p.mo}月${p.d}日 ${two(p.h)}:${two(p.mi)}`;
}

/** 「2026-11-01 00:05」 in Beijing time, as Excel shows `yyyy-mm-dd hh:mm`; '' for null. */
export function bjIso(d: Date | null): string {
  if (!d) return '';
  const p = bjParts(d);
  return `${p.y}-${two(p.mo)}-${two(p.d)} ${two(p.h)}:${two(p.mi)}`;
}

/** 「2026-10-01」: the Beijing date. */
export function bjIsoDate(d: Date): string {
  return bjIso(d).slice(0, 10);
}

/** Text with every whitespace character removed: LibreOffice's text export breaks lines at cells and paragraphs. */
export const squash = (s: string): string => s.replace(/\s+/g, '');

export const LEVEL_ZH: Record<string, string> = { none: '无', blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' };
export const STATUS_ZH: Record<string, string> = { new: '新建', assessing: '研判中', handling: '处置中', responded: '已回应', closed: '已结案', firing: '未确认', acknowledged: '已确认', resolved: '已解除' };

/** The Beijing wall-clock time of an instant as a UTC Date: what an Excel date cell must hold to show Beijing time. */
export function bjWall(d: Date): Date {
  const p = bjParts(d);
  return new Date(Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, d.getUTCSeconds(), d.getUTCMilliseconds()));
}

/** The Beijing date of an instant at 00:00, as a UTC Date: a whole-day Excel date. */
export function bjWallDate(d: Date): Date {
  const p = bjParts(d);
  return new Date(Date.UTC(p.y, p.mo - 1, p.d));
}
