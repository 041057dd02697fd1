export { startAnalyzerService, type AnalyzerService } from './service';
export { analyzeBatch } from './analyze-batch';
export { createEnginePool, type EnginePool } from './engine-pool';
export { createBatcher } from './batcher';
