/**
 * Runs once before the suite: says plainly which tiers will run. Tests that need ../shared/data
 * skip visibly (describe.skipIf with a reason in the title) when it is missing.
 */
import { existsSync } from 'node:fs';
import { sharedDataDir } from './shared-data';

export default function setup(): void {
  const dir = sharedDataDir();
  if (!existsSync(dir)) {
    console.warn(`\n[yuqing tests] ${dir} not found: tests that read the shared real data will be SKIPPED.\n`);
  }
}
