//! A test host for the Fluent Bit filter build (`pkg/fluentbit/cloudtrail_filter.wasm`) that calls
//! it the way Fluent Bit's `filter_wasm` does with `Event_Format json`
//! (fluent/fluent-bit `src/wasm/flb_wasm.c`, `flb_wasm_call_function_format_json`):
//!
//! 1. copy the tag and the record into linear memory with the module's exported `malloc`, each
//!    with a trailing NUL that the passed lengths do not count (`wasm_runtime_module_dup_data`);
//! 2. call `fn(tag, tag_len, time_sec, time_nsec, record, record_len) -> i32`;
//! 3. check the returned address names a NUL-terminated string inside linear memory
//!    (`wasm_runtime_validate_app_str_addr`) and copy it up to the NUL (`flb_strdup`);
//! 4. `free` both copies.
//!
//! Fluent Bit then drops the record when the result is NULL or empty, and when it is not a JSON
//! object; [`Outcome`] reports which of these happened so tests can assert none of them does.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use wasmtime::error::Context;
use wasmtime::{bail, format_err, Config, Engine, Instance, Memory, Module, Result, Store, TypedFunc};

/// The filter functions the module exports (Fluent Bit's `Function_Name`).
pub const FUNCTIONS: &[&str] =
    &["cloudtrail_filter", "cloudtrail_filter_passthrough", "cloudtrail_filter_ecs", "cloudtrail_filter_ocsf"];

/// Where the build script puts the filter; `FLUENTBIT_WASM` overrides it.
pub fn wasm_path() -> PathBuf {
    match std::env::var_os("FLUENTBIT_WASM") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pkg/fluentbit/cloudtrail_filter.wasm"),
    }
}

/// The engine and compiled module, shared by every test (compiling is the slow part).
pub fn compiled() -> &'static (Engine, Module) {
    static COMPILED: OnceLock<(Engine, Module)> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let mut config = Config::new();
        // Proposals WAMR builds may lack stay off (threads are off with the feature), so the
        // module is checked not to need them.
        config.wasm_simd(false).wasm_relaxed_simd(false).wasm_tail_call(false);
        // For measuring how much native stack the deepest record needs (docs/FLUENTBIT.md).
        if let Some(bytes) = std::env::var("FLUENTBIT_HOST_MAX_WASM_STACK").ok().and_then(|v| v.parse().ok()) {
            config.max_wasm_stack(bytes);
        }
        let engine = Engine::new(&config).expect("wasmtime engine");
        let path = wasm_path();
        let module = Module::from_file(&engine, &path)
            .unwrap_or_else(|e| panic!("cannot load {} (run scripts/build.d/fluentbit.sh): {e:#}", path.display()));
        (engine, module)
    })
}

/// What Fluent Bit would do with one call's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The function returned NULL: the record is skipped.
    Null,
    /// The returned address does not name a NUL-terminated string inside linear memory: the
    /// record is skipped with a warning.
    Invalid,
    /// The string, as copied by `flb_strdup` (bytes before the NUL).
    Text(Vec<u8>),
}

/// One instantiated filter, as one `[FILTER] Name wasm` section holds one.
pub struct Filter {
    store: Store<()>,
    memory: Memory,
    malloc: TypedFunc<u32, u32>,
    free: TypedFunc<u32, ()>,
    func: TypedFunc<(u32, u32, u32, u32, u32, u32), u32>,
}

impl Filter {
    /// Instantiates the module with no imports at all (it must need none) and looks up
    /// `function`, checking its signature is Fluent Bit's.
    pub fn new(function: &str) -> Result<Filter> {
        let (engine, module) = compiled();
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, module, &[]).context("instantiate with no imports")?;
        let memory = instance.get_memory(&mut store, "memory").ok_or_else(|| format_err!("no exported memory"))?;
        let malloc = instance.get_typed_func::<u32, u32>(&mut store, "malloc").context("malloc(i32) -> i32")?;
        let free = instance.get_typed_func::<u32, ()>(&mut store, "free").context("free(i32)")?;
        let func = instance
            .get_typed_func::<(u32, u32, u32, u32, u32, u32), u32>(&mut store, function)
            .with_context(|| format!("{function}(i32 x 6) -> i32"))?;
        Ok(Filter { store, memory, malloc, free, func })
    }

    /// Current linear memory size in bytes.
    pub fn memory_size(&self) -> usize {
        self.memory.data_size(&self.store)
    }

    /// `wasm_runtime_module_dup_data(data, len + 1)` as flb_wasm.c calls it.
    fn dup_with_nul(&mut self, data: &[u8]) -> Result<u32> {
        let len = u32::try_from(data.len() + 1).context("data over 4 GiB")?;
        let ptr = self.malloc.call(&mut self.store, len)?;
        if ptr == 0 {
            bail!("module malloc({len}) returned NULL");
        }
        self.memory.write(&mut self.store, ptr as usize, data)?;
        self.memory.write(&mut self.store, ptr as usize + data.len(), &[0])?;
        Ok(ptr)
    }

    /// One `flb_wasm_call_function_format_json`. A trap is an error (Fluent Bit would log it and
    /// skip the record).
    pub fn call(&mut self, tag: &[u8], time_sec: u32, time_nsec: u32, record: &[u8]) -> Result<Outcome> {
        let tag_ptr = self.dup_with_nul(tag)?;
        let rec_ptr = self.dup_with_nul(record)?;
        let args = (tag_ptr, tag.len() as u32, time_sec, time_nsec, rec_ptr, record.len() as u32);
        let ret = self.func.call(&mut self.store, args);
        let outcome = ret.map(|addr| self.read_c_string(addr));
        // Freed on every path, as the host does.
        self.free.call(&mut self.store, tag_ptr)?;
        self.free.call(&mut self.store, rec_ptr)?;
        outcome.context("filter function trapped")
    }

    /// The result address, checked and copied as WAMR and `flb_strdup` do.
    fn read_c_string(&self, addr: u32) -> Outcome {
        if addr == 0 {
            return Outcome::Null;
        }
        let data = self.memory.data(&self.store);
        let Some(tail) = data.get(addr as usize..) else { return Outcome::Invalid };
        match tail.iter().position(|&b| b == 0) {
            Some(n) => Outcome::Text(tail[..n].to_vec()),
            None => Outcome::Invalid,
        }
    }

    /// The address the last call returned would be read from: for checking the output buffer is
    /// the module's own and reused.
    pub fn call_addr(&mut self, record: &[u8]) -> Result<u32> {
        let tag_ptr = self.dup_with_nul(b"t")?;
        let rec_ptr = self.dup_with_nul(record)?;
        let ret = self.func.call(&mut self.store, (tag_ptr, 1, 0, 0, rec_ptr, record.len() as u32));
        self.free.call(&mut self.store, tag_ptr)?;
        self.free.call(&mut self.store, rec_ptr)?;
        ret.context("filter function trapped")
    }
}
