//! The vendor's `sh` test script run for real against a tiny local token endpoint and Graph: it
//! gets a token with the secret from the bundle file (or the environment), sends as the
//! mailbox, and reports a refused second mailbox as the expected outcome. Runs with `jq` and
//! with the `sed` fallback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use mailgrant_core::bundle::{
    render_json, render_test_sh, Bundle, BundleCredential, BundleInput, Endpoints, MailboxScope,
    UtcDateTime,
};
use mailgrant_core::config::ScopeMode;
use mailgrant_core::ids::{ClientId, KeyId, ObjectId, SmtpAddress, TenantId};
use mailgrant_core::powershell::{DisplayText, ScopeTarget};
use mailgrant_core::secret::ClientSecret;

const SECRET: &str = "Xy7Q~s3cr3t.VALUE~0123456789+/=&%abc";
const TOKEN: &str = "eyJ0eXAiOiJKV1QifQ.eyJyb2xlcyI6W119.c2ln";
const MAILBOX_ID: &str = "55555555-6666-4777-8888-999999999999";

#[derive(Debug, Clone)]
struct Seen {
    path: String,
    authorization: Option<String>,
    body: String,
}

/// Answers like Entra and Graph would: a token for the right secret, 202 for the mailbox,
/// 403 ErrorAccessDenied for anyone else, and 202 for `open@…` (a scope that does not hold).
fn serve(listener: TcpListener, seen: Arc<Mutex<Vec<Seen>>>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { break };
        let seen = seen.clone();
        std::thread::spawn(move || {
            let _ = answer(stream, &seen);
        });
    }
}

fn answer(stream: TcpStream, seen: &Mutex<Vec<Seen>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
    let (mut length, mut authorization) = (0usize, None);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':').unwrap_or((line, ""));
        match k.to_ascii_lowercase().as_str() {
            "content-length" => length = v.trim().parse().unwrap_or(0),
            "authorization" => authorization = Some(v.trim().to_owned()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();
    seen.lock().unwrap().push(Seen {
        path: path.clone(),
        authorization: authorization.clone(),
        body: body.clone(),
    });
    let bearer = authorization.as_deref() == Some(&format!("Bearer {TOKEN}"));
    let (status, json) = if path.ends_with("/oauth2/v2.0/token") {
        let form: Vec<(String, String)> = body
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), percent_decode(v)))
            .collect();
        let get = |k: &str| {
            form.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        let assertion_ok = get("client_assertion_type")
            == Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            && get("client_assertion").is_some_and(|a| assertion_verifies(a, &path));
        if (get("client_secret") == Some(SECRET) || assertion_ok)
            && get("grant_type") == Some("client_credentials")
            && get("scope").is_some_and(|s| s.ends_with("/.default"))
        {
            (
                200,
                format!(r#"{{"token_type":"Bearer","expires_in":3599,"access_token":"{TOKEN}"}}"#),
            )
        } else {
            (401, r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#.to_owned())
        }
    } else if !bearer {
        (
            401,
            r#"{"error":{"code":"InvalidAuthenticationToken","message":"no token"}}"#.to_owned(),
        )
    } else if path == format!("/v1.0/users/{MAILBOX_ID}/sendMail") || path.contains("/open@") {
        (202, String::new())
    } else {
        (403, r#"{"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}}"#.to_owned())
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    )?;
    stream.flush()
}

fn b64url_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .unwrap_or_default()
}

/// A PS256 client assertion as Entra checks it: header `x5t#S256` of the demo certificate,
/// `aud` the token endpoint, `iss` = `sub` = the client id, the signature verified with the
/// certificate's public key (openssl, RSA-PSS, salt 32).
fn assertion_verifies(jwt: &str, path: &str) -> bool {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [h, c, sig] = parts[..] else { return false };
    let header: serde_json::Value = serde_json::from_slice(&b64url_decode(h)).unwrap_or_default();
    let claims: serde_json::Value = serde_json::from_slice(&b64url_decode(c)).unwrap_or_default();
    if header["alg"] != "PS256" || header["x5t#S256"] != demo_x5t_s256() {
        return false;
    }
    if claims["iss"] != "11111111-2222-4333-8444-555555555555"
        || claims["sub"] != claims["iss"]
        || !claims["aud"].as_str().is_some_and(|a| a.ends_with(path))
        || claims["jti"].as_str().is_none_or(str::is_empty)
    {
        return false;
    }
    let dir = std::env::temp_dir().join(format!(
        "mailgrant-jwt-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("data"), format!("{h}.{c}")).unwrap();
    std::fs::write(dir.join("sig"), b64url_decode(sig)).unwrap();
    let pubkey = Command::new("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(fixture("demo-vendor-certificate.pem"))
        .output()
        .unwrap()
        .stdout;
    std::fs::write(dir.join("pub.pem"), pubkey).unwrap();
    let ok = Command::new("openssl")
        .args([
            "dgst",
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:32",
            "-verify",
        ])
        .arg(dir.join("pub.pem"))
        .arg("-signature")
        .arg(dir.join("sig"))
        .arg(dir.join("data"))
        .output()
        .is_ok_and(|o| o.status.success());
    let _ = std::fs::remove_dir_all(&dir);
    ok
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name)
}

/// The demo certificate's `x5t#S256`, as the config reads it.
fn demo_x5t_s256() -> String {
    let pem = std::fs::read_to_string(fixture("demo-vendor-certificate.pem")).unwrap();
    mailgrant_core::config::certificate::parse(&pem)
        .unwrap()
        .thumbprint_sha256
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn bundle(base: &str) -> Bundle {
    bundle_with(
        base,
        BundleCredential::ClientSecret {
            value: ClientSecret::new(SECRET.into()),
            id: KeyId::parse("44444444-5555-4666-8777-888888888888").unwrap(),
            expires_at: UtcDateTime::parse_rfc3339("2027-05-25T14:47:57Z").unwrap(),
        },
    )
}

fn bundle_with(base: &str, credential: BundleCredential) -> Bundle {
    Bundle::new(BundleInput {
        tenant_id: TenantId::parse("72f988bf-86f1-41af-91ab-2d7cd011db47").unwrap(),
        client_id: ClientId::parse("11111111-2222-4333-8444-555555555555").unwrap(),
        app_object_id: Some(ObjectId::parse("22222222-3333-4444-8555-666666666666").unwrap()),
        service_principal_object_id: ObjectId::parse("33333333-4444-4555-8666-777777777777")
            .unwrap(),
        app_display_name: DisplayText::parse("Acme Mailer").unwrap(),
        credential,
        mailbox_object_id: ObjectId::parse(MAILBOX_ID).unwrap(),
        mailbox_address: SmtpAddress::parse("shared.mailbox@contoso.com").unwrap(),
        mailbox_scope: MailboxScope {
            mode: ScopeMode::RbacForApplications,
            target: ScopeTarget::OneMailbox,
        },
        endpoints: Endpoints::custom(
            &format!("{base}/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"),
            base,
        )
        .unwrap(),
        created_at: UtcDateTime::parse_rfc3339("2026-11-26T14:47:57Z").unwrap(),
    })
    .unwrap()
}

/// A directory with only the tools the script may use, without `jq`.
fn path_without_jq(dir: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["sh", "curl", "sed", "mktemp", "rm", "cat", "grep"] {
        let target = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{tool} not found"));
        let link = bin.join(tool);
        if !link.exists() {
            std::os::unix::fs::symlink(target, link).unwrap();
        }
    }
    bin.display().to_string()
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn sh_script_sends_as_the_mailbox_and_sees_the_refusal() {
    assert!(have("curl"), "curl is needed for this test");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    {
        let seen = seen.clone();
        std::thread::spawn(move || serve(listener, seen));
    }

    let b = bundle(&base);
    let dir: PathBuf =
        std::env::temp_dir().join(format!("mailgrant-sh-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("test-mailgrant.sh");
    let json = dir.join("mailgrant-bundle.json");
    std::fs::write(&script, render_test_sh(&b)).unwrap();
    std::fs::write(&json, render_json(&b)).unwrap();
    let no_jq = path_without_jq(&dir);
    let system_path = std::env::var("PATH").unwrap();

    let run = |path: &str, args: &[&str], secret_env: Option<&str>| {
        let mut c = Command::new("sh");
        c.arg(&script)
            .args(args)
            .env("PATH", path)
            .env_remove("MAILGRANT_CLIENT_SECRET");
        if let Some(s) = secret_env {
            c.env("MAILGRANT_CLIENT_SECRET", s);
        }
        let out = c.output().unwrap();
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };

    let mut paths = vec![no_jq.as_str()];
    if have("jq") {
        paths.push(system_path.as_str());
    }
    let json_arg = json.display().to_string();
    for path in paths {
        // Secret from the bundle file; the second mailbox is refused as it must be.
        let (code, out) = run(path, &["-b", &json_arg, "-d", "other@contoso.com"], None);
        assert_eq!(code, Some(0), "PATH={path}\n{out}");
        assert!(out.contains("OK (HTTP 202 Accepted)"), "{out}");
        assert!(out.contains("OK (HTTP 403 ErrorAccessDenied)"), "{out}");
        assert!(out.contains("All checks passed."), "{out}");
        assert!(!out.contains(SECRET) && !out.contains(TOKEN), "{out}");

        // Secret from the environment; a second mailbox that is NOT refused fails the test.
        let (code, out) = run(path, &["-d", "open@contoso.com"], Some(SECRET));
        assert_eq!(code, Some(1), "{out}");
        assert!(
            out.contains("FAILED: the app could send as open@contoso.com"),
            "{out}"
        );

        // A wrong secret: the token request fails with the AADSTS explanation.
        let (code, out) = run(path, &[], Some("wrong"));
        assert_eq!(code, Some(1), "{out}");
        assert!(
            out.contains("HTTP 401") && out.contains("AADSTS7000215"),
            "{out}"
        );

        // No secret at all, and an address that could break the JSON or URL.
        let (code, out) = run(path, &[], None);
        assert_eq!(code, Some(2), "{out}");
        assert!(out.contains("MAILGRANT_CLIENT_SECRET"), "{out}");
        let (code, out) = run(path, &["-b", &json_arg, "-d", "a\"b@c.com"], None);
        assert_eq!(code, Some(2), "{out}");
    }

    let seen = seen.lock().unwrap().clone();
    let token_requests: Vec<&Seen> = seen.iter().filter(|s| s.path.ends_with("/token")).collect();
    assert!(!token_requests.is_empty());
    for s in &seen {
        if !s.path.ends_with("/token") {
            assert_eq!(
                s.authorization.as_deref(),
                Some(format!("Bearer {TOKEN}").as_str())
            );
            let mail: serde_json::Value = serde_json::from_str(&s.body).expect("valid JSON");
            assert_eq!(
                mail["message"]["toRecipients"][0]["emailAddress"]["address"],
                "shared.mailbox@contoso.com"
            );
            assert_eq!(mail["saveToSentItems"], false);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_certificate_script_signs_an_assertion_entra_would_accept() {
    assert!(
        have("curl") && have("openssl"),
        "curl and openssl are needed"
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    {
        let seen = seen.clone();
        std::thread::spawn(move || serve(listener, seen));
    }
    let pem = std::fs::read_to_string(fixture("demo-vendor-certificate.pem")).unwrap();
    let cert = mailgrant_core::config::certificate::parse(&pem).unwrap();
    let b = bundle_with(
        &base,
        BundleCredential::Certificate {
            thumbprint: cert.thumbprint,
            thumbprint_sha256: cert.thumbprint_sha256,
            expires_at: cert.not_after,
        },
    );
    let dir = std::env::temp_dir().join(format!("mailgrant-cert-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("test-mailgrant.sh");
    std::fs::write(&script, render_test_sh(&b)).unwrap();
    let run = |args: &[&std::ffi::OsStr]| {
        let out = Command::new("sh").arg(&script).args(args).output().unwrap();
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let key = fixture("demo-vendor-certificate-key.pem");
    let (code, out) = run(&[
        "-k".as_ref(),
        key.as_os_str(),
        "-d".as_ref(),
        "other@contoso.com".as_ref(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("All checks passed."), "{out}");
    // Another key: the token endpoint refuses the assertion.
    let other = dir.join("other.pem");
    let made = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&other)
        .status()
        .unwrap();
    assert!(made.success());
    let (code, out) = run(&["-k".as_ref(), other.as_os_str()]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("AADSTS700027"),
        "the hint for a wrong key: {out}"
    );
    let body = &seen.lock().unwrap()[0].body;
    assert!(body.contains("client_assertion="), "{body}");
    assert!(!body.contains("client_secret"), "{body}");
    let _ = std::fs::remove_dir_all(&dir);
}
