//! The vendor's age recipient: age's own encoding of an X25519 public key, Bech32 (BIP 173,
//! not Bech32m) with the human-readable part `age`, in lower case as `age-keygen` prints it.
//! Decoded here, with its checksum, rather than by the `bech32` crate, which cost the page
//! ~10 kB of gzip'd wasm (its Unicode case mapping and error types) for these 62 characters.

const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// BIP 173's checksum generator.
fn polymod(values: impl Iterator<Item = u8>) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk = 1u32;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x1ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// The 32-byte X25519 public key in `r`, if `r` is an age recipient with a valid checksum.
pub(crate) fn age_recipient_key(r: &str) -> Option<[u8; 32]> {
    const HRP: &[u8] = b"age";
    let data = r.strip_prefix("age1")?.as_bytes();
    // 52 five-bit groups carry the 256-bit key (and 4 zero bits of padding); 6 the checksum.
    if data.len() != 58 {
        return None;
    }
    let values: Vec<u8> = data
        .iter()
        .map(|c| CHARSET.iter().position(|x| x == c).map(|p| p as u8))
        .collect::<Option<_>>()?;
    // The human-readable part expanded (high bits, a zero, low bits), then the data part.
    let expanded = HRP
        .iter()
        .map(|c| c >> 5)
        .chain([0])
        .chain(HRP.iter().map(|c| c & 31));
    if polymod(expanded.chain(values.iter().copied())) != 1 {
        return None;
    }
    let mut key = [0u8; 32];
    let (mut acc, mut bits, mut n) = (0u32, 0u32, 0usize);
    for &v in &values[..52] {
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key[n] = (acc >> bits) as u8;
            n += 1;
            acc &= (1 << bits) - 1;
        }
    }
    // BIP 173's conversion: fewer than 5 bits left over, and all zero.
    (n == 32 && acc == 0).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::age_recipient_key;

    #[test]
    fn recipients() {
        // age-keygen's example (age's README) and a key of this project's tests; the key bytes
        // of the second are checked by decrypting with Debian's age (E2E, bundle tests).
        let ok = [
            "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
            "age1cs7wtnl50krd06xk5tyyqza64cdt0x9flzh0w0t627ysn0jrhu5q640exv",
        ];
        for r in ok {
            assert!(age_recipient_key(r).is_some(), "{r}");
        }
        let bad = [
            // Last checksum character changed.
            "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8q",
            // Two data characters swapped.
            "age1lq3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
            // Upper case (BIP 173 allows it; age-keygen never prints it).
            "AGE1QL3Z7HJY54PW3HYWW5AYYFG7ZQGVC7W3J2ELW8ZMRJ2KG5SFN9AQMCAC8P",
            // A character outside the charset ('b'), too short, too long, another HRP.
            "age1bl3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
            "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8",
            "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8pq",
            "agf1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
            "",
        ];
        for r in bad {
            assert_eq!(age_recipient_key(r), None, "{r}");
        }
    }

    #[test]
    fn key_bytes_match_an_independent_decoder() {
        // The README's example decoded by BIP 173's reference Python code (segwit_addr.py's
        // polymod and convertbits, run outside this project).
        let key =
            age_recipient_key("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
                .unwrap();
        assert_eq!(
            key.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            EXPECTED
        );
    }

    const EXPECTED: &str = "07e22f5e44a542e8dc8e753a42251e1010cc79d192b3f71c5b1c95645209997a";
}
