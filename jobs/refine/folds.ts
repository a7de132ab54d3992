/** Cross-fitting folds (defined beside the model stages, which route clips by them on any machine). */
export { foldOf, judgeFold, trainsOn } from '../../stages/model/folds.js';

/**
 * Clips a judge should learn from: below this, judges too weak to vouch for right captions drop
 * many of them as implausible, and more folds keep more rows right (docs/refine.md, small datasets).
 */
export const JUDGE_MIN_CLIPS = 300;

/** The most folds a job may have (the config's bound). */
const MAX_FOLDS = 8;

/**
 * A warning for a job whose judges, with `folds`, each learn from fewer than {@link JUDGE_MIN_CLIPS}
 * of its `trainClips`, naming the folds that would give them more, and `judge.init`; undefined when
 * they have enough, when folds = 1 (which does not cross-fit), or when they start from a pre-trained
 * judge (`pretrained`: at 200 clips those kept 99.7 % of the clips on tuning seeds, docs/refine-history.md).
 */
export function judgeDataWarning(trainClips: number, folds: number, pretrained = false): string | undefined {
  if (folds <= 1 || pretrained) return undefined;
  const per = (k: number): number => Math.floor((trainClips * (k - 1)) / k);
  if (per(folds) >= JUDGE_MIN_CLIPS) return undefined;
  const head = `each judge learns from about ${per(folds)} of the ${trainClips} train clips (folds ${folds}; under ${JUDGE_MIN_CLIPS} a judge finds many right captions implausible, so a clip none of whose candidates it finds plausible keeps its best one instead of being dropped, and the choice is less sure)`;
  let k = folds + 1;
  while (k < MAX_FOLDS && per(k) < JUDGE_MIN_CLIPS) k++;
  // already at the most folds, or too few clips for more folds to add one to a judge's share
  const init = 'or start them from a judge pre-trained on other clips (judge.init)';
  if (folds >= MAX_FOLDS || per(k) <= per(folds)) return `${head}: more clips, not more folds, would help; ${init}`;
  return `${head}: folds = ${k} gives each ${per(k)}, at ${k} judges a round instead of ${folds} (times judge.ensemble); ${init}`;
}

/** What a judge's `judge.json` records of its training that {@link judgesMayDrop} reads. */
export interface JudgeTrainingRecord {
  /** The content hash of the pre-trained judge it started from (`judge.init`); absent from random weights. */
  readonly started_from?: string | number;
  /** The train clips outside its fold it had; absent in judges saved before it was recorded. */
  readonly train_clips?: string | number;
}

/**
 * Whether a round may drop a clip none of whose candidates its judges find plausible
 * (`adatailr.drop_implausible`): only when every judge started from a pre-trained judge or learnt
 * from at least {@link JUDGE_MIN_CLIPS} train clips. Judges that had fewer find many right captions
 * implausible: on 300-clip benchmarks (tuning seeds 101–102, docs/refine.md) dropping kept 74 % of
 * the clips at no better accuracy than keeping each one's best candidate. Judges saved before their
 * training was recorded count as able, as they were.
 */
export function judgesMayDrop(judges: readonly JudgeTrainingRecord[]): boolean {
  return judges.every(
    (j) => j.started_from !== undefined || j.train_clips === undefined || Number(j.train_clips) >= JUDGE_MIN_CLIPS,
  );
}

/** Whether a round with these judges drops a clip with no plausible candidate: the config asks and the judges can tell. */
export function roundDrops(dropImplausible: boolean, judges: readonly JudgeTrainingRecord[]): boolean {
  return dropImplausible && judgesMayDrop(judges);
}
