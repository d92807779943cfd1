//! Validated identifiers. Parse, don't validate: once a value has one of these types it is known
//! to be well-formed, so generators (Graph paths, PowerShell, bundles) never re-check it.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("“{0}” is not a GUID (expected 8-4-4-4-12 hexadecimal digits, e.g. 00000000-0000-0000-0000-000000000000)")]
    NotAGuid(String),
    #[error("“{0}” is not an e-mail address (expected name@domain)")]
    NotAnSmtpAddress(String),
}

/// A GUID in canonical lower-case 8-4-4-4-12 form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid([u8; 16]);

impl Guid {
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Guid(bytes)
    }

    /// A random (version 4) GUID from 16 bytes of CSPRNG output supplied by the caller.
    pub fn new_v4(mut bytes: [u8; 16]) -> Self {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Guid(bytes)
    }

    pub fn parse(s: &str) -> Result<Self, IdError> {
        let err = || IdError::NotAGuid(s.to_owned());
        let t = s.trim();
        let t = t
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(t);
        let b = t.as_bytes();
        if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
            return Err(err());
        }
        let mut out = [0u8; 16];
        let mut nibbles = b
            .iter()
            .filter(|&&c| c != b'-')
            .map(|&c| (c as char).to_digit(16));
        for byte in out.iter_mut() {
            let hi = nibbles.next().flatten().ok_or_else(err)?;
            let lo = nibbles.next().flatten().ok_or_else(err)?;
            *byte = (hi * 16 + lo) as u8;
        }
        Ok(Guid(out))
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Guid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromStr for Guid {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Guid::parse(s)
    }
}

macro_rules! guid_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Guid);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, IdError> {
                Guid::parse(s).map($name)
            }
            pub const fn from_guid(g: Guid) -> Self {
                $name(g)
            }
            pub const fn guid(&self) -> Guid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }
    };
}

guid_newtype!(
    /// A Microsoft Entra tenant (directory) id.
    TenantId
);
guid_newtype!(
    /// An application (client) id, `appId` in Graph.
    ClientId
);
guid_newtype!(
    /// A directory object id (`id` in Graph): user, group, application, service principal.
    ObjectId
);
guid_newtype!(
    /// The id of a credential (`keyId` of a `passwordCredential`). Not the secret.
    KeyId
);

/// The id of an app role assignment. Not a GUID: Graph's are opaque URL-safe strings
/// (`41W1zT6z1U-kJxf62svfp1HFE8pMZhxDun-ThPczmJE`), so only their alphabet is checked.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AssignmentId(String);

impl AssignmentId {
    pub fn parse(s: &str) -> Option<Self> {
        let ok = !s.is_empty()
            && s.len() <= 200
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b));
        ok.then(|| AssignmentId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AssignmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AssignmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AssignmentId({})", self.0)
    }
}

impl Serialize for AssignmentId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// An SMTP address, `local@domain`, with no characters that could end a quoted literal, a
/// header or a line.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SmtpAddress(String);

impl SmtpAddress {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let err = || IdError::NotAnSmtpAddress(s.to_owned());
        if s.chars().any(char::is_control) {
            return Err(err());
        }
        let t = s.trim_matches(' ');
        let (local, domain) = t.rsplit_once('@').ok_or_else(err)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&*+-/=?^_`{|}~.".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let domain_ok = domain.len() <= 253
            && domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if local_ok && domain_ok {
            Ok(SmtpAddress(t.to_owned()))
        } else {
            Err(err())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SmtpAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SmtpAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmtpAddress({})", self.0)
    }
}

impl Serialize for SmtpAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_round_trips_in_canonical_form() {
        let g = Guid::parse("{00000003-0000-0000-C000-000000000000}").unwrap();
        assert_eq!(g.to_string(), "00000003-0000-0000-c000-000000000000");
        assert_eq!(Guid::parse(&g.to_string()), Ok(g));
    }

    #[test]
    fn guid_rejects_the_vendor_articles_g() {
        // The vendor help page's snippet has a GUID with a `g` in it.
        assert!(Guid::parse("b633e1c5-b582-4048-a93e-9f11b44c7e9g").is_err());
        assert!(Guid::parse("").is_err());
        assert!(Guid::parse("00000000000000000000000000000000").is_err());
        assert!(Guid::parse("00000000-0000-0000-0000-0000000000000").is_err());
        assert!(Guid::parse("0000000-00000-0000-0000-000000000000").is_err());
        assert!(Guid::parse("+0000000-0000-0000-0000-000000000000").is_err());
    }

    #[test]
    fn v4_sets_version_and_variant() {
        let g = Guid::new_v4([0xff; 16]).to_string();
        assert_eq!(&g[14..15], "4");
        assert_eq!(&g[19..20], "b");
    }

    #[test]
    fn typed_ids_are_validated_once_and_written_in_canonical_form() {
        let t: TenantId = "72F988BF-86F1-41AF-91AB-2D7CD011DB47".parse().unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"72f988bf-86f1-41af-91ab-2d7cd011db47\""
        );
        assert!("nope".parse::<ObjectId>().is_err());
    }

    #[test]
    fn smtp_addresses() {
        assert!(SmtpAddress::parse("shared.mailbox@contoso.onmicrosoft.com").is_ok());
        for bad in [
            "no-at-sign",
            "a@b",
            "a'b@contoso.com",
            "a@contoso.com\n",
            "a b@contoso.com",
            "@contoso.com",
            "a@-contoso.com",
            "a..b@contoso.com",
        ] {
            assert!(SmtpAddress::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
