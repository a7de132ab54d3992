/**
 * The one place ONNX Runtime sessions are created. A `Device` is built from
 * config (execution providers, threads) and passed in to whoever needs a
 * session — nothing probes the hardware globally.
 *
 * onnxruntime-node does not fall back by itself: `executionProviders:
 * ['cuda','cpu']` throws when the CUDA provider cannot load (e.g. the bundled
 * CPU-only build, or missing CUDA libraries). We catch that once, log one
 * warning, recreate with `['cpu']`, and report the provider actually used so
 * callers can record it in run metadata.
 */
import * as ort from 'onnxruntime-node';

/** Execution providers flywheel knows how to request. */
export type ProviderName = 'cuda' | 'cpu';

/** Device settings, typically from the job config. */
export interface DeviceConfig {
  /** Providers in order of preference. Default `['cpu']`. Example: `['cuda', 'cpu']`. */
  readonly providers?: readonly ProviderName[];
  /** Threads inside one op (0 = ORT default, all cores). Default 0. */
  readonly intraOpThreads?: number;
  /** Threads across independent ops (0 = ORT default). Default 0. */
  readonly interOpThreads?: number;
  /** Receives the single fallback warning. Default `console.warn`. */
  readonly warn?: (message: string) => void;
}

/** Creates ORT sessions; injectable so the fallback path can be tested. */
export type SessionFactory = (model: Uint8Array | string, options: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession>;

const defaultFactory: SessionFactory = (model, options) =>
  typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);

/** A created session with the provider it actually runs on. */
export interface DeviceSession {
  readonly session: ort.InferenceSession;
  readonly provider: ProviderName;
}

/**
 * Session creation with the configured providers and the CUDA→CPU fallback.
 * After the first fallback the device remembers it and goes straight to CPU
 * (one warning per device, not per session).
 */
export class Device {
  readonly #providers: ProviderName[];
  readonly #intra: number;
  readonly #inter: number;
  readonly #warn: (m: string) => void;
  readonly #factory: SessionFactory;
  #fellBack = false;

  constructor(config: DeviceConfig = {}, factory: SessionFactory = defaultFactory) {
    const providers = config.providers ?? ['cpu'];
    if (providers.length === 0) throw new Error('device: providers must not be empty (got [])');
    for (const p of providers) if (p !== 'cuda' && p !== 'cpu') throw new Error(`device: unknown provider ${JSON.stringify(p)} (expected "cuda" or "cpu")`);
    for (const [k, v] of [['intraOpThreads', config.intraOpThreads], ['interOpThreads', config.interOpThreads]] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new Error(`device: ${k} must be a non-negative integer, got ${v}`);
    }
    this.#providers = [...providers];
    this.#intra = config.intraOpThreads ?? 0;
    this.#inter = config.interOpThreads ?? 0;
    this.#warn = config.warn ?? ((m) => console.warn(m));
    this.#factory = factory;
  }

  /** The provider sessions will use: the first configured one, or `cpu` after a fallback. */
  get provider(): ProviderName {
    return this.#fellBack ? 'cpu' : this.#providers[0];
  }

  /** Thread settings, for recording in run metadata. */
  get threads(): { intraOp: number; interOp: number } {
    return { intraOp: this.#intra, interOp: this.#inter };
  }

  #options(providers: readonly ProviderName[]): ort.InferenceSession.SessionOptions {
    return {
      executionProviders: [...providers],
      intraOpNumThreads: this.#intra,
      interOpNumThreads: this.#inter,
      graphOptimizationLevel: 'all',
    };
  }

  /** Creates a session for an ONNX model (bytes or file path) and says which provider it got. */
  async session(model: Uint8Array | string): Promise<DeviceSession> {
    const providers = this.#fellBack ? ['cpu' as const] : this.#providers;
    try {
      const session = await this.#factory(model, this.#options(providers));
      return { session, provider: providers[0] };
    } catch (err) {
      if (!providers.includes('cuda') || !providers.includes('cpu')) throw err;
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      this.#warn(
        `device: CUDA execution provider unavailable (${msg}); falling back to CPU. ` +
          'See docs/models.md "Enabling CUDA" to install the GPU build of onnxruntime-node.',
      );
      this.#fellBack = true;
      const session = await this.#factory(model, this.#options(['cpu']));
      return { session, provider: 'cpu' };
    }
  }
}
