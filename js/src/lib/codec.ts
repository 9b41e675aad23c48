// Binary array transport: Python sends {dtype, shape, buffer} and ipywidgets
// hands us the buffer as a DataView that may point into the middle of a larger
// message buffer. Typed-array views need an offset that is a multiple of the
// element size, so an unaligned slice is copied instead of viewed.

export type NumericArray =
  | Float32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array;

export type DType =
  | "float16"
  | "float32"
  | "float64"
  | "uint8"
  | "int8"
  | "uint16"
  | "int16"
  | "uint32"
  | "int32"
  | "bool";

export interface Decoded<T extends NumericArray = NumericArray> {
  data: T;
  shape: number[];
  dtype: DType;
}

export interface Encoded {
  dtype: string;
  shape: readonly number[];
  buffer: DataView | ArrayBuffer | ArrayBufferView;
}

interface Kind {
  size: number;
  make: (buf: ArrayBuffer, offset: number, length: number) => NumericArray;
}

const KINDS: Record<Exclude<DType, "float16">, Kind> = {
  float32: { size: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  float64: { size: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  uint8: { size: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  bool: { size: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  int8: { size: 1, make: (b, o, n) => new Int8Array(b, o, n) },
  uint16: { size: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  int16: { size: 2, make: (b, o, n) => new Int16Array(b, o, n) },
  uint32: { size: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  int32: { size: 4, make: (b, o, n) => new Int32Array(b, o, n) },
};

// numpy's short codes, so `arr.dtype.str` works as well as `arr.dtype.name`.
const ALIASES: Record<string, DType> = {
  f2: "float16", f4: "float32", f8: "float64", u1: "uint8", i1: "int8",
  u2: "uint16", i2: "int16", u4: "uint32", i4: "int32", b1: "bool",
  half: "float16", float: "float32", double: "float64",
};

// Own keys only: "constructor" must not pass as a dtype via the prototype.
const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function normalizeDType(raw: unknown): DType {
  if (typeof raw !== "string") throw new Error(`array dtype must be a string, got ${describe(raw)}`);
  let name = raw.trim().toLowerCase();
  if (name.startsWith(">")) {
    throw new Error(`big-endian dtype ${raw} is not supported; send little-endian data`);
  }
  name = name.replace(/^[<|=]/, "");
  const dtype = (has(ALIASES, name) ? ALIASES[name] : undefined) ?? name;
  if (dtype !== "float16" && !has(KINDS, dtype)) {
    throw new Error(`unsupported array dtype ${JSON.stringify(raw)}`);
  }
  return dtype as DType;
}

export function itemSize(dtype: DType): number {
  return dtype === "float16" ? 2 : KINDS[dtype].size;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v;
}

function checkShape(raw: unknown): number[] {
  if (!Array.isArray(raw)) throw new Error(`array shape must be a list of integers, got ${describe(raw)}`);
  return raw.map((d) => {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new Error(`array shape must hold non-negative integers, got [${raw.join(", ")}]`);
    }
    return d;
  });
}

export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function bytesOf(buf: unknown): { buffer: ArrayBuffer; offset: number; length: number } {
  if (buf instanceof ArrayBuffer) return { buffer: buf, offset: 0, length: buf.byteLength };
  if (ArrayBuffer.isView(buf)) {
    // Covers DataView and every typed array; SharedArrayBuffer is not expected here.
    return { buffer: buf.buffer as ArrayBuffer, offset: buf.byteOffset, length: buf.byteLength };
  }
  throw new Error(`array buffer must be a DataView, ArrayBuffer or Uint8Array, got ${describe(buf)}`);
}

/** Convert one IEEE 754 binary16 bit pattern to a JS number (exact). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Decode a transported array into a typed array view (or copy) plus its shape. */
export function decode(obj: unknown): Decoded {
  if (obj === null || typeof obj !== "object") {
    throw new Error(`expected an array object {dtype, shape, buffer}, got ${describe(obj)}`);
  }
  const enc = obj as Partial<Encoded>;
  const dtype = normalizeDType(enc.dtype);
  const shape = checkShape(enc.shape);
  const { buffer, offset, length } = bytesOf(enc.buffer);
  const size = itemSize(dtype);
  const count = product(shape);
  if (length !== count * size) {
    throw new Error(
      `array of dtype ${dtype} and shape [${shape.join(", ")}] needs ${count * size} bytes, got ${length}`,
    );
  }
  if (dtype === "float16") {
    // DataView reads are alignment-free, so no copy is needed before converting.
    const view = new DataView(buffer, offset, length);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
    return { data: out, shape, dtype };
  }
  const kind = KINDS[dtype];
  if (offset % kind.size === 0) return { data: kind.make(buffer, offset, count), shape, dtype };
  const copy = new Uint8Array(buffer, offset, length).slice().buffer;
  return { data: kind.make(copy, 0, count), shape, dtype };
}

/** Row-major flat index of `idx` in an array of `shape`. */
export function index(shape: readonly number[], ...idx: number[]): number {
  if (idx.length !== shape.length) {
    throw new RangeError(`index needs ${shape.length} coordinates, got ${idx.length}`);
  }
  let flat = 0;
  for (let d = 0; d < shape.length; d++) {
    const i = idx[d]!;
    const n = shape[d]!;
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new RangeError(`index ${i} out of range for axis ${d} of size ${n}`);
    }
    flat = flat * n + i;
  }
  return flat;
}

/** An array ready to send: what `decode` reads and Python's `unpack` accepts. */
export interface EncodedArray {
  dtype: Exclude<DType, "float16" | "bool">;
  shape: number[];
  buffer: DataView;
}

function dtypeOf(data: NumericArray): EncodedArray["dtype"] {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Uint8Array) return "uint8";
  if (data instanceof Int8Array) return "int8";
  if (data instanceof Uint16Array) return "uint16";
  if (data instanceof Int16Array) return "int16";
  if (data instanceof Uint32Array) return "uint32";
  if (data instanceof Int32Array) return "int32";
  throw new Error("encode needs a numeric typed array");
}

/**
 * Pack a typed array as `{dtype, shape, buffer}` for a trait sent to Python;
 * ipywidgets turns the DataView into a binary comm buffer. The bytes are
 * copied into a buffer of their own (offset 0, exact length: some widget
 * managers send a view's whole underlying buffer), so changing `data`
 * afterwards cannot alter a message not yet sent either. Typed arrays use
 * the platform byte order, little-endian on every browser.
 */
export function encode(data: NumericArray, shape: readonly number[] = [data.length]): EncodedArray {
  const dtype = dtypeOf(data);
  const dims = checkShape(shape as unknown);
  if (product(dims) !== data.length) {
    throw new Error(`shape [${dims.join(", ")}] needs ${product(dims)} values, got ${data.length}`);
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return { dtype, shape: dims, buffer: new DataView(bytes.buffer) };
}
