//! The first load: draws Welcome ([`mailgrant::boot`]) and hands over to the page's module.

// The same allocator as the page's module (see `src/main.rs`).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    mailgrant::boot::start();
}
