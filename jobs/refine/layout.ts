/**
 * The refine job's directory: every path it reads or writes, in one place.
 *
 * ```
 * job.json                   the job's config hash and seed (a re-run with another config is refused)
 * manifest/<name>            the job's copy of its manifest, taken when it starts: every read of its clips reads it
 * manifest-pin.json          the copy's source, sha256 and time (written last: a copy without it is taken again)
 * tokenizer.json             trained once on the manifest's text, shared by every model version
 * frames/                    the frames run (engine run dir): frames extracted once, reused by all rounds
 * round-<k>/                 round k's run: caption and adatailr outputs per shard, errors, ledger
 * bootstrap/                 round 0's text captions, to train the first scoring model
 * models/bootstrap/          the captioner trained on the clips' own text (writes round 1's first candidates… and weighs round 0)
 * models/round-<k>/          the captioner trained in round k
 * judges/round-<k>/fold-<f>/ the judges that choose round k's captions (one per fold; with an ensemble,
 *                            its other members in fold-<f>-member-<m>/)
 * metrics/round-<k>.json     round k's metrics; its presence means round k is done
 * exports/round-<k>/         exported refined dataset (Parquet + metadata.json)
 * report.html                the report page
 * ```
 */
import { join } from 'node:path';

/** The folder name of fold `fold`'s judge number `member` (member 0 is the fold's single judge). */
export function judgeDirName(fold: number, member = 0): string {
  return member === 0 ? `fold-${fold}` : `fold-${fold}-member-${member}`;
}

/** Paths of a refine job directory. */
export function jobLayout(dir: string) {
  return {
    dir,
    jobMeta: join(dir, 'job.json'),
    manifestDir: join(dir, 'manifest'),
    manifestPin: join(dir, 'manifest-pin.json'),
    tokenizer: join(dir, 'tokenizer.json'),
    framesRun: join(dir, 'frames'),
    bootstrapRun: join(dir, 'bootstrap'),
    roundRun: (k: number): string => join(dir, `round-${k}`),
    bootstrapModel: join(dir, 'models', 'bootstrap'),
    roundModel: (k: number): string => join(dir, 'models', `round-${k}`),
    judge: (k: number, fold: number, member = 0): string =>
      join(dir, 'judges', `round-${k}`, judgeDirName(fold, member)),
    roundMetrics: (k: number): string => join(dir, 'metrics', `round-${k}.json`),
    metricsDir: join(dir, 'metrics'),
    exportDir: (k: number): string => join(dir, 'exports', `round-${k}`),
    report: join(dir, 'report.html'),
  };
}

/** The refine job directory layout. */
export type JobLayout = ReturnType<typeof jobLayout>;
