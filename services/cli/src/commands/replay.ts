/**
 * `yuqing replay` — items as JSONL on stdin (sorted by publishedAt), run through analysis and the
 * real topic stage in event time, in one process, without PostgreSQL or Redis; events as JSONL on
 * stdout: `assign` per item, `level` per level change, `merge` per merge. Streaming, with
 * backpressure. A bad line is reported on stderr with its number and skipped.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { toShanghaiIso } from '@yuqing/crawler/time';
import { createAnalyzer } from '@yuqing/nlp';
import { TopicEngine, type TopicEvent, type TopicConfig } from '@yuqing/topics';
import { z } from 'zod';
import { cliConfig } from '../context';
import { loadJurisdiction } from './analyze';
import { CliError, println, type Command } from '../io';

const count = z.number().nonnegative().optional();
export const replayItemSchema = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  text: z.string(),
  title: z.string().nullable().optional(),
  publishedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 time'),
  source: z.string().nullable().optional(),
  url: z.string().nullable().optional(),
  parentId: z.union([z.string(), z.number()]).transform(String).nullable().optional(),
  metrics: z.object({ reposts: count, comments: count, likes: count }).partial().nullable().optional(),
  author: z.object({ followers: count, verified: z.boolean().optional() }).partial().nullable().optional(),
});

const iso = (ms: number) => toShanghaiIso(new Date(ms));

/** The contract's line for an event, or null for events the contract does not print. */
function contractLine(e: TopicEvent, withTermBursts: boolean): string | null {
  switch (e.type) {
    case 'assign':
      return JSON.stringify({ type: 'assign', itemId: e.itemId, storyId: e.storyId, topicId: e.topicId });
    case 'level':
      return e.applied ? JSON.stringify({ type: 'level', topicId: e.topicId, level: e.level, at: iso(e.at), indicators: e.indicators, reason: e.reason }) : null;
    case 'merge':
      return JSON.stringify({ type: 'merge', from: e.from, into: e.into, at: iso(e.at) });
    case 'term_burst':
      return withTermBursts ? JSON.stringify({ type: 'term_burst', term: e.term, count: e.count, baseline: e.baseline, at: iso(e.at) }) : null;
    default:
      return null;
  }
}

export const run: Command = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { config: { type: 'string' }, model: { type: 'string' }, 'term-bursts': { type: 'boolean' } },
  });
  const cfg = cliConfig(io);
  let overrides: Partial<TopicConfig> = {};
  if (values.config) {
    try {
      overrides = JSON.parse(readFileSync(resolve(io.cwd, values.config), 'utf8')) as Partial<TopicConfig>;
    } catch (err) {
      throw new CliError(`cannot read topic config ${values.config}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const modelFile = values.model ? resolve(io.cwd, values.model) : cfg.ANALYZER_MODEL_FILE;
  const model = modelFile ? (JSON.parse(readFileSync(modelFile, 'utf8')) as never) : null;
  const jurisdiction = cfg.JURISDICTION_FILE ? loadJurisdiction(cfg.JURISDICTION_FILE) : undefined;
  const analyzer = createAnalyzer({
    model,
    maxChars: cfg.ANALYZER_MAX_CHARS,
    ...(cfg.POLICE_NEGATIVE_THRESHOLD !== undefined ? { policeNegativeThreshold: cfg.POLICE_NEGATIVE_THRESHOLD } : {}),
    ...(jurisdiction ? { jurisdiction: { jurisdiction } } : {}),
  });
  const engine = new TopicEngine(overrides);
  const withBursts = values['term-bursts'] ?? false;

  let lineNo = 0;
  let bad = 0;
  let lastAt = -Infinity;
  let unsorted = 0;
  for await (const line of createInterface({ input: io.stdin, crlfDelay: Infinity })) {
    lineNo++;
    if (!line.trim()) continue;
    let parsed;
    try {
      parsed = replayItemSchema.safeParse(JSON.parse(line));
    } catch (err) {
      bad++;
      println(io.stderr, `line ${lineNo}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
      continue;
    }
    if (!parsed.success) {
      bad++;
      println(io.stderr, `line ${lineNo}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'item'}: ${i.message}`).join('; ')}`);
      continue;
    }
    const item = parsed.data;
    const t = Date.parse(item.publishedAt);
    if (t < lastAt - 3600_000 && ++unsorted <= 5) {
      println(io.stderr, `line ${lineNo}: publishedAt goes back more than an hour; the input should be sorted by publishedAt`);
    }
    lastAt = Math.max(lastAt, t);
    const a = analyzer.analyze({ id: item.id, title: item.title ?? null, text: item.text, publishedAt: item.publishedAt, source: item.source ?? null });
    const events = engine.process({
      id: item.id,
      publishedAt: t,
      text: item.text,
      title: item.title ?? null,
      source: item.source ?? null,
      url: item.url ?? null,
      parentId: item.parentId ?? null,
      metrics: item.metrics ?? null,
      author: item.author ?? null,
      analysis: {
        policeRelated: a.policeRelated,
        policeNegative: a.policeNegative,
        sentiment: a.sentiment.label,
        keywords: a.keywords,
        places: a.places,
        jurisdictionHits: a.jurisdictionHits,
        categories: a.categories,
        // A repost's own words about the police: the story counts them (reactionMinCount, reactionNegativeShare).
        reaction: a.reaction,
      },
    });
    for (const e of events) {
      const out = contractLine(e, withBursts);
      if (out && !io.stdout.write(`${out}\n`)) await once(io.stdout, 'drain');
    }
  }
  if (bad) println(io.stderr, `${bad} bad line(s) skipped`);
  if (unsorted > 5) println(io.stderr, `${unsorted} line(s) in all went back more than an hour`);
  return 0;
};
