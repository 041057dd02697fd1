/**
 * DATABASE_READ_URL: the API's heavy reads (topics, item lists and search, hot lists, the overview)
 * go to the replica, writes and everything else to the primary. The "replica" here is another
 * database holding the same schema with different data, so where each answer came from shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '@yuqing/api';
import { loadConfig } from '@yuqing/config';
import { createPool, migrate, type Pool } from '@yuqing/db';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, makeCaller, type Caller } from './auth-fixtures';
import { seedTopic } from './read-fixtures';

let t: TestEnv;
let replica: Pool;
let replicaUrl: string;
let server: { url: string; close(): Promise<void> };
let analyst: Caller;
let primaryTopic: number;
let replicaTopic: number;

beforeAll(async () => {
  t = await createTestEnv('readreplica');
  const u = new URL(t.cfg.DATABASE_URL);
  u.pathname = '/postgres';
  replicaUrl = u.toString();
  replica = createPool({ url: replicaUrl, schema: t.cfg.DATABASE_SCHEMA, max: 2 });
  await replica.query(`CREATE SCHEMA IF NOT EXISTS ${t.cfg.DATABASE_SCHEMA}`);
  await migrate(replica, t.cfg.DATABASE_SCHEMA);
  analyst = await makeCaller(t.db, 'replica-analyst', 'analyst');
  primaryTopic = (await seedTopic(t.db, { level: 'yellow' })).topicId;
  replicaTopic = (await seedTopic(replica, { level: 'red' })).topicId;
  server = await startApiServer(loadConfig({ ...t.env, API_HOST: '127.0.0.1', API_PORT: '0', DATABASE_READ_URL: replicaUrl, DIGEST_ENABLED: 'false', FORMS_ENABLED: 'false' }));
});
afterAll(async () => {
  await server?.close();
  await replica?.query(`DROP SCHEMA IF EXISTS ${t.cfg.DATABASE_SCHEMA} CASCADE`);
  await replica?.end();
  await t?.cleanup();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field below
const get = async (path: string): Promise<any> => {
  const res = await fetch(`${server.url}${path}`, { headers: bearer(analyst.token) });
  expect(res.status, path).toBe(200);
  return res.json();
};

describe('with DATABASE_READ_URL', () => {
  it('topics, item lists and the overview are read from the replica', async () => {
    const topics = (await get('/api/topics?status=all')).topics.map((x: { id: number; level: string }) => [x.id, x.level]);
    // The replica's red topic, not the primary's yellow one.
    expect(topics).toEqual([[replicaTopic, 'red']]);
    expect(topics.map(([id]: [number]) => id)).not.toContain(primaryTopic);
    const replicaItems = (await replica.query('SELECT count(*)::int AS n FROM items')).rows[0].n;
    expect((await get('/api/items?limit=200')).items).toHaveLength(replicaItems);
    expect((await get('/api/overview')).overview).toBeTruthy();
  });

  it('the caller is authenticated against the primary, and writes and single reads go to the primary', async () => {
    // The analyst exists only in the primary: were auth read from the replica, every call would be 401.
    const one = await get(`/api/topics/${replicaTopic}`);
    expect(one.topic?.id ?? one.id).toBe(replicaTopic);
    const created = await fetch(`${server.url}/api/incidents`, {
      method: 'POST',
      headers: { ...bearer(analyst.token), 'content-type': 'application/json' },
      body: JSON.stringify({ title: '只写主库', level: 'blue' }),
    });
    expect(created.status).toBe(201);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM incidents WHERE title = '只写主库'`)).rows[0].n).toBe(1);
    expect((await replica.query(`SELECT count(*)::int AS n FROM incidents WHERE title = '只写主库'`)).rows[0].n).toBe(0);
  });
});
