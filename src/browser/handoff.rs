//! The hand-off module (crate `mailgrant-handoff`): age encryption of the bundle, its other
//! files and the Exchange scripts, fetched once Apply starts. The page's bootstrap (xtask
//! `csp.rs`) defines `mailgrantHandOff()`, which imports its JS glue (integrity from the import
//! map) and fetches its `.wasm` with its integrity, once; a failed load is forgotten, so the
//! next try fetches again.

use js_sys::{Array, Function, Reflect, Uint8Array};
use mailgrant_core::bundle::RANDOM_BYTES;
use mailgrant_core::wizard::{ModuleError, ModuleTask};
use wasm_bindgen::{JsCast, JsValue};

async fn module() -> Result<JsValue, String> {
    super::lazy_module("mailgrantHandOff").await
}

/// Starts loading the module (the admin will need it soon); a failure is said at first use.
pub fn prefetch() {
    super::prefetch_module("mailgrantHandOff");
}

/// What the module makes of `plaintext` (the bundle JSON, or the scripts' input) as `task`
/// says: the file's bytes.
pub async fn run(plaintext: &[u8], task: &ModuleTask) -> Result<Vec<u8>, ModuleError> {
    let module = module().await.map_err(ModuleError::Unavailable)?;
    let args = Array::new();
    args.push(&Uint8Array::from(plaintext));
    // For encryption: the file key, ephemeral key or salt and nonce, fresh from the browser's
    // generator, once per file (the module draws no randomness itself).
    let random = || {
        super::random_bytes::<RANDOM_BYTES>()
            .map(|r| JsValue::from(Uint8Array::from(r.as_slice())))
            .map_err(ModuleError::Unavailable)
    };
    let name = match task {
        ModuleTask::Recipient(r) => {
            args.push(&r.into());
            args.push(&random()?);
            "seal_to_recipient"
        }
        ModuleTask::Passphrase { text, suggested } => {
            args.push(&text.into());
            args.push(&JsValue::from_bool(*suggested));
            args.push(&random()?);
            "seal_with_passphrase"
        }
        ModuleTask::Render(what) => {
            args.push(&what.as_str().into());
            "render"
        }
        ModuleTask::Script { rollback } => {
            args.push(&if *rollback { "rollback" } else { "setup" }.into());
            args.push(&JsValue::TRUE);
            "script"
        }
    };
    call(&module, name, &args).await
}

/// The setup script's text, written by the module from the scripts' `input` (text), for the
/// screen.
pub async fn script_text(input: &str) -> Result<String, ModuleError> {
    let module = module().await.map_err(ModuleError::Unavailable)?;
    let args = Array::of3(
        &Uint8Array::from(input.as_bytes()),
        &"setup".into(),
        &JsValue::FALSE,
    );
    let bytes = call(&module, "script", &args).await?;
    String::from_utf8(bytes).map_err(|_| ModuleError::Unavailable("its answer was not text".into()))
}

/// The module's function `name` applied to `args`: the bytes it returned.
async fn call(module: &JsValue, name: &str, args: &Array) -> Result<Vec<u8>, ModuleError> {
    let function: Function = Reflect::get(module, &name.into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| ModuleError::Unavailable(format!("it has no {name}")))?;
    let answer = function
        .apply(&JsValue::NULL, args)
        .map_err(|e| ModuleError::Refused(e.as_string().unwrap_or_default()))?;
    answer
        .dyn_into::<Uint8Array>()
        .map(|b| b.to_vec())
        .map_err(|_| ModuleError::Unavailable("its answer was not a file".into()))
}
