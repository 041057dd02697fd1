/**
 * Trains the shipped police-negative model from the team's authored corpus
 * (data/training/stance/*.jsonl) and writes data/models/police-stance.json.
 *
 *   pnpm nlp:train-stance
 *
 * Deterministic: the same corpus gives the same file (a test checks the shipped file is current).
 * Run it after changing the corpus, the stance lexicon or the rules (the model reads their markers).
 */
import { writeFileSync } from 'node:fs';
import { SHIPPED_STANCE_MODEL, trainShippedStanceModel } from '../src/stance-training';

const model = trainShippedStanceModel();
writeFileSync(SHIPPED_STANCE_MODEL, `${JSON.stringify(model)}\n`);
const head = model.heads.police_negative;
process.stdout.write(`${SHIPPED_STANCE_MODEL}: ${model.modelVersion}, police_negative examples ${head?.docs.join(' / ') ?? 'none'} (not negative / negative)\n`);
