export { startAnalyzerService, type AnalyzerService } from './service';
export { analyzeBatch } from './analyze-batch';
export { reanalyzeBatch } from './reanalyze-batch';
export { createEnginePool, type EnginePool } from './engine-pool';
export { createBatcher } from './batcher';
export { startLearningLoop, assertRetrainScheduleValid, type LearningLoop } from './learning/loop';
