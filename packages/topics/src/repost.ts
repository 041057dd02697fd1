/** Repost parsing lives with the text engine (the analyzer judges a repost's own words too). */
export { rootKey, repostComment, rootCandidates, isRepost } from '@yuqing/nlp/repost';
