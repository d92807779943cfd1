//! Passphrases for the age bundle: made from CSPRNG bytes, and rated. The page needs these
//! before any file is made (the strength shows as the admin types); the encryption itself is in
//! `encrypt.rs`, which only the hand-off module links (feature `render`).

use std::fmt;

/// The scrypt work factor, log2(N), of the passphrase bundle (see `encrypt.rs` for why 16).
pub const SCRYPT_LOG_N: u8 = 16;
/// The smallest strength [`estimate_passphrase_strength`] must give a passphrase for the
/// passphrase bundle to use it.
pub const MIN_PASSPHRASE_BITS: u32 = 60;
/// The entropy of [`generate_passphrase`]'s output.
pub const GENERATED_PASSPHRASE_BITS: u32 = 100;

/// Crockford's base32 in lower case: no `i`, `l`, `o`, `u`, so nothing reads as another symbol.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
const GROUPS: usize = 4;
const GROUP_LEN: usize = 5;

/// A passphrase. `Debug` redacts it; no `Clone`, `Display` or `Serialize`.
pub struct Passphrase {
    text: String,
    /// Made by [`generate_passphrase`] from CSPRNG output: its strength is known, not guessed.
    generated: bool,
}

impl Passphrase {
    /// A passphrase the admin typed (or changed).
    pub fn new(value: String) -> Self {
        Passphrase {
            text: value,
            generated: false,
        }
    }

    /// What the admin submitted: the page's own suggestion, unchanged, keeps its known strength.
    pub fn submitted(value: String, suggestion: &str) -> Self {
        let generated = !suggestion.is_empty() && value == suggestion;
        Passphrase {
            text: value,
            generated,
        }
    }

    /// The text, to show the admin once (the generated one) or to compare.
    pub fn expose_secret(&self) -> &str {
        &self.text
    }

    /// Its strength: exact for a generated one, an estimate otherwise.
    pub fn strength(&self) -> PassphraseStrength {
        if self.generated {
            PassphraseStrength::of(GENERATED_PASSPHRASE_BITS)
        } else {
            estimate_passphrase_strength(&self.text)
        }
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase([redacted])")
    }
}

/// A passphrase of 20 base32 characters in four groups (`7kq2m-x9d4t-…`), 100 bits, from 16
/// bytes of CSPRNG output supplied by the caller (`crypto.getRandomValues`); the first 100 bits
/// are used.
pub fn generate_passphrase(random: [u8; 16]) -> Passphrase {
    let bits = u128::from_be_bytes(random);
    let mut out = String::with_capacity(GROUPS * (GROUP_LEN + 1));
    for i in 0..GROUPS * GROUP_LEN {
        if i > 0 && i % GROUP_LEN == 0 {
            out.push('-');
        }
        let index = (bits >> (123 - 5 * i)) & 0x1f;
        out.push(ALPHABET[index as usize] as char);
    }
    Passphrase {
        text: out,
        generated: true,
    }
}

/// A verdict for the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// Below [`MIN_PASSPHRASE_BITS`]: refused.
    TooWeak,
    /// At least [`MIN_PASSPHRASE_BITS`], below 80.
    Acceptable,
    /// 80 bits or more.
    Strong,
}

/// An estimate of how hard a passphrase is to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassphraseStrength {
    /// Estimated bits of entropy. Exact for [`generate_passphrase`]'s format; for anything else a
    /// deliberately rough, conservative guess.
    pub bits: u32,
    pub strength: Strength,
}

impl PassphraseStrength {
    fn of(bits: u32) -> Self {
        let strength = if bits >= 80 {
            Strength::Strong
        } else if bits >= MIN_PASSPHRASE_BITS {
            Strength::Acceptable
        } else {
            Strength::TooWeak
        };
        PassphraseStrength { bits, strength }
    }
}

/// Estimates the strength of a passphrase the admin typed. Its shape proves nothing (a typed
/// `aaaaa-aaaaa-aaaaa-aaaaa` looks like a generated one), so only the characters count; the
/// page's own suggestion gets its exact strength from [`Passphrase::submitted`].
///
/// The estimate is the least of:
/// - the size of the character classes used (lower case, upper case, digits, symbols, other)
///   to the power of the length, each character that repeats or continues a run (`aaa`, `abc`,
///   `321`) counting nothing, halved, because people's choices are far from random;
/// - the text's own Shannon entropy (how evenly it uses the characters it has) times its
///   length, so repeating a few characters in any order counts little;
/// - for three or more words of letters, 11 bits a word (a vocabulary of 2,000 common words):
///   people pick words, not letters.
pub fn estimate_passphrase_strength(passphrase: &str) -> PassphraseStrength {
    let words: Vec<&str> = passphrase
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_' || c == '.')
        .filter(|w| !w.is_empty())
        .collect();
    let mut bits = char_estimate(passphrase).min(shannon_bits(passphrase));
    if words.len() >= 3 && words.iter().all(|w| w.chars().all(char::is_alphabetic)) {
        bits = bits.min(11 * words.len() as u32);
    }
    PassphraseStrength::of(bits)
}

/// The empirical entropy of the text's characters, times its length.
fn shannon_bits(s: &str) -> u32 {
    let mut counts: Vec<(char, u32)> = Vec::new();
    for c in s.chars() {
        match counts.iter_mut().find(|(k, _)| *k == c) {
            Some((_, n)) => *n += 1,
            None => counts.push((c, 1)),
        }
    }
    let len: u32 = counts.iter().map(|(_, n)| n).sum();
    if len == 0 {
        return 0;
    }
    let total = f64::from(len);
    let per_char: f64 = counts
        .iter()
        .map(|(_, n)| {
            let p = f64::from(*n) / total;
            -p * p.log2()
        })
        .sum();
    (per_char * total).floor() as u32
}

fn char_estimate(s: &str) -> u32 {
    let (mut lower, mut upper, mut digit, mut symbol, mut other) =
        (false, false, false, false, false);
    let mut effective = 0u32;
    let mut prev: Option<char> = None;
    for c in s.chars() {
        match c {
            'a'..='z' => lower = true,
            'A'..='Z' => upper = true,
            '0'..='9' => digit = true,
            c if c.is_ascii() => symbol = true,
            _ => other = true,
        }
        let step = prev.map(|p| i64::from(u32::from(c)) - i64::from(u32::from(p)));
        if !matches!(step, Some(-1..=1)) {
            effective += 1;
        }
        prev = Some(c);
    }
    let pool: u32 = [
        (lower, 26),
        (upper, 26),
        (digit, 10),
        (symbol, 33),
        (other, 100),
    ]
    .iter()
    .filter(|(used, _)| *used)
    .map(|(_, n)| n)
    .sum();
    if pool == 0 {
        return 0;
    }
    let per_char = f64::from(pool).log2();
    (f64::from(effective) * per_char / 2.0).floor() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passphrases_have_the_format_and_differ_in_every_group() {
        let p = generate_passphrase([0; 16]);
        assert_eq!(p.expose_secret(), "00000-00000-00000-00000");
        let p = generate_passphrase([0xff; 16]);
        assert_eq!(p.expose_secret(), "zzzzz-zzzzz-zzzzz-zzzzz");
        let mut r = [0u8; 16];
        r[12] = 0b0001_0000; // bit 100 from the top: the last character's lowest bit.
        assert_eq!(
            generate_passphrase(r).expose_secret(),
            "00000-00000-00000-00001"
        );
        let e = generate_passphrase([0x5a; 16]).strength();
        assert_eq!(e.bits, GENERATED_PASSPHRASE_BITS);
        assert_eq!(e.strength, Strength::Strong);
        let suggested = generate_passphrase([0x5a; 16]);
        let text = suggested.expose_secret().to_owned();
        assert_eq!(
            Passphrase::submitted(text.clone(), &text).strength().bits,
            GENERATED_PASSPHRASE_BITS
        );
        let changed = format!("{}x", &text[..text.len() - 1]);
        assert!(Passphrase::submitted(changed, &text).strength().bits < GENERATED_PASSPHRASE_BITS);
        assert_eq!(format!("{p:?}"), "Passphrase([redacted])");
    }

    #[test]
    fn estimates() {
        for weak in [
            "",
            "password",
            "Passw0rd!",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abcdefghijklmnopqrstuvwxyz",
            "correct horse battery staple",
            // The generated shape proves nothing.
            "aaaaa-aaaaa-aaaaa-aaaaa",
            "00000-00000-00000-00000",
            "abcde-fghjk-mnpqr-stvwx",
            "ab12x-ab12x-ab12x-ab12x",
        ] {
            let e = estimate_passphrase_strength(weak);
            assert_eq!(e.strength, Strength::TooWeak, "{weak:?}: {e:?}");
        }
        let e = estimate_passphrase_strength("correct horse battery staple orbit lantern");
        assert_eq!(e.bits, 66);
        assert_eq!(e.strength, Strength::Acceptable);
        let e = estimate_passphrase_strength("Vq8#mT2!zR6$kW4@pL9&xN3^yH7*");
        assert_eq!(e.strength, Strength::Strong, "{e:?}");
    }
}
