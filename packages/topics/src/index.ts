export * from './config';
export * from './levels';
export * from './stage';
export * from './engine';
export * from './fingerprint';
export * from './repost';
export { StoryIndex } from './story-index';
export { TopicIndex, keywordVector } from './topic-index';
export { TermBurstDetector, type TermBurst } from './term-bursts';
