/**
 * The bureau's jurisdiction gazetteer as a deployment writes it (JURISDICTION_FILE): either a list of
 * entries or `{ "jurisdiction": [...] }` (the shape of data/dict/jurisdiction.sample.json). Parsed
 * and validated once at start, so a typo stops the service with a clear message instead of
 * silently marking nothing as inside the jurisdiction.
 */
import { z } from 'zod';
import type { JurisdictionEntry } from './places';

export type { JurisdictionEntry } from './places';

const entry = z
  .object({
    name: z.string().trim().min(1),
    aliases: z.array(z.string().trim().min(1)).optional(),
    kind: z.enum(['district', 'town', 'station', 'other']).default('other'),
  })
  .strict();
const list = z.array(entry);
const wrapped = z.object({ jurisdiction: list }).passthrough();

/** Validates a parsed gazetteer file; throws an Error listing every problem. */
export function parseJurisdiction(json: unknown): JurisdictionEntry[] {
  // Pick the shape first, so that errors name the fields inside it rather than "no union matched".
  const r = Array.isArray(json) ? list.safeParse(json) : wrapped.transform((o) => o.jurisdiction).safeParse(json);
  if (!r.success) {
    throw new Error(`invalid jurisdiction gazetteer: ${r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}
