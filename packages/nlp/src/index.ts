/** @yuqing/nlp — the text engine: normalization, segmentation and the analysis of one item. */
export { normalize, type Normalized, type NormalizeOptions } from './normalize';
export { tokenize, isStopWord, contentTokens } from './segment';
export { keywords, keywordsFromText, idfOf } from './keywords';
export { simhash, hamming } from './simhash';
export { categorize, loadCategoryRules, defaultCategoryRules, OTHER_CATEGORY, type CategoryRules, type CategoryRuleSpec, type CategoryRulesSpec } from './categories';
export { createPlaceMatcher, type PlaceMatcher, type PlaceMatcherOptions, type PlaceMatch, type JurisdictionEntry } from './places';
export { detectLanguage, type Language } from './language';
export { toSimplified, hasTraditional } from './traditional';
export { policeRelevance, RELATED_THRESHOLD, type RelevanceResult, type RelevanceContext } from './relevance';
export { scoreSentiment, sentimentLexicon, NEG_THRESHOLD, POS_THRESHOLD, type SentimentResult, type SentimentLexicon } from './sentiment';
export { policeNegative, riskOf, isOpinion, NEGATIVE_THRESHOLD, type PoliceNegativeResult } from './police-negative';
export { train, loadModel, features, type Model, type ModelJson, type StanceDecision, type HeadJson, type Head, type TrainingExample, type TrainOptions } from './model';
export { createAnalyzer, modelWeight, defaultStanceModel, stanceMarkers, SHIPPED_STANCE_MODEL_FILE, POLICE_NEGATIVE_THRESHOLD, ENGINE_VERSION, type Analyzer, type AnalyzerOptions, type AnalyzeInput, type AnalysisResult } from './analyze';
export { parseJurisdiction } from './jurisdiction';
export { rootKey, repostComment, ownWords, rootCandidates, isRepost } from './repost';
export { trainStanceModel, calibrateStanceDecision, CALIBRATION_MIN, authoredStanceExamples, trainingTokens, stanceTrainingTokens, stanceFeatures, STANCE_CORPUS_DIR, type StanceTrainOptions } from './stance-training';
