//! The hand-off bundle encrypted in the age format (age-encryption.org/v1, as C2SP's `age.md`
//! specifies it), which the `age` and `rage` tools decrypt. Only the hand-off module links this
//! (feature `encrypt`).
//!
//! ## Why not the `age` crate
//!
//! The `age` crate carries fluent and its embedded translations, nom, a ChaCha12 generator and,
//! through x25519-dalek's default features, curve25519-dalek's precomputed basepoint tables. Its
//! encryption came to 97 kB of gzip'd wasm; this writer, built on the same RustCrypto and dalek
//! primitives (X25519 without precomputed tables, HKDF-SHA-256, HMAC-SHA-256, ChaCha20-Poly1305,
//! scrypt), to a fraction of that (see `xtask/src/size.rs`). What it writes is checked by the
//! `age` crate's decryption and by Debian's `age` tool (`core/tests/bundle_files.rs`, and the
//! Hand-off E2E with the module built for the browser). It only encrypts: there is no parser here
//! to get wrong.
//!
//! Its randomness (file key, ephemeral X25519 secret or scrypt salt, payload nonce) is
//! [`Randomness`], which the caller fills from the operating system's generator
//! (`crypto.getRandomValues` in the page); nothing here draws random numbers itself.
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
//!
//! [`GENERATED_PASSPHRASE_BITS`]: super::passphrase::GENERATED_PASSPHRASE_BITS

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::ChaCha20Poly1305;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::passphrase::{Passphrase, Strength, MIN_PASSPHRASE_BITS, SCRYPT_LOG_N};
use super::{render_json, Bundle, BundleError, RANDOM_BYTES};

/// Fresh random bytes for one encryption, from a cryptographically secure generator: the file
/// key (16), the ephemeral X25519 secret (32; its first 16 are the scrypt salt in passphrase
/// mode) and the payload nonce (16). Taken by value and not `Clone`, so one is used for one file:
/// the same bytes would give the same file.
pub struct Randomness(pub [u8; RANDOM_BYTES]);

impl Randomness {
    fn file_key(&self) -> &[u8] {
        &self.0[..16]
    }
    fn ephemeral(&self) -> [u8; 32] {
        let mut e = [0; 32];
        e.copy_from_slice(&self.0[16..48]);
        e
    }
    fn salt(&self) -> &[u8] {
        &self.0[16..32]
    }
    fn nonce(&self) -> &[u8] {
        &self.0[48..64]
    }
}

const INTRO: &str = "age-encryption.org/v1\n";
/// The payload's plaintext chunk size (64 KiB; the spec's STREAM).
const CHUNK: usize = 64 * 1024;

/// The bundle JSON encrypted to an age X25519 recipient (`age1…`), binary age format.
pub fn encrypt_to_recipient(
    bundle: &Bundle,
    recipient: &str,
    random: Randomness,
) -> Result<Vec<u8>, BundleError> {
    seal_to_recipient(render_json(bundle).as_bytes(), recipient, random)
}

/// `plaintext` (the bundle JSON) encrypted to an age X25519 recipient: what the hand-off module
/// does with the file the page made.
pub fn seal_to_recipient(
    plaintext: &[u8],
    recipient: &str,
    random: Randomness,
) -> Result<Vec<u8>, BundleError> {
    let key = crate::config::age_recipient_key(recipient.trim())
        .ok_or_else(|| BundleError::Recipient(recipient.to_owned()))?;
    // The X25519 stanza: share = X25519(e, basepoint), the wrap key from X25519(e, recipient)
    // with the share and the recipient as HKDF salt.
    let ephemeral = random.ephemeral();
    let share = x25519_dalek::x25519(ephemeral, x25519_dalek::X25519_BASEPOINT_BYTES);
    let shared = x25519_dalek::x25519(ephemeral, key);
    if shared == [0; 32] {
        // The spec: an all-zero shared secret (a low-order recipient point) must be refused.
        return Err(BundleError::Recipient(recipient.to_owned()));
    }
    let salt = [share, key].concat();
    let wrap_key = hkdf(&salt, &shared, b"age-encryption.org/v1/X25519");
    let stanza = format!("-> X25519 {}\n", STANDARD_NO_PAD.encode(share));
    seal(plaintext, &stanza, &wrap_key, &random)
}

/// The bundle JSON encrypted with a passphrase (age scrypt recipient, work factor
/// 2^[`SCRYPT_LOG_N`]). Refuses passphrases estimated below [`MIN_PASSPHRASE_BITS`].
pub fn encrypt_with_passphrase(
    bundle: &Bundle,
    passphrase: &Passphrase,
    random: Randomness,
) -> Result<Vec<u8>, BundleError> {
    encrypt_with_passphrase_work_factor(bundle, passphrase, SCRYPT_LOG_N, random)
}

/// [`encrypt_with_passphrase`] with another work factor, 2^10 to 2^22 (2^21 on 32-bit targets
/// such as wasm32, where scrypt's 2^22 × 1 KiB working memory does not fit in `usize`; the page
/// uses 2^16).
pub fn encrypt_with_passphrase_work_factor(
    bundle: &Bundle,
    passphrase: &Passphrase,
    log_n: u8,
    random: Randomness,
) -> Result<Vec<u8>, BundleError> {
    seal_with_passphrase(render_json(bundle).as_bytes(), passphrase, log_n, random)
}

/// `plaintext` encrypted with a passphrase (scrypt, 2^`log_n`); a weak passphrase is refused.
pub fn seal_with_passphrase(
    plaintext: &[u8],
    passphrase: &Passphrase,
    log_n: u8,
    random: Randomness,
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
    // The scrypt stanza: the wrap key is scrypt(passphrase, label || salt, N, r = 8, p = 1).
    let params =
        scrypt::Params::new(log_n, 8, 1, 32).map_err(|_| BundleError::WorkFactor(log_n))?;
    let salt = [b"age-encryption.org/v1/scrypt".as_slice(), random.salt()].concat();
    let mut wrap_key = [0; 32];
    scrypt::scrypt(
        passphrase.expose_secret().as_bytes(),
        &salt,
        &params,
        &mut wrap_key,
    )
    .map_err(|_| BundleError::Encrypt("scrypt refused its output length".into()))?;
    let stanza = format!(
        "-> scrypt {} {log_n}\n",
        STANDARD_NO_PAD.encode(random.salt())
    );
    seal(plaintext, &stanza, &wrap_key, &random)
}

/// The file: header (intro, the one stanza with the file key wrapped, the MAC), payload nonce,
/// then the payload in STREAM chunks.
fn seal(
    plaintext: &[u8],
    stanza: &str,
    wrap_key: &[u8; 32],
    random: &Randomness,
) -> Result<Vec<u8>, BundleError> {
    let file_key = random.file_key();
    let wrapped = aead(wrap_key, &[0; 12], file_key)?;
    let mut header = format!("{INTRO}{stanza}");
    // The body: base64 without padding in lines of 64 columns, the last one shorter (so empty
    // when the length is a multiple of 64).
    let body = STANDARD_NO_PAD.encode(wrapped);
    for line in body.as_bytes().chunks(64) {
        header.push_str(std::str::from_utf8(line).unwrap_or_default());
        header.push('\n');
    }
    if body.len() % 64 == 0 {
        header.push('\n');
    }
    header.push_str("---");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&hkdf(&[], file_key, b"header"))
        .map_err(|_| BundleError::Encrypt("HMAC refused its key".into()))?;
    mac.update(header.as_bytes());
    let mac = STANDARD_NO_PAD.encode(mac.finalize().into_bytes());
    let mut out = format!("{header} {mac}\n").into_bytes();

    let nonce = random.nonce();
    out.extend_from_slice(nonce);
    let payload_key = hkdf(nonce, file_key, b"payload");
    // STREAM: nonce = 11-byte big-endian chunk counter, then 1 for the last chunk, else 0. An
    // empty plaintext is one empty last chunk; otherwise no chunk is empty.
    let chunks: Vec<&[u8]> = if plaintext.is_empty() {
        vec![&[]]
    } else {
        plaintext.chunks(CHUNK).collect()
    };
    let last = chunks.len() - 1;
    for (i, chunk) in chunks.into_iter().enumerate() {
        let mut n = [0; 12];
        n[3..11].copy_from_slice(&(i as u64).to_be_bytes());
        n[11] = u8::from(i == last);
        out.extend(aead(&payload_key, &n, chunk)?);
    }
    Ok(out)
}

fn aead(key: &[u8; 32], nonce: &[u8; 12], plaintext: &[u8]) -> Result<Vec<u8>, BundleError> {
    ChaCha20Poly1305::new(key.into())
        .encrypt(nonce.into(), plaintext)
        .map_err(|_| BundleError::Encrypt("ChaCha20-Poly1305 refused the chunk".into()))
}

/// HKDF-SHA-256 to 32 bytes (a length HKDF always accepts).
fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    let _ = hkdf::Hkdf::<Sha256>::new(Some(salt), ikm).expand(info, &mut out);
    out
}
