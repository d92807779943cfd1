//! The hand-off module (crate `mailgrant-handoff`): age encryption of the bundle, fetched once
//! Apply starts. The page's bootstrap (xtask `csp.rs`) defines `mailgrantHandOff()`, which
//! imports its JS glue (integrity from the import map) and fetches its `.wasm` with its
//! integrity, once; a failed load is forgotten, so the next try fetches again.

use js_sys::{Function, Promise, Reflect, Uint8Array};
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
    let bytes: JsValue = Uint8Array::from(plaintext).into();
    let answer = match seal {
        Seal::Recipient(r) => {
            function("seal_to_recipient")?.call2(&JsValue::NULL, &bytes, &r.into())
        }
        Seal::Passphrase { text, suggested } => function("seal_with_passphrase")?.call3(
            &JsValue::NULL,
            &bytes,
            &text.into(),
            &JsValue::from_bool(*suggested),
        ),
    }
    .map_err(|e| SealError::Refused(e.as_string().unwrap_or_default()))?;
    answer
        .dyn_into::<Uint8Array>()
        .map(|b| b.to_vec())
        .map_err(|_| SealError::Unavailable("its answer was not a file".into()))
}
