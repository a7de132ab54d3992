/**
 * `flywheel status`'s text: the runs of one job (refine's frames run, bootstrap and rounds) are
 * listed under the job, in the order they were first planned, whatever order Redis returned them
 * in; a run queued outside a job keeps the per-run view.
 */
import { describe, expect, it } from 'vitest';
import { formatRunList, formatStatus } from '../../cli/format-status.js';
import type { RunStatus } from '../../jobs/distributed/status.js';

function run(id: string, over: Partial<RunStatus> & { name?: string; planned?: string } = {}): RunStatus {
  const { name, planned, ...rest } = over;
  return {
    run_id: id,
    state: 'done',
    run_dir: name ? `/jobs/a/${name}` : `/runs/${id}`,
    created_at: '2026-12-04T01:00:00.000Z',
    updated_at: '2026-12-04T01:00:00.000Z',
    shards: 2,
    steps: [
      {
        name: 'frames',
        stages: ['frames'],
        class: 'cpu',
        shards: 2,
        waiting: 0,
        active: 0,
        delayed: 0,
        failed: 0,
        done: 2,
      },
    ],
    workers: [],
    ...(name ? { job: { dir: '/jobs/a', name, planned_at: planned ?? '' } } : {}),
    ...rest,
  };
}

describe('flywheel status text', () => {
  it("groups a job's runs under the job in planned order; a run outside a job keeps the per-run view", () => {
    // newest first, as listRuns returns them: the frames run was re-queued last (a restarted coordinator)
    const runs = [
      run('f', { name: 'frames', planned: '2026-12-04T00:00:01.000Z' }),
      run('solo'),
      run('r1', {
        name: 'round-1',
        planned: '2026-12-04T00:00:04.000Z',
        state: 'running',
        steps: [
          {
            name: 'attach-frames+caption+adatailr',
            stages: ['attach-frames', 'caption', 'adatailr'],
            class: 'gpu',
            shards: 2,
            waiting: 1,
            active: 0,
            delayed: 0,
            failed: 0,
            done: 1,
          },
        ],
      }),
      run('r0', { name: 'round-0', planned: '2026-12-04T00:00:03.000Z' }),
    ];
    const text = formatRunList(runs);
    expect(text.split('\n\n')).toEqual([
      [
        'job /jobs/a [running]: 3 runs, 2 done',
        '  frames [done] run f: 2 shards',
        `    ${'frames'.padEnd(24)} cpu  done 2/2  waiting 0  active 0  retrying 0  failed 0`,
        '  round-0 [done] run r0: 2 shards',
        `    ${'frames'.padEnd(24)} cpu  done 2/2  waiting 0  active 0  retrying 0  failed 0`,
        '  round-1 [running] run r1: 2 shards',
        `    ${'attach-frames+caption+adatailr'} gpu  done 1/2  waiting 1  active 0  retrying 0  failed 0`,
      ].join('\n'),
      formatStatus(runs[1]),
    ]);
    expect(formatStatus(runs[1])).toMatch(/^run solo \[done\] \/runs\/solo: 2 shards\n {2}frames/);
  });
});
