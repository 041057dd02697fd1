import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('apihealth');
});
afterAll(async () => t.cleanup());

describe('operations endpoints', () => {
  it('healthz answers without touching dependencies; readyz checks PostgreSQL, schema and Redis', async () => {
    const app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { postgres: { ok: true }, schema: { ok: true }, redis: { ok: true } } });
    await app.close();
  });

  it('readyz is 503 and says what to run when the schema is behind', async () => {
    await t.db.query('DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)');
    const app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.schema.detail).toContain('pnpm db:migrate');
    await app.close();
  });
});
