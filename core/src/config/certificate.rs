//! The vendor's public certificate for the `certificate` credential: read with the `der` crate's
//! decoder (no hand-written DER) and `x509-cert`'s and `spki`'s types, checked when
//! `config.json` loads.
//!
//! Only what the page reads is decoded: RFC 5280 §4.1's structure is declared below with the
//! fields the page never looks at (issuer, subject, extensions, the signature) kept as raw TLVs
//! (`AnyRef`), still checked for well-formed DER. Decoding `x509_cert::Certificate` whole
//! (names, every extension) cost the first load about 20 kB gzip'd more.
//!
//! Microsoft Entra takes an X.509 certificate in the app's `keyCredentials` (type
//! `AsymmetricX509Cert`, usage `Verify`, `key` = the DER, base64) and the vendor signs client
//! assertions with the private key, which never comes near the page.

use std::fmt;

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, UintRef};
use der::{Decode, Reader, Sequence, SliceReader};
use sha1::{Digest, Sha1};
use spki::SubjectPublicKeyInfoRef;
use x509_cert::time::Validity;

/// `Certificate` (RFC 5280 §4.1), as far as the page reads it. Fields never read are decoded
/// all the same, so malformed DER is refused.
#[allow(dead_code)]
#[derive(Sequence)]
struct CertificateRef<'a> {
    tbs_certificate: TbsCertificateRef<'a>,
    signature_algorithm: AnyRef<'a>,
    signature: BitStringRef<'a>,
}

/// `TBSCertificate`: the validity and the public key; the rest as raw TLVs.
#[allow(dead_code)]
#[derive(Sequence)]
struct TbsCertificateRef<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    version: Option<u8>,
    serial_number: AnyRef<'a>,
    signature: AnyRef<'a>,
    issuer: AnyRef<'a>,
    validity: Validity,
    subject: AnyRef<'a>,
    subject_public_key_info: SubjectPublicKeyInfoRef<'a>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    issuer_unique_id: Option<BitStringRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT", optional = "true")]
    subject_unique_id: Option<BitStringRef<'a>>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<AnyRef<'a>>,
}

use crate::time::UtcDateTime;

const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// The smallest RSA key accepted (NIST SP 800-131A; Entra's own guidance asks for 2048 too).
pub const MIN_RSA_BITS: usize = 2048;

/// The certificate's public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKey {
    Rsa { bits: usize },
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublicKey::Rsa { bits } => write!(f, "RSA {bits} bits"),
        }
    }
}

/// A checked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorCertificate {
    /// The DER, base64 (standard alphabet): `keyCredentials[].key`.
    pub der_base64: String,
    /// SHA-1 over the DER, upper-case hex: the thumbprint the Entra admin center shows (and,
    /// base64url-encoded, a client assertion's `x5t`).
    pub thumbprint: String,
    /// SHA-256 over the DER, base64url without padding: a client assertion's `x5t#S256`
    /// (Microsoft's certificate-credentials page, PS256).
    pub thumbprint_sha256: String,
    pub not_before: UtcDateTime,
    pub not_after: UtcDateTime,
    pub public_key: PublicKey,
}

/// What is wrong with the certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error(
        "it is not a PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)"
    )]
    NotPem,
    #[error("its PEM block is “{0}”, not CERTIFICATE (give the public certificate, never the private key)")]
    WrongLabel(String),
    #[error("it does not parse as an X.509 certificate ({0})")]
    Malformed(String),
    #[error("its key is {0}; Entra needs an RSA key of at least {MIN_RSA_BITS} bits")]
    KeyType(String),
    #[error("its RSA key has {bits} bits; at least {MIN_RSA_BITS} are needed")]
    WeakRsa { bits: usize },
    #[error("it expired on {0}")]
    Expired(String),
    #[error("it is valid only from {0}")]
    NotYetValid(String),
}

fn time(t: x509_cert::time::Time) -> Result<UtcDateTime, CertificateError> {
    let ms = t.to_unix_duration().as_millis();
    i64::try_from(ms)
        .ok()
        .and_then(UtcDateTime::from_unix_millis)
        .ok_or_else(|| CertificateError::Malformed("a validity date out of range".into()))
}

fn rsa_bits(public_key: &[u8]) -> Result<usize, CertificateError> {
    let malformed = |e: der::Error| CertificateError::Malformed(e.to_string());
    let mut reader = SliceReader::new(public_key).map_err(malformed)?;
    let modulus = reader
        .sequence(|seq| {
            let n = UintRef::decode(seq)?;
            let _e = UintRef::decode(seq)?;
            Ok(n.as_bytes().to_vec())
        })
        .map_err(malformed)?;
    let first = modulus.first().copied().unwrap_or(0);
    Ok(modulus.len() * 8 - first.leading_zeros() as usize)
}

/// Reads and checks `pem` (its key; its dates with [`VendorCertificate::check_valid_at`]).
pub fn parse(pem: &str) -> Result<VendorCertificate, CertificateError> {
    let (label, der) =
        pem_rfc7468::decode_vec(pem.trim().as_bytes()).map_err(|_| CertificateError::NotPem)?;
    if label != "CERTIFICATE" {
        return Err(CertificateError::WrongLabel(label.to_owned()));
    }
    let cert =
        CertificateRef::from_der(&der).map_err(|e| CertificateError::Malformed(e.to_string()))?;
    // v1 (no version field), v2 (1) or v3 (2): nothing else exists.
    if cert.tbs_certificate.version.is_some_and(|v| v > 2) {
        return Err(CertificateError::Malformed(
            "an unknown X.509 version".into(),
        ));
    }
    let tbs = &cert.tbs_certificate;
    let spki = &tbs.subject_public_key_info;
    let public_key = if spki.algorithm.oid == RSA {
        let bits = rsa_bits(spki.subject_public_key.raw_bytes())?;
        if bits < MIN_RSA_BITS {
            return Err(CertificateError::WeakRsa { bits });
        }
        PublicKey::Rsa { bits }
    } else if spki.algorithm.oid == EC {
        // Microsoft Entra's client assertions are RS256 or PS256 (certificate-credentials
        // page): an EC key could not sign in.
        return Err(CertificateError::KeyType(
            "EC; Microsoft Entra's client assertions are signed with RSA (PS256 or RS256)".into(),
        ));
    } else {
        return Err(CertificateError::KeyType(format!(
            "of algorithm {}",
            spki.algorithm.oid
        )));
    };
    use base64::Engine;
    Ok(VendorCertificate {
        der_base64: base64::engine::general_purpose::STANDARD.encode(&der),
        thumbprint: Sha1::digest(&der)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect(),
        thumbprint_sha256: base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(&der)),
        not_before: time(tbs.validity.not_before)?,
        not_after: time(tbs.validity.not_after)?,
        public_key,
    })
}

impl VendorCertificate {
    /// Refuses a certificate that is not valid at `now_ms` (the page's clock at load).
    pub fn check_valid_at(&self, now_ms: u64) -> Result<(), CertificateError> {
        let now = UtcDateTime::from_unix_millis(now_ms as i64);
        match now {
            Some(now) if now > self.not_after => {
                Err(CertificateError::Expired(self.not_after.to_rfc3339()))
            }
            Some(now) if now < self.not_before => {
                Err(CertificateError::NotYetValid(self.not_before.to_rfc3339()))
            }
            _ => Ok(()),
        }
    }
}
