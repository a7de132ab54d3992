/**
 * Serializes a `Graph` to ONNX ModelProto bytes (opset 17, IR 8) with
 * onnx-proto, so any ONNX runtime can load it.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { type AttrValue, type DType, type Graph, type Shape, type Tensor, type TensorData } from './graph.js';

const { onnx } = onnxProto;

/** The ai.onnx opset every graph targets (LayerNormalization, ScatterND reduction need ≥ 16/17). */
export const OPSET = 17;

const ELEM: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
  uint8: onnx.TensorProto.DataType.UINT8,
};

function raw(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function tensorProto(name: string, dtype: DType, dims: readonly number[], data: TensorData): OnnxTypes.ITensorProto {
  return { name, dataType: ELEM[dtype], dims: [...dims], rawData: raw(data) };
}

function valueInfo(name: string, dtype: DType, shape: Shape): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM[dtype],
        // Derived symbolic dims (e.g. `B*T`) are written as unknown dims.
        shape: {
          dim: shape.map((d) =>
            typeof d === 'number' ? { dimValue: d } : /^[A-Za-z_][A-Za-z0-9_]*$/.test(d) ? { dimParam: d } : {},
          ),
        },
      },
    },
  };
}

function attribute(name: string, a: AttrValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
    case 'tensor': {
      return { name, type: T.TENSOR, t: tensorProto('', a.dtype, [a.data.length], a.data) };
    }
  }
}

/** Options for serialization. */
export interface SerializeOptions {
  /** Free-text description stored in the model's doc string. */
  readonly doc?: string;
}

/** Encodes the graph as ModelProto bytes. Only nodes reachable from the outputs are written. */
export function serialize(graph: Graph, opts: SerializeOptions = {}): Uint8Array {
  const needed = new Set<string>();
  for (const o of graph.outputs) needed.add(o.name);
  const kept: typeof graph.nodes = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i];
    if (!n.outputs.some((o) => needed.has(o.name))) continue;
    kept.push(n);
    for (const inp of n.inputs) if (inp) needed.add(inp.name);
  }
  kept.reverse();
  const nodes: OnnxTypes.INodeProto[] = kept.map((n) => ({
    opType: n.op,
    input: n.inputs.map((t: Tensor | null) => (t ? t.name : '')),
    output: n.outputs.map((t) => t.name),
    attribute: Object.entries(n.attrs).map(([k, v]) => attribute(k, v)),
  }));
  const model: OnnxTypes.IModelProto = {
    irVersion: 8,
    producerName: 'flywheel',
    docString: opts.doc ?? '',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: graph.name,
      node: nodes,
      input: graph.inputs.map((t) => valueInfo(t.name, t.dtype, t.shape)),
      output: graph.outputs.map((o) => valueInfo(o.name, o.tensor.dtype, o.tensor.shape)),
      initializer: graph.initializers
        .filter((i) => needed.has(i.tensor.name))
        .map((i) => tensorProto(i.tensor.name, i.tensor.dtype, i.tensor.shape as number[], i.data)),
    },
  };
  return onnx.ModelProto.encode(model).finish();
}
