import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@yuqing/config';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Absolute path of the shared real data (SHARED_DATA_DIR, default ../shared/data from the repo root). */
export function sharedDataDir(): string {
  return resolve(repoRoot, loadConfig().SHARED_DATA_DIR);
}

/** True when the shared data is present; tests use it with describe.skipIf(!hasSharedData). */
export const hasSharedData = existsSync(sharedDataDir());

/** Path of a file inside the shared data. */
export function sharedPath(...parts: string[]): string {
  return resolve(sharedDataDir(), ...parts);
}
