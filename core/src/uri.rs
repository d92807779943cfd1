//! The core's URL check, and the `application/x-www-form-urlencoded` queries and bodies of
//! sign-in, by hand: the endpoints of a discovery document, the redirect URI, `config.json`'s
//! `authority` and `graphBaseUrl` (config adds: no query). The bundle, which holds only URLs
//! checked here, checks just what its shell files need (`bundle::check_url`). (oauth2's client
//! and the `url` crate it parses with cost the page 21 kB of gzip'd wasm for this.)

/// A URL [`check`] accepted.
pub struct Checked {
    /// Its host is `localhost`, `127.0.0.1` or `[::1]`.
    pub loopback: bool,
}

/// Why `s` cannot be an endpoint the page sends the administrator (or a code) to, if it cannot:
/// RFC 6749 §3.1 and §3.2 require TLS for the authorization and token endpoints, so `https://`,
/// or `http://` to a loopback host (the emulator); a host; printable ASCII (browsers and
/// discovery documents give hosts in punycode); no fragment (§3.1) or credentials. A query is
/// allowed (§3.1: it is kept, and the page's parameters are added after it).
pub fn refuse(s: &str) -> Option<&'static str> {
    check(s).err()
}

/// As [`refuse`], with what the URL is when it is accepted.
pub fn check(s: &str) -> Result<Checked, &'static str> {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &s[8..]
    } else if lower.starts_with("http://") {
        &s[7..]
    } else {
        return Err("it must start with https://");
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.contains('@') || s.contains(['#', '\\']) {
        return Err("it contains a fragment, a backslash or credentials");
    }
    // RFC 3986 §3.2.2–3.2.3: a bracketed IPv6 literal or a name (ASCII letters, digits, `-._~`:
    // punycode for an international name), then an optional decimal port.
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, rest)) if is_ipv6(h) => (
                h,
                rest.strip_prefix(':')
                    .or(Some(rest).filter(|r| r.is_empty())),
            ),
            _ => return Err("its host is not a valid IPv6 address"),
        },
        None => match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, Some("")),
        },
    };
    let port_ok = port.is_some_and(|p| {
        p.is_empty() || p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok()
    });
    let loopback = matches!(
        host.to_ascii_lowercase().as_str(),
        "localhost" | "127.0.0.1" | "::1"
    );
    if host.is_empty() {
        Err("it has no host")
    } else if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~:".contains(&b))
        || !port_ok
        || !authority.starts_with('[') && !is_name_or_ipv4(host)
    {
        Err("its host or port is not valid")
    } else if !lower.starts_with("https://") && !loopback {
        Err("it must start with https://")
    } else if !s.bytes().all(|b| b.is_ascii_graphic()) {
        Err("it contains a space or a non-ASCII character")
    } else {
        Ok(Checked { loopback })
    }
}

/// RFC 3986 §3.2.2's IPv6address without an embedded IPv4 part: at most eight groups of one to
/// four hex digits, at most one `::` standing for the missing ones.
fn is_ipv6(h: &str) -> bool {
    let group = |g: &str| (1..=4).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_hexdigit());
    let groups = |part: &str| -> Option<usize> {
        if part.is_empty() {
            return Some(0);
        }
        part.split(':')
            .try_fold(0, |n, g| group(g).then_some(n + 1))
    };
    match h.split_once("::") {
        Some((a, b)) if !b.contains("::") => {
            matches!((groups(a), groups(b)), (Some(x), Some(y)) if x + y <= 7)
        }
        Some(_) => false,
        None => groups(h) == Some(8),
    }
}

/// A registered name, or an IPv4 address in its one canonical form (dotted decimal, no leading
/// zeros). The WHATWG URL parser reads a name whose last label is a number (`2130706433`,
/// `0x7f.1`, `010.0.0.1`) as an IPv4 address in other notations; those are refused, so what is
/// checked here is the host the browser goes to.
fn is_name_or_ipv4(host: &str) -> bool {
    let last = host.trim_end_matches('.').rsplit('.').next().unwrap_or("");
    let numeric = |l: &str| {
        !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit())
            || l.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"))
    };
    if !numeric(last) {
        return true;
    }
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() == 4
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_digit())
                && (l.len() == 1 || !l.starts_with('0'))
                && l.parse::<u8>().is_ok()
        })
}

/// The first of `names` that `endpoint`'s own query already sets (RFC 6749 §3.1: a request
/// parameter must not be included more than once).
pub fn sets_any<'a>(endpoint: &str, names: &[&'a str]) -> Option<&'a str> {
    let query = endpoint.split_once('?')?.1;
    names
        .iter()
        .copied()
        .find(|n| query.split('&').any(|kv| kv.split('=').next() == Some(n)))
}

/// `endpoint` (already checked by [`refuse`]) with `pairs` added to its query.
pub fn with_query(endpoint: &str, pairs: &[(&str, &str)]) -> String {
    let joint = match endpoint.split_once('?') {
        None => "?",
        Some((_, "")) => "",
        Some((_, q)) if q.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{endpoint}{joint}{}", form(pairs))
}

/// `k=v&…`, each form-encoded.
pub fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode(k, &mut out);
        out.push('=');
        encode(v, &mut out);
    }
    out
}

/// The WHATWG URL standard's `application/x-www-form-urlencoded` byte serializer (space as
/// `+`), except that `~`, unreserved in RFC 3986, is kept.
fn encode(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let check = |s: &str, expected: Option<&str>| assert_eq!(refuse(s), expected, "{s}");
        for ok in [
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
            "HTTPS://login.microsoftonline.com/x",
            "https://idp.example/realms/acme/protocol/openid-connect/auth?kc_idp_hint=x",
            "https://idp.example:8443/auth",
            "http://127.0.0.1:8080/organizations/oauth2/v2.0/authorize",
            "http://localhost/x",
            "http://[::1]:9/x",
            "https://[2001:db8::1]/x",
            "https://[2001:db8:0:0:0:0:0:1]:443/x",
            "https://[::]/x",
            "https://10.0.0.1/x",
            "https://login.microsoftonline.com./x",
            "https://a1.example/x",
            "https://a",
        ] {
            check(ok, None);
        }
        for (bad, why) in [
            ("", "it must start with https://"),
            ("login.microsoftonline.com/x", "it must start with https://"),
            ("javascript:alert(1)", "it must start with https://"),
            ("http://idp.example/auth", "it must start with https://"),
            ("https:///auth", "it has no host"),
            ("https://?x", "it has no host"),
            (
                "https://idp.example/a b",
                "it contains a space or a non-ASCII character",
            ),
            (
                "https://idp.example/bücher",
                "it contains a space or a non-ASCII character",
            ),
            ("https://bücher.example/a", "its host or port is not valid"),
            ("https://idp.exa mple/a", "its host or port is not valid"),
            ("https://idp.example:x/a", "its host or port is not valid"),
            (
                "https://idp.example:99999/a",
                "its host or port is not valid",
            ),
            ("https://[::1]x/a", "its host or port is not valid"),
            ("https://[::1/a", "its host is not a valid IPv6 address"),
            ("https://[:]/a", "its host is not a valid IPv6 address"),
            ("https://[1]/a", "its host is not a valid IPv6 address"),
            (
                "https://[12345::]/a",
                "its host is not a valid IPv6 address",
            ),
            (
                "https://[1::2::3]/a",
                "its host is not a valid IPv6 address",
            ),
            (
                "https://[1:2:3:4:5:6:7:8:9]/a",
                "its host is not a valid IPv6 address",
            ),
            (
                "https://[::ffff:1.2.3.4]/a",
                "its host is not a valid IPv6 address",
            ),
            ("https://2130706433/a", "its host or port is not valid"),
            ("https://0x7f.1/a", "its host or port is not valid"),
            ("https://010.0.0.1/a", "its host or port is not valid"),
            ("https://1.2.3.999/a", "its host or port is not valid"),
            ("http://127.1/a", "its host or port is not valid"),
            (
                "https://idp.example/a#f",
                "it contains a fragment, a backslash or credentials",
            ),
            (
                "https://u:p@idp.example/a",
                "it contains a fragment, a backslash or credentials",
            ),
            (
                "https://idp.example\\@evil/",
                "it contains a fragment, a backslash or credentials",
            ),
        ] {
            check(bad, Some(why));
        }
    }

    #[test]
    fn queries_are_added_to_what_the_endpoint_has() {
        let pairs = [("scope", "openid User.Read"), ("x", "a&b=c/é~*")];
        let tail = "scope=openid+User.Read&x=a%26b%3Dc%2F%C3%A9~*";
        for (endpoint, expected) in [
            ("https://a/auth", format!("https://a/auth?{tail}")),
            ("https://a/auth?", format!("https://a/auth?{tail}")),
            (
                "https://a/auth?p=b2c",
                format!("https://a/auth?p=b2c&{tail}"),
            ),
            (
                "https://a/auth?p=b2c&",
                format!("https://a/auth?p=b2c&{tail}"),
            ),
        ] {
            assert_eq!(with_query(endpoint, &pairs), expected);
        }
        assert_eq!(form(&[]), "");
        let names = ["client_id", "scope"];
        assert_eq!(
            sets_any("https://a/auth?p=1&scope=x", &names),
            Some("scope")
        );
        assert_eq!(sets_any("https://a/auth?p=1&myscope=x", &names), None);
        assert_eq!(sets_any("https://a/auth", &names), None);
    }
}
