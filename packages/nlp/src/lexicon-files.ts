/**
 * Reads the plain-text lexicons under packages/nlp/data/lexicons. Each is read once per process
 * (callers cache the parsed result); lines are `WORD [WEIGHT]` or TSV, `#` starts a comment.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of the lexicon directory shipped with the package. */
export const LEXICON_DIR = fileURLToPath(new URL('../data/lexicons/', import.meta.url));

/** The non-comment, non-blank lines of a lexicon file, split on whitespace (tabs for .tsv). */
export function readLexiconLines(relPath: string): string[][] {
  const text = readFileSync(LEXICON_DIR + relPath, 'utf8');
  const sep = relPath.endsWith('.tsv') ? /\t/ : /\s+/;
  const rows: string[][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    rows.push(line.split(sep));
  }
  return rows;
}

/** `WORD [WEIGHT]` lines as a Map; a missing or unparsable weight counts as `fallback`. */
export function readWeighted(relPath: string, fallback = 1): Map<string, number> {
  const map = new Map<string, number>();
  for (const [word, w] of readLexiconLines(relPath)) {
    if (!word) continue;
    const n = w === undefined ? fallback : Number(w);
    map.set(word.toLowerCase(), Number.isFinite(n) ? n : fallback);
  }
  return map;
}

/** One word a line as a Set. */
export function readSet(relPath: string): Set<string> {
  const set = new Set<string>();
  for (const [word] of readLexiconLines(relPath)) if (word) set.add(word.toLowerCase());
  return set;
}
