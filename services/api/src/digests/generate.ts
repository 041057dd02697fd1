/**
 * Making a digest: load the period's rows (one read-only snapshot, so every figure is of the same
 * moment), compute, render, store. The schedule stores a period once (the first run wins, a second
 * run changes nothing); on demand the period's digest is replaced and the change audited.
 */
import { computeDigest, renderDigestHtml, renderDigestMarkdown, type Digest, type DigestKind } from '@yuqing/digest';
import {
  findDigestByPeriod,
  loadDigestInput,
  nextDigestId,
  recordAudit,
  setDigestMarkdown,
  storeDigest,
  withTransaction,
  type AuditEntry,
  type DigestRows,
  type DigestSummary,
  type Pool,
  type StoredDigest,
} from '@yuqing/db';

export interface DigestPeriodOptions {
  kind: DigestKind;
  from: Date;
  to: Date;
  /** The generation time (the figures are of the stored data as it is now). */
  now: Date;
  /** The zone labels and day buckets are in (DIGEST_TIMEZONE); default Asia/Shanghai. */
  timeZone?: string;
}

export interface GenerateOptions extends DigestPeriodOptions {
  /** 'system' for the schedule, else the user's name (or 'cli:<os user>'). */
  by: string;
  /** PUBLIC_BASE_URL: the Markdown message links to the digest's page there. */
  baseUrl?: string | undefined;
  /** true (default, on demand): replace the period's stored digest; false (the schedule): keep the first. */
  replace?: boolean;
  /** Who asked, for the audit entry of an on-demand generation (none for the schedule). */
  audit?: Pick<AuditEntry, 'actorId' | 'actorName' | 'requestId'>;
}

export interface GeneratedDigest {
  digest: Digest;
  stored: StoredDigest;
  /** False when the period already had a digest that was kept (the schedule's second run). */
  created: boolean;
}

/** Reads the period's rows in one REPEATABLE READ, READ ONLY transaction. */
async function loadSnapshot(db: Pool, from: Date, to: Date): Promise<DigestRows> {
  const client = await db.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const rows = await loadDigestInput(client, { from, to });
    await client.query('COMMIT');
    return rows;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Computes a period's digest from the database without storing it. */
export async function buildDigest(db: Pool, o: DigestPeriodOptions): Promise<Digest> {
  const rows = await loadSnapshot(db, o.from, o.to);
  return computeDigest({ ...rows, kind: o.kind, timeZone: o.timeZone ?? 'Asia/Shanghai', generatedAt: o.now });
}

/** What an audit entry keeps of a digest: which period, who made it, its headline figures (not the page). */
export function digestAuditView(d: DigestSummary): Record<string, unknown> {
  return { id: d.id, kind: d.kind, periodStart: d.periodStart, periodEnd: d.periodEnd, timeZone: d.timeZone, generatedAt: d.generatedAt, generatedBy: d.generatedBy, title: d.title, headline: d.headline };
}

/** Load → compute → render → store. */
export async function generateDigest(db: Pool, o: GenerateOptions): Promise<GeneratedDigest> {
  const timeZone = o.timeZone ?? 'Asia/Shanghai';
  const replace = o.replace ?? true;
  if (!replace) {
    // The schedule's second run of a period: nothing to compute (checked again below, under the insert).
    const kept = await findDigestByPeriod(db, o.kind, o.from, o.to);
    if (kept) return { digest: kept.data as Digest, stored: kept, created: false };
  }
  const digest = await buildDigest(db, { ...o, timeZone });
  const html = renderDigestHtml(digest);
  const markdownFor = (id: number): string => renderDigestMarkdown(digest, { ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}), digestId: id });

  return withTransaction(db, async (c) => {
    const existing = await findDigestByPeriod(c, o.kind, o.from, o.to, { forUpdate: replace });
    if (existing && !replace) return { digest: existing.data as Digest, stored: existing, created: false };
    const id = existing?.id ?? (await nextDigestId(c));
    const result = await storeDigest(
      c,
      { id, kind: o.kind, periodStart: o.from, periodEnd: o.to, timeZone, generatedAt: o.now, generatedBy: o.by, data: digest, html, markdown: markdownFor(id) },
      { replace },
    );
    let stored = result.digest;
    if (!replace && !result.created) return { digest: stored.data as Digest, stored, created: false };
    if (stored.id !== id) {
      // A concurrent replacement inserted the period first: our content is in its row, so link to that id.
      const markdown = markdownFor(stored.id);
      await setDigestMarkdown(c, stored.id, markdown);
      stored = { ...stored, markdown };
    }
    if (o.audit) {
      await recordAudit(c, {
        ...o.audit,
        action: 'digest.generate',
        entity: 'digest',
        entityId: stored.id,
        before: existing ? digestAuditView(existing) : null,
        after: digestAuditView(stored),
      });
    }
    return { digest, stored, created: result.created };
  });
}
