// A test host for the Fluent Bit filter build (pkg/fluentbit/cloudtrail_filter.wasm) on Node's own
// WebAssembly engine, calling it the way Fluent Bit's `filter_wasm` does with `Event_Format json`
// (fluent/fluent-bit src/wasm/flb_wasm.c, flb_wasm_call_function_format_json):
//
// 1. copy the tag and the record into linear memory with the module's exported `malloc`, each
//    with a trailing NUL that the passed lengths do not count (wasm_runtime_module_dup_data);
// 2. call `fn(tag, tag_len, time_sec, time_nsec, record, record_len) -> i32`;
// 3. check the returned address names a NUL-terminated string inside linear memory
//    (wasm_runtime_validate_app_str_addr) and copy it up to the NUL (flb_strdup);
// 4. `free` both copies.
//
// Fluent Bit then drops the record when the result is NULL or empty, and when it is not a JSON
// object; `call` reports which of these happened so tests can assert none of them does.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The filter functions the module exports (Fluent Bit's `Function_Name`). */
export const FUNCTIONS = ['cloudtrail_filter', 'cloudtrail_filter_passthrough', 'cloudtrail_filter_ecs', 'cloudtrail_filter_ocsf'];
/** The same with the Sigma rules built in (src/fluentbit.rs; docs/FLUENTBIT.md). */
export const SIGMA_FUNCTIONS = ['cloudtrail_filter_sigma', 'cloudtrail_filter_ecs_sigma', 'cloudtrail_filter_ocsf_sigma'];

/** Where the build script puts the filter; FLUENTBIT_WASM overrides it. */
export function wasmPath() {
  return process.env.FLUENTBIT_WASM || join(ROOT, 'pkg/fluentbit/cloudtrail_filter.wasm');
}

let cached;
/** The module's bytes and compiled module, shared by every test. */
export function compiled() {
  if (!cached) {
    const path = wasmPath();
    let bytes;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new Error(`cannot load ${path} (run scripts/build.d/fluentbit.sh): ${e.message}`);
    }
    cached = { bytes, module: new WebAssembly.Module(bytes) };
  }
  return cached;
}

// ---- signatures, read from the binary (the JS API does not expose function types) -------------

function reader(bytes, start, end) {
  let p = start;
  const r = {
    get pos() {
      return p;
    },
    byte() {
      if (p >= end) throw new Error('wasm: truncated section');
      return bytes[p++];
    },
    u32() {
      let result = 0;
      let shift = 0;
      for (;;) {
        const b = r.byte();
        result |= (b & 0x7f) << shift;
        if (!(b & 0x80)) return result >>> 0;
        shift += 7;
        if (shift > 28) throw new Error('wasm: LEB128 too long');
      }
    },
    name() {
      const n = r.u32();
      const s = Buffer.from(bytes.subarray(p, p + n)).toString('utf8');
      p += n;
      return s;
    },
    skip(n) {
      p += n;
    },
  };
  return r;
}

const VALTYPE = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

/**
 * Every export as `{ name: { kind, params?, results? } }`, with function signatures from the type,
 * import and function sections (enough of the binary format for that, nothing more).
 */
export function exportSignatures(bytes) {
  if (bytes.readUInt32LE(0) !== 0x6d736100 || bytes.readUInt32LE(4) !== 1) throw new Error('not a wasm module (version 1)');
  const types = [];
  const funcTypes = []; // type index of every function, imported ones first
  const exports = {};
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p];
    const head = reader(bytes, p + 1, bytes.length);
    const size = head.u32();
    const start = head.pos;
    const r = reader(bytes, start, start + size);
    if (id === 1) {
      for (let n = r.u32(), i = 0; i < n; i++) {
        if (r.byte() !== 0x60) throw new Error('wasm: a type that is not a function type');
        const params = Array.from({ length: r.u32() }, () => VALTYPE[r.byte()] ?? '?');
        const results = Array.from({ length: r.u32() }, () => VALTYPE[r.byte()] ?? '?');
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = r.u32(), i = 0; i < n; i++) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === 0) funcTypes.push(r.u32());
        else throw new Error('wasm: imports other than functions are not expected here');
      }
    } else if (id === 3) {
      for (let n = r.u32(), i = 0; i < n; i++) funcTypes.push(r.u32());
    } else if (id === 7) {
      for (let n = r.u32(), i = 0; i < n; i++) {
        const name = r.name();
        const kind = r.byte();
        const index = r.u32();
        exports[name] =
          kind === 0 ? { kind: 'function', ...types[funcTypes[index]] } : { kind: ['function', 'table', 'memory', 'global'][kind] ?? String(kind) };
      }
    }
    p = start + size;
  }
  return exports;
}

// ---- the host ---------------------------------------------------------------------------------

/** One instantiated filter, as one `[FILTER] Name wasm` section holds one. */
export class Filter {
  /** Instantiates the module with no imports at all (it must need none) and looks up `fn`. */
  constructor(fn) {
    const { module } = compiled();
    const instance = new WebAssembly.Instance(module, {});
    const x = instance.exports;
    if (!(x.memory instanceof WebAssembly.Memory)) throw new Error('no exported memory');
    for (const name of ['malloc', 'free', fn]) {
      if (typeof x[name] !== 'function') throw new Error(`no exported function ${name}`);
    }
    this.memory = x.memory;
    this.malloc = x.malloc;
    this.free = x.free;
    this.fn = x[fn];
  }

  /** Current linear memory size in bytes. */
  memorySize() {
    return this.memory.buffer.byteLength;
  }

  /** wasm_runtime_module_dup_data(data, len + 1), as flb_wasm.c calls it. */
  dupWithNul(data) {
    if (data.length + 1 > 0xffffffff) throw new Error('data over 4 GiB');
    const ptr = this.malloc(data.length + 1) >>> 0;
    if (ptr === 0) throw new Error(`module malloc(${data.length + 1}) returned NULL`);
    // A fresh view: malloc may have grown (and so replaced) the memory's buffer.
    const mem = new Uint8Array(this.memory.buffer);
    if (ptr + data.length + 1 > mem.length) throw new Error('malloc returned memory outside linear memory');
    mem.set(data, ptr);
    mem[ptr + data.length] = 0;
    return ptr;
  }

  /**
   * One flb_wasm_call_function_format_json: `{ kind: 'null' }`, `{ kind: 'invalid' }` or
   * `{ kind: 'text', text: Buffer }`. A trap throws (Fluent Bit would log it and skip the record).
   */
  call(tag, timeSec, timeNsec, record) {
    const tagPtr = this.dupWithNul(tag);
    const recPtr = this.dupWithNul(record);
    try {
      // i32 arguments: the timestamps wrap as the C host's uint32 → int32 conversion does.
      const addr = this.fn(tagPtr, tag.length, timeSec | 0, timeNsec | 0, recPtr, record.length) >>> 0;
      return this.readCString(addr);
    } finally {
      // Freed on every path, as the host does.
      this.free(tagPtr);
      this.free(recPtr);
    }
  }

  /** The result address, checked and copied as WAMR and flb_strdup do. */
  readCString(addr) {
    if (addr === 0) return { kind: 'null' };
    const mem = new Uint8Array(this.memory.buffer);
    if (addr >= mem.length) return { kind: 'invalid' };
    const nul = mem.indexOf(0, addr);
    if (nul < 0) return { kind: 'invalid' };
    return { kind: 'text', text: Buffer.from(mem.subarray(addr, nul)) };
  }

  /** The address a call's result would be read from: to check the output buffer is reused. */
  callAddr(record) {
    const tagPtr = this.dupWithNul(Buffer.from('t'));
    const recPtr = this.dupWithNul(record);
    try {
      return this.fn(tagPtr, 1, 0, 0, recPtr, record.length) >>> 0;
    } finally {
      this.free(tagPtr);
      this.free(recPtr);
    }
  }
}
