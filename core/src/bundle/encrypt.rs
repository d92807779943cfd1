//! Passphrases for the age bundle: made from CSPRNG bytes, and rated. The encryption itself is in
//! `encrypt.rs`, which only the hand-off module links (feature `render`).
//!
//! The output is the standard binary age format (age-encryption.org/v1), which the `age` and
//! `rage` tools decrypt. All cryptography is the `age` crate's; its file key, ephemeral key and
//! salt come from the operating system's generator (`crypto.getRandomValues` in the browser).
//!
//! ## scrypt work factor
//!
//! [`SCRYPT_LOG_N`] is 16 (N = 2^16, 64 MiB), not age's usual ~2^18 (256 MiB, about a second
//! natively). In the browser scrypt runs as WebAssembly on the page's thread, several times
//! slower than native, and WebAssembly memory never shrinks: 2^18 would grow the tab to over
//! 256 MiB for good and freeze it for seconds, and can fail on phones. The passphrase, not the
//! work factor, carries the strength: the generated passphrase has
//! [`GENERATED_PASSPHRASE_BITS`] bits and a typed one needs an estimated
//! [`MIN_PASSPHRASE_BITS`]. The age tools accept work factors up to 2^22 (age) or about 16× their
//! own calibration (rage), so 2^16 decrypts everywhere in well under a second.

use age::secrecy::SecretString;

use super::passphrase::{Passphrase, Strength, MIN_PASSPHRASE_BITS, SCRYPT_LOG_N};
use super::{render_json, Bundle, BundleError};

/// The bundle JSON encrypted to an age X25519 recipient (`age1…`), binary age format.
pub fn encrypt_to_recipient(bundle: &Bundle, recipient: &str) -> Result<Vec<u8>, BundleError> {
    seal_to_recipient(render_json(bundle).as_bytes(), recipient)
}

/// `plaintext` (the bundle JSON) encrypted to an age X25519 recipient: what the hand-off module
/// does with the file the page made.
pub fn seal_to_recipient(plaintext: &[u8], recipient: &str) -> Result<Vec<u8>, BundleError> {
    let r: age::x25519::Recipient = recipient
        .trim()
        .parse()
        .map_err(|_| BundleError::Recipient(recipient.to_owned()))?;
    age::encrypt(&r, plaintext).map_err(encrypt_error)
}

/// The bundle JSON encrypted with a passphrase (age scrypt recipient, work factor
/// 2^[`SCRYPT_LOG_N`]). Refuses passphrases estimated below [`MIN_PASSPHRASE_BITS`].
pub fn encrypt_with_passphrase(
    bundle: &Bundle,
    passphrase: &Passphrase,
) -> Result<Vec<u8>, BundleError> {
    encrypt_with_passphrase_work_factor(bundle, passphrase, SCRYPT_LOG_N)
}

/// [`encrypt_with_passphrase`] with another work factor, 2^10 to 2^22.
pub fn encrypt_with_passphrase_work_factor(
    bundle: &Bundle,
    passphrase: &Passphrase,
    log_n: u8,
) -> Result<Vec<u8>, BundleError> {
    seal_with_passphrase(render_json(bundle).as_bytes(), passphrase, log_n)
}

/// `plaintext` encrypted with a passphrase (scrypt, 2^`log_n`); a weak passphrase is refused.
pub fn seal_with_passphrase(
    plaintext: &[u8],
    passphrase: &Passphrase,
    log_n: u8,
) -> Result<Vec<u8>, BundleError> {
    if !(10..=22).contains(&log_n) {
        return Err(BundleError::WorkFactor(log_n));
    }
    let estimate = passphrase.strength();
    if estimate.strength == Strength::TooWeak {
        return Err(BundleError::WeakPassphrase {
            bits: estimate.bits,
            min: MIN_PASSPHRASE_BITS,
        });
    }
    let mut r =
        age::scrypt::Recipient::new(SecretString::from(passphrase.expose_secret().to_owned()));
    r.set_work_factor(log_n);
    age::encrypt(&r, plaintext).map_err(encrypt_error)
}

/// Not through `Display`: age localises its error texts with fluent, and formatting one would
/// keep fluent and age's embedded translations in the page's wasm. Writing to a `Vec` cannot
/// fail, so this is not expected to show.
fn encrypt_error(e: age::EncryptError) -> BundleError {
    BundleError::Encrypt(match e {
        age::EncryptError::Io(io) => io.to_string(),
        other => format!("{other:?}"),
    })
}
