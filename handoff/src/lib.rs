//! The hand-off module: age encryption of the bundle the page made, and nothing else (so it
//! shares almost no code with the page). The page fetches it with its Subresource Integrity
//! hash once Apply starts; its first load carries no X25519, ChaCha20 or scrypt. The page also
//! passes the randomness (`crypto.getRandomValues`, [`bundle::RANDOM_BYTES`] bytes per file).

use mailgrant_core::bundle::{self, BundleError, Passphrase, Randomness, SCRYPT_LOG_N};
use wasm_bindgen::prelude::*;

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
    bundle::seal_to_recipient(plaintext, recipient, &randomness(random)?).map_err(thrown)
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
    bundle::seal_with_passphrase(plaintext, &p, SCRYPT_LOG_N, &randomness(random)?).map_err(thrown)
}
