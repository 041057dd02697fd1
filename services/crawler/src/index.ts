export { createCrawlDeps, startCrawlerService, type CrawlerService } from './service';
export { crawlSource, type CrawlDeps, type CrawlReport } from './crawl-source';
export { ingestItems, pushedItemSchema, type IngestResult } from './ingest';
export { scheduleDueSources } from './scheduler';
export { reconcileOnce } from './reconciler';
export { storeItems } from './store';
