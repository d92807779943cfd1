// Talc instead of the standard library's dlmalloc: smaller in the page's wasm, and faster
// (talc's WebAssembly benchmarks); the page is single-threaded (no `atomics`).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    mailgrant::start();
}
