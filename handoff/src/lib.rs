//! The hand-off module: what only the Hand-off step needs, done with the bundle JSON the page
//! made. It encrypts it (age) and writes the bundle's other files from it (README, `.env`,
//! `.sh`, `.ics`, the vendor's test scripts). It also writes the Exchange Online scripts from
//! their input (`ScriptInput::to_text`), which the legacy mode needs on Apply. The page
//! fetches it with its Subresource Integrity hash once Apply starts; its first load carries no
//! X25519, ChaCha20 or scrypt and none of those renderers. For encryption the page also passes the randomness
//! (`crypto.getRandomValues`, [`bundle::RANDOM_BYTES`] bytes per file).

use mailgrant_core::bundle::{self, BundleError, BundleFile, Passphrase, Randomness, SCRYPT_LOG_N};
use mailgrant_core::powershell::{self, ScriptInput};
use wasm_bindgen::prelude::*;

// As in the page: talc, not dlmalloc (the module is single-threaded; scrypt's 64 MiB is one
// allocation, free for reuse once a file is sealed; wasm memory never shrinks, whichever the
// allocator).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn randomness(random: &[u8]) -> Result<Randomness, JsValue> {
    random
        .try_into()
        .map(Randomness)
        .map_err(|_| JsValue::from_str("the page passed the wrong number of random bytes"))
}

fn thrown(e: BundleError) -> JsValue {
    JsValue::from_str(&e.to_string())
}

/// `plaintext` encrypted to the vendor's age X25519 recipient; throws why not.
#[wasm_bindgen]
pub fn seal_to_recipient(
    plaintext: &[u8],
    recipient: &str,
    random: &[u8],
) -> Result<Vec<u8>, JsValue> {
    bundle::seal_to_recipient(plaintext, recipient, randomness(random)?).map_err(thrown)
}

/// `plaintext` encrypted with the admin's passphrase (scrypt 2^16); `suggested`: it is the
/// page's own suggestion, unchanged (its strength is known). Throws why not.
#[wasm_bindgen]
pub fn seal_with_passphrase(
    plaintext: &[u8],
    passphrase: String,
    suggested: bool,
    random: &[u8],
) -> Result<Vec<u8>, JsValue> {
    let suggestion = if suggested {
        passphrase.clone()
    } else {
        String::new()
    };
    let p = Passphrase::submitted(passphrase, &suggestion);
    bundle::seal_with_passphrase(plaintext, &p, SCRYPT_LOG_N, randomness(random)?).map_err(thrown)
}

/// The bundle's file `file` (`BundleFile::as_str`: `env`, `sh`, `readme`, `ics`, `test-ps1`,
/// `test-sh`) written from the bundle JSON `plaintext`; throws why not.
#[wasm_bindgen]
pub fn render(plaintext: &[u8], file: &str) -> Result<Vec<u8>, JsValue> {
    let what = BundleFile::parse(file)
        .ok_or_else(|| JsValue::from_str(&format!("it cannot write a “{file}” file")))?;
    let text = std::str::from_utf8(plaintext)
        .map_err(|_| JsValue::from_str("the bundle is not UTF-8 text"))?;
    let b = bundle::read_json(text).map_err(thrown)?;
    what.render(&b).map(String::into_bytes).ok_or_else(|| {
        JsValue::from_str("this credential does not expire: there is nothing to remind of")
    })
}

/// The Exchange Online script `which` (`setup` or `rollback`) written from the scripts' input
/// text `input` (`ScriptInput::to_text`): its text, or with `download` the bytes of its `.ps1`
/// file (a byte-order mark and CRLF line endings, for Windows PowerShell 5.1). Throws why not.
#[wasm_bindgen]
pub fn script(input: &[u8], which: &str, download: bool) -> Result<Vec<u8>, JsValue> {
    let text = std::str::from_utf8(input)
        .map_err(|_| JsValue::from_str("the scripts' input is not UTF-8 text"))?;
    let input = ScriptInput::from_text(text)
        .map_err(|e| JsValue::from_str(&format!("the scripts' input: {e}")))?;
    let script = match which {
        "setup" => powershell::setup_script(&input),
        "rollback" => powershell::rollback_script(&input),
        _ => {
            return Err(JsValue::from_str(&format!(
                "it cannot write a “{which}” script"
            )))
        }
    }
    .map_err(|e| JsValue::from_str(&e.to_string()))?;
    Ok(if download {
        powershell::download_bytes(&script)
    } else {
        script.into_bytes()
    })
}
