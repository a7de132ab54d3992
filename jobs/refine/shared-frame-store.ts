/**
 * One frame store per frames run, shared by every training set and epoch of a job that reads it, so
 * a frames run's decoded frames are cached once however many sets train on it.
 */
import type { Storage } from '../../pipeline/storage.js';
import { FrameStore } from '../../stages/attach-frames/frame-store.js';

const frameStores = new WeakMap<Storage, Promise<FrameStore>>();

/**
 * The frame store of a frames run's storage object: one per job, shared by its training sets and
 * epochs, keeping `cacheBytes` of frames (the first caller's).
 */
export function sharedFrameStore(framesRun: Storage, cacheBytes: number): Promise<FrameStore> {
  let store = frameStores.get(framesRun);
  if (!store) {
    const s = new FrameStore({ storage: framesRun, cacheBytes });
    store = s.open().then(() => s);
    store.catch(() => frameStores.delete(framesRun));
    frameStores.set(framesRun, store);
  }
  return store;
}
