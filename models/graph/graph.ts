/**
 * Symbolic ONNX graph: typed tensors (dtype + shape with symbolic dims), nodes,
 * inputs, initializers and outputs. Ops live in `ops.ts`; this file only holds
 * the data structure the ops append to and the autodiff walks over.
 */

/** Element types the builder supports (the ones our models and ORT's CPU kernels need). */
export type DType = 'float32' | 'float64' | 'int64' | 'bool' | 'uint8';

/** Float element types: the ones gradients flow through. */
export type FloatDType = 'float32' | 'float64';

/** One dimension: a known size, or a symbolic name (e.g. `'B'`) whose size is fixed at run time. */
export type Dim = number | string;

/** A static shape; symbolic dims are strings. */
export type Shape = readonly Dim[];

/** Typed array matching a dtype, used for initializer data. */
export type TensorData = Float32Array | Float64Array | BigInt64Array | Uint8Array;

/** Attribute values an ONNX node can carry (only the kinds our ops use). */
export type AttrValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly dtype: DType; readonly data: TensorData };

/** A node of the graph: one ONNX op application. */
export interface Node {
  readonly op: string;
  /** Inputs; `null` marks an omitted optional input. */
  readonly inputs: readonly (Tensor | null)[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
  /** True for `stopGradient` identities: autodiff never flows through them. */
  readonly noGrad: boolean;
}

/** What kind of value a tensor is: its role decides how it is serialized. */
export type TensorKind = 'input' | 'initializer' | 'node';

/**
 * A symbolic tensor: a named value in one graph with a dtype and a (partly
 * symbolic) static shape. Shapes are tracked so autodiff can un-broadcast
 * gradients (sum-to-shape) without run-time shape logic.
 */
export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly kind: TensorKind,
    /** Producing node for `kind === 'node'`. */
    readonly producer: Node | null,
  ) {}

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }
}

/** Initializer data with its dtype and shape, as it will be serialized. */
export interface Initializer {
  readonly tensor: Tensor;
  readonly data: TensorData;
}

/**
 * A graph under construction. Ops append nodes in creation order, which is a
 * valid topological order — the autodiff relies on it.
 */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly initializers: Initializer[] = [];
  readonly outputs: { tensor: Tensor; name: string }[] = [];
  #counter = 0;
  readonly #names = new Set<string>();

  /** @param name graph name written into the ModelProto. */
  constructor(readonly name = 'flywheel') {}

  /** A fresh unused value name with a readable prefix (claimed when a value takes it). */
  fresh(prefix: string): string {
    let n: string;
    do {
      n = `${prefix}_${this.#counter++}`;
    } while (this.#names.has(n));
    return n;
  }

  #claim(name: string): void {
    if (this.#names.has(name)) throw new Error(`graph ${this.name}: value name "${name}" is already used`);
    this.#names.add(name);
  }

  /** Declares a graph input. */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    this.#claim(name);
    const t = new Tensor(this, name, dtype, shape, 'input', null);
    this.inputs.push(t);
    return t;
  }

  /** Declares an initializer (a constant stored in the model file). */
  initializer(name: string, dtype: DType, shape: readonly number[], data: TensorData): Tensor {
    this.#claim(name);
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n)
      throw new Error(`initializer ${name}: shape [${shape.join(',')}] needs ${n} values, got ${data.length}`);
    const t = new Tensor(this, name, dtype, shape, 'initializer', null);
    this.initializers.push({ tensor: t, data });
    return t;
  }

  /** Appends a node with the given outputs' dtypes and shapes and returns its output tensors. */
  node(
    op: string,
    inputs: readonly (Tensor | null)[],
    outs: readonly { dtype: DType; shape: Shape }[],
    attrs: Record<string, AttrValue> = {},
    noGrad = false,
  ): Tensor[] {
    for (const i of inputs) {
      if (i && i.graph !== this) throw new Error(`${op}: input ${i.name} belongs to another graph`);
    }
    const outputs: Tensor[] = [];
    const node: Node = { op, inputs, outputs, attrs, noGrad };
    for (const o of outs) {
      const name = this.fresh(op.toLowerCase());
      this.#claim(name);
      outputs.push(new Tensor(this, name, o.dtype, o.shape, 'node', node));
    }
    this.nodes.push(node);
    return outputs;
  }

  /** Marks a tensor as a graph output under `name` (an Identity node gives it that name). */
  output(t: Tensor, name: string): void {
    this.#claim(name);
    const out = new Tensor(this, name, t.dtype, t.shape, 'node', null);
    const node: Node = { op: 'Identity', inputs: [t], outputs: [out], attrs: {}, noGrad: false };
    this.nodes.push(node);
    this.outputs.push({ tensor: out, name });
  }
}

/** Number of elements of a fully numeric shape; throws on symbolic dims. */
export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') throw new Error(`shape [${shape.join(',')}] has a symbolic dim`);
    n *= d;
  }
  return n;
}

/** Typed array constructor for a dtype. */
export function allocate(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'bool':
    case 'uint8':
      return new Uint8Array(n);
  }
}

/** True for float dtypes (the ones gradients are defined for). */
export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}
