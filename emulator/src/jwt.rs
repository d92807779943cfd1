//! RS256 signing of id tokens and the JWKS that publishes the key.
//!
//! DEMO-ONLY KEY: `keys/demo-only-signing-key.pem` is a fixed 2048-bit RSA test key committed to the
//! repository on purpose (generating one with the `rsa` crate in a debug build takes seconds). It
//! signs tokens of a local emulator only and must never be trusted by anything real.

use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::http_util::b64url;

const DEMO_ONLY_KEY_PEM: &str = include_str!("../keys/demo-only-signing-key.pem");

pub struct Keys {
    signing: SigningKey<Sha256>,
    pub kid: String,
    n: String,
    e: String,
}

impl Keys {
    pub fn demo() -> Keys {
        let key = RsaPrivateKey::from_pkcs8_pem(DEMO_ONLY_KEY_PEM)
            .expect("embedded demo-only key is valid PKCS#8");
        let n_bytes = key.n().to_bytes_be();
        let kid = b64url(&Sha256::digest(&n_bytes)[..20]);
        Keys {
            n: b64url(&n_bytes),
            e: b64url(&key.e().to_bytes_be()),
            signing: SigningKey::<Sha256>::new(key),
            kid,
        }
    }

    /// The JWKS document (`/discovery/v2.0/keys`). `issuer` is the tenant-templated issuer.
    pub fn jwks(&self, issuer: &str) -> Value {
        json!({"keys": [{
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": self.n,
            "e": self.e,
            "issuer": issuer,
        }]})
    }

    /// A compact RS256 JWS over `claims` with header `{"typ":"JWT","alg":"RS256","kid":...}`.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": self.kid});
        let input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let sig = self.signing.sign(input.as_bytes()).to_bytes();
        format!("{input}.{}", b64url(&sig))
    }
}
