//! The hand-off module (crate `mailgrant-handoff`): age encryption of the bundle, fetched once
//! Apply starts. The page's bootstrap (xtask `csp.rs`) defines `mailgrantHandOff()`, which
//! imports its JS glue (integrity from the import map) and fetches its `.wasm` with its
//! integrity, once; a failed load is forgotten, so the next try fetches again.

use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use mailgrant_core::bundle::RANDOM_BYTES;
use mailgrant_core::wizard::{Seal, SealError};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

async fn module() -> Result<JsValue, String> {
    let window = web_sys::window().ok_or("no window")?;
    let loader: Function = Reflect::get(&window, &"mailgrantHandOff".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or("this build has no hand-off module")?;
    let promise: Promise = loader
        .call0(&JsValue::NULL)
        .ok()
        .and_then(|p| p.dyn_into().ok())
        .ok_or("the loader did not start")?;
    JsFuture::from(promise)
        .await
        .map_err(|e| e.as_string().unwrap_or_else(|| "it was refused".into()))
}

/// Starts loading the module (the admin will need it soon); a failure is said at first use.
pub fn prefetch() {
    wasm_bindgen_futures::spawn_local(async {
        let _ = module().await;
    });
}

/// `plaintext` (the bundle JSON) encrypted as `seal` says.
pub async fn seal(plaintext: &[u8], seal: &Seal) -> Result<Vec<u8>, SealError> {
    let module = module().await.map_err(SealError::Unavailable)?;
    let function = |name: &str| -> Result<Function, SealError> {
        Reflect::get(&module, &name.into())
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or_else(|| SealError::Unavailable(format!("it has no {name}")))
    };
    // The file key, ephemeral key or salt and nonce: fresh from the browser's generator, once
    // per file (the module draws no randomness itself).
    let random = super::random_bytes::<RANDOM_BYTES>().map_err(SealError::Unavailable)?;
    let args = Array::new();
    args.push(&Uint8Array::from(plaintext));
    match seal {
        Seal::Recipient(r) => args.push(&r.into()),
        Seal::Passphrase { text, suggested } => {
            args.push(&text.into());
            args.push(&JsValue::from_bool(*suggested))
        }
    };
    args.push(&Uint8Array::from(random.as_slice()));
    let name = match seal {
        Seal::Recipient(_) => "seal_to_recipient",
        Seal::Passphrase { .. } => "seal_with_passphrase",
    };
    let answer = function(name)?
        .apply(&JsValue::NULL, &args)
        .map_err(|e| SealError::Refused(e.as_string().unwrap_or_default()))?;
    answer
        .dyn_into::<Uint8Array>()
        .map(|b| b.to_vec())
        .map_err(|_| SealError::Unavailable("its answer was not a file".into()))
}
