/**
 * The crawler's fetch settings from the configuration, shared by the crawl workers and the API's
 * test fetch (preview.ts), so both reach exactly the same addresses with the same limits.
 */
import type { Config } from '@yuqing/config';
import { createAddressPolicy } from '@yuqing/net';
import { createHttpAgent, type FetchOptions } from './http';

export type CrawlFetchOptions = Omit<FetchOptions, 'headers' | 'etag' | 'lastModified'>;

/**
 * The address policy, the keep-alive agent and the options of every fetch. `close` waits for the
 * requests in flight; `destroy` cuts them (a stop that cannot wait).
 */
export function crawlFetchSetup(cfg: Config): { fetchOptions: CrawlFetchOptions; close(): Promise<void>; destroy(): Promise<void> } {
  // One address policy for the agent (checks resolved addresses at connect time) and for fetchUrl
  // (checks literal IPs on every redirect hop). The RSSHub instances are the bureau's own
  // components (often on a private network): reachable as configured, without listing them again
  // in FETCH_ALLOWLIST.
  const addressPolicy = createAddressPolicy([...cfg.FETCH_ALLOWLIST, ...cfg.RSSHUB_URL.map((u) => new URL(u).hostname)]);
  const agent = createHttpAgent({ connectTimeoutMs: cfg.HTTP_CONNECT_TIMEOUT_MS, addressPolicy });
  return {
    fetchOptions: {
      agent,
      connectTimeoutMs: cfg.HTTP_CONNECT_TIMEOUT_MS,
      totalTimeoutMs: cfg.HTTP_TOTAL_TIMEOUT_MS,
      maxBytes: cfg.HTTP_MAX_BYTES,
      maxRedirects: cfg.HTTP_MAX_REDIRECTS,
      userAgent: cfg.HTTP_USER_AGENT,
      addressPolicy,
    },
    close: () => agent.close(),
    destroy: () => agent.destroy(),
  };
}
