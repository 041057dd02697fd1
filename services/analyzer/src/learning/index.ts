/**
 * @yuqing/analyzer/learning — the learning loop of the police-negative model: corrections as
 * training lines, the gate, training a candidate, activation and re-analysis. The CLI imports it
 * without starting the analyzer service.
 */
export { labelLineOf, labelLines, labelExample, parseLabelLine, readCorrections, describeStats, emptyStats, type LabelLine, type LabelStats } from './labels';
export { GATE_RULE, assignFolds, confusionOf, figuresOf, decideGate, type Confusion, type Figures, type Judged, type GateVerdict } from './gate';
export { evaluateCandidate, type CandidateInput, type CandidateOutput, type CurrentModel, type GateMetrics } from './candidate';
export { retrain, evaluateInThread, type RetrainDeps, type RetrainRequest, type RetrainResult, type RetrainSettings } from './retrain';
export { queueReanalysis } from './reanalysis';
export { runningModel, fallbackModel, type RunningModel } from '../model-source';
