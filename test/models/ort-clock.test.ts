/**
 * The ONNX Runtime clock the benches read: overlapping runs count once in the busy time and each in
 * their label's sum; a reading minus an earlier one is what happened between; `Device` times the
 * runs and the creation of sessions it makes while the clock is on, and leaves them alone otherwise.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Device } from '../../models/device.js';
import { Graph } from '../../models/graph/graph.js';
import * as o from '../../models/graph/ops.js';
import { OrtClock, ortClock, ortTimesBetween } from '../../models/ort-clock.js';
import { serialize } from '../../models/graph/serialize.js';

function tinyModel(): Uint8Array {
  const g = new Graph('t');
  const x = g.input('x', 'float32', [2]);
  g.output(o.add(x, o.scalar(g, 1, 'float32')), 'y');
  return serialize(g);
}

describe('OrtClock', () => {
  it('counts overlapping runs once in the busy time, each in its label', () => {
    const c = new OrtClock();
    c.add('a', 0, 10);
    c.add('b', 5, 15); // overlaps a by 5
    c.add('a', 20, 25);
    c.add('b', 21, 24); // inside the last run
    const t = c.read();
    expect(t.busyMs).toBe(20);
    expect(t.byLabel).toEqual({ a: { calls: 2, ms: 15 }, b: { calls: 2, ms: 13 } });
  });

  it('the difference of two readings is what was counted between them', () => {
    const c = new OrtClock();
    c.add('a', 0, 10);
    const before = c.read();
    c.add('a', 10, 12);
    c.add('b', 12, 15);
    expect(ortTimesBetween(before, c.read())).toEqual({
      busyMs: 5,
      byLabel: { a: { calls: 1, ms: 2 }, b: { calls: 1, ms: 3 } },
    });
    expect(ortTimesBetween(c.read(), c.read())).toEqual({ busyMs: 0, byLabel: {} });
  });

  it('time() counts a call that throws, and passes the error on', async () => {
    const c = new OrtClock();
    await expect(c.time('x', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(c.read().byLabel.x.calls).toBe(1);
  });

  it('Device times the runs and creation of sessions made while the global clock is on', async () => {
    const dev = new Device({ intraOpThreads: 1 });
    const x = { x: new ort.Tensor('float32', Float32Array.from([1, 2]), [2]) };
    const before = await dev.session(tinyModel(), 'before');
    ortClock.enable();
    const timed = await dev.session(tinyModel(), 'tiny');
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) {
      const out = await timed.session.run(x);
      expect(Array.from(out.y.data as Float32Array)).toEqual([2, 3]);
    }
    const wall = performance.now() - t0;
    await before.session.run(x);
    const t = ortClock.read();
    expect(Object.keys(t.byLabel).sort()).toEqual(['tiny', 'tiny (create)']);
    expect(t.byLabel.tiny.calls).toBe(3);
    expect(t.byLabel['tiny (create)'].calls).toBe(1);
    expect(t.byLabel.tiny.ms).toBeLessThanOrEqual(wall);
    await Promise.all([before.session.release(), timed.session.release()]);
  });
});
