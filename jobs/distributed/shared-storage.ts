/** Opening a run's storage from its stored reference: a path every worker mounts (object stores can add a kind). */
import { LocalStorage, type Storage } from '../../pipeline/storage.js';
import type { StorageRef } from './spec.js';

/** Opens the storage a run's files live in. */
export type StorageOpener = (ref: StorageRef) => Storage;

/** The default {@link StorageOpener}: {@link LocalStorage} on the shared path. */
export const openSharedStorage: StorageOpener = (ref) => new LocalStorage(ref.root);
