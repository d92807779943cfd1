//! The vendor's public certificate for the `certificate` credential: its DER read with the
//! `der` crate's reader (every tag and length is der's: no hand-written DER) into `x509-cert`'s
//! and `spki`'s types, checked when `config.json` loads.
//!
//! Only what the page reads is decoded: RFC 5280 §4.1's fields are taken in order with der's
//! reader, the validity and the key into their types, the rest (serial, names, unique ids,
//! extensions, the signature) as raw TLVs whose tags are checked, so malformed DER is refused.
//! Decoding `x509_cert::Certificate` whole (names, every extension) cost the first load about
//! 20 kB gzip'd more; der's derive over a trimmed structure still cost 20 kB in all (it inlined
//! four context-specific field decoders); this walk, with the `base64` crate the page already
//! has instead of `pem-rfc7468`'s own base64, and no der error texts, is the small one.
//!
//! Microsoft Entra takes an X.509 certificate in the app's `keyCredentials` (type
//! `AsymmetricX509Cert`, usage `Verify`, `key` = the DER, base64) and the vendor signs client
//! assertions with the private key, which never comes near the page.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::base64_decode::{self, Form};
use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, UintRef};
use der::{Decode, Reader, SliceReader, Tag, TagNumber, Tagged};
use sha1::{Digest, Sha1};
use spki::SubjectPublicKeyInfoRef;
use x509_cert::time::Validity;

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

/// der's error texts (and the formatting code behind them) stay out of the page: where in the
/// DER it broke is enough for the vendor to look.
fn malformed(e: der::Error) -> CertificateError {
    CertificateError::Malformed(match e.position() {
        Some(at) => format!("malformed DER near byte {}", u32::from(at)),
        None => "malformed DER".into(),
    })
}

fn rsa_bits(public_key: &[u8]) -> Result<usize, CertificateError> {
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

/// RFC 7468's textual encoding of one certificate: `-----BEGIN CERTIFICATE-----`, base64 (line
/// breaks and other whitespace ignored, §3's lax reading), `-----END CERTIFICATE-----`.
fn pem_der(pem: &str) -> Result<Vec<u8>, CertificateError> {
    let rest = pem
        .trim()
        .strip_prefix("-----BEGIN ")
        .ok_or(CertificateError::NotPem)?;
    let (label, rest) = rest.split_once("-----").ok_or(CertificateError::NotPem)?;
    if label != "CERTIFICATE" {
        return Err(CertificateError::WrongLabel(
            label.chars().take(40).collect(),
        ));
    }
    let body = rest
        .strip_suffix("-----END CERTIFICATE-----")
        .ok_or(CertificateError::NotPem)?;
    let text: String = body.split_ascii_whitespace().collect();
    match base64_decode::decode(&text, Form::Standard) {
        Some(der) if !der.is_empty() => Ok(der),
        _ => Err(CertificateError::NotPem),
    }
}

/// The next TLV, which must carry `tag`.
fn field<'a>(r: &mut SliceReader<'a>, tag: Tag) -> Result<AnyRef<'a>, CertificateError> {
    let any = AnyRef::decode(r).map_err(malformed)?;
    if any.tag() != tag {
        return Err(CertificateError::Malformed(format!(
            "a field of the certificate has an unexpected type near byte {}",
            u32::from(r.position())
        )));
    }
    Ok(any)
}

/// `TBSCertificate` (RFC 5280 §4.1): the validity and the public key; the rest checked as TLVs.
fn tbs(r: &mut SliceReader<'_>) -> Result<(Validity, PublicKey), CertificateError> {
    let version_tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber::N0,
    };
    if r.peek_tag().map_err(malformed)? == version_tag {
        // v1 has no version field, v2 is 1, v3 is 2: nothing else exists.
        let explicit = field(r, version_tag)?;
        let version = u8::from_der(explicit.value()).map_err(malformed)?;
        if version > 2 {
            return Err(CertificateError::Malformed(
                "an unknown X.509 version".into(),
            ));
        }
    }
    field(r, Tag::Integer)?; // serialNumber
    field(r, Tag::Sequence)?; // signature (algorithm)
    field(r, Tag::Sequence)?; // issuer
    let validity = Validity::decode(r).map_err(malformed)?;
    field(r, Tag::Sequence)?; // subject
    let spki = SubjectPublicKeyInfoRef::decode(r).map_err(malformed)?;
    // issuerUniqueID [1], subjectUniqueID [2], extensions [3]: well-formed, not read.
    while !r.is_finished() {
        AnyRef::decode(r).map_err(malformed)?;
    }
    let key = if spki.algorithm.oid == RSA {
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
    Ok((validity, key))
}

/// Reads and checks `pem` (its key; its dates with [`VendorCertificate::check_valid_at`]).
pub fn parse(pem: &str) -> Result<VendorCertificate, CertificateError> {
    let der = pem_der(pem)?;
    let mut outer = SliceReader::new(&der).map_err(malformed)?;
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
    let tbs_der = outer
        .sequence(|cert| {
            let tbs = AnyRef::decode(cert)?;
            AnyRef::decode(cert)?;
            BitStringRef::decode(cert)?;
            Ok(tbs)
        })
        .map_err(malformed)?;
    if !outer.is_finished() {
        return Err(CertificateError::Malformed(
            "data after the certificate".into(),
        ));
    }
    if tbs_der.tag() != Tag::Sequence {
        return Err(CertificateError::Malformed(
            "its TBSCertificate is not a SEQUENCE".into(),
        ));
    }
    let mut r = SliceReader::new(tbs_der.value()).map_err(malformed)?;
    let (validity, public_key) = tbs(&mut r)?;
    Ok(VendorCertificate {
        der_base64: STANDARD.encode(&der),
        thumbprint: Sha1::digest(&der)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect(),
        thumbprint_sha256: base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(&der)),
        not_before: time(validity.not_before)?,
        not_after: time(validity.not_after)?,
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
