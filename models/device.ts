/**
 * The one place ONNX Runtime sessions are created. A `Device` is built from
 * config (execution providers, threads) and passed in to whoever needs a
 * session — nothing probes the hardware globally.
 *
 * onnxruntime-node does not fall back by itself: `executionProviders:
 * ['cuda','cpu']` throws when the CUDA provider cannot load (e.g. the bundled
 * CPU-only build, or missing CUDA libraries), and `['webgpu','cpu']` throws
 * when no WebGPU adapter exists (no Vulkan driver). We catch that, log one
 * warning per provider that failed, try the next configured one (CPU last),
 * and report the provider actually used so callers can record it in run
 * metadata.
 */
import * as ort from 'onnxruntime-node';
import { ortClock } from './ort-clock.js';

/**
 * Execution providers flywheel knows how to request: `cuda` (needs the GPU
 * build, see docs/models.md), `webgpu` (bundled in onnxruntime-node's
 * linux-x64/win/mac binaries; needs a Vulkan/Metal/D3D12 driver) and `cpu`.
 */
export const PROVIDER_NAMES = ['cuda', 'webgpu', 'cpu'] as const;

/** One of {@link PROVIDER_NAMES}. */
export type ProviderName = (typeof PROVIDER_NAMES)[number];

const LABEL: Readonly<Record<ProviderName, string>> = { cuda: 'CUDA', webgpu: 'WebGPU', cpu: 'CPU' };

/** Device settings, typically from the job config. */
export interface DeviceConfig {
  /** Providers in order of preference. Default `['cpu']`. Example: `['cuda', 'cpu']`, `['webgpu', 'cpu']`. */
  readonly providers?: readonly ProviderName[];
  /** Threads inside one op (0 = ORT default, all cores). Default 0. */
  readonly intraOpThreads?: number;
  /** Threads across independent ops (0 = ORT default). Default 0. */
  readonly interOpThreads?: number;
  /** Receives the single fallback warning. Default `console.warn`. */
  readonly warn?: (message: string) => void;
}

/** Creates ORT sessions; injectable so the fallback path can be tested. */
export type SessionFactory = (
  model: Uint8Array | string,
  options: ort.InferenceSession.SessionOptions,
) => Promise<ort.InferenceSession>;

const defaultFactory: SessionFactory = (model, options) =>
  typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);

/** A created session with the provider it actually runs on. */
export interface DeviceSession {
  readonly session: ort.InferenceSession;
  readonly provider: ProviderName;
}

/**
 * Session creation with the configured providers and the GPU→CPU fallback.
 * After a fallback the device remembers it and goes straight to the provider
 * that worked (one warning per failed provider and device, not per session).
 */
export class Device {
  readonly #providers: ProviderName[];
  readonly #intra: number;
  readonly #inter: number;
  readonly #warn: (m: string) => void;
  readonly #factory: SessionFactory;
  /** Index in #providers of the first provider not known to fail. */
  #first = 0;

  constructor(config: DeviceConfig = {}, factory: SessionFactory = defaultFactory) {
    const providers = config.providers ?? ['cpu'];
    if (providers.length === 0) throw new Error('device: providers must not be empty (got [])');
    for (const p of providers) {
      if (!(PROVIDER_NAMES as readonly string[]).includes(p))
        throw new Error(
          `device: unknown provider ${JSON.stringify(p)} (expected one of ${PROVIDER_NAMES.map((n) => JSON.stringify(n)).join(', ')})`,
        );
    }
    for (const [k, v] of [
      ['intraOpThreads', config.intraOpThreads],
      ['interOpThreads', config.interOpThreads],
    ] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < 0))
        throw new Error(`device: ${k} must be a non-negative integer, got ${v}`);
    }
    this.#providers = [...providers];
    this.#intra = config.intraOpThreads ?? 0;
    this.#inter = config.interOpThreads ?? 0;
    this.#warn = config.warn ?? ((m) => console.warn(m));
    this.#factory = factory;
  }

  /** The provider sessions will use: the first configured one not known to fail. */
  get provider(): ProviderName {
    return this.#providers[this.#first];
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

  /**
   * Creates a session for an ONNX model (bytes or file path) and says which provider it got. A GPU
   * provider that fails to load is skipped with one warning when a later provider is configured.
   * `label` names the graph in the ONNX Runtime time tally (`ort-clock.ts`, on only in benchmarks).
   */
  async session(model: Uint8Array | string, label = 'onnx'): Promise<DeviceSession> {
    for (;;) {
      const providers = this.#providers.slice(this.#first);
      const provider = providers[0];
      try {
        const create = (): Promise<ort.InferenceSession> => this.#factory(model, this.#options(providers));
        if (!ortClock.enabled) return { session: await create(), provider };
        const session = await ortClock.time(`${label} (create)`, create);
        ortClock.wrap(session, label);
        return { session, provider };
      } catch (err) {
        if (provider === 'cpu' || providers.length === 1) throw err;
        const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
        const next = providers[1];
        this.#warn(
          `device: ${LABEL[provider]} execution provider unavailable (${msg}); falling back to ${LABEL[next]}. ` +
            `See docs/models.md "Device" to enable ${LABEL[provider]}, and \`npm run gpu-check\` to test a machine.`,
        );
        this.#first++;
      }
    }
  }
}
