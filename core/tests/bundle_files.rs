//! The hand-off bundle's files checked by independent tools: the JSON Schema (`jsonschema`), the
//! calendar (`icalendar`), age decryption (`age` crate and the `age` command-line tool with the
//! demo vendor's identity in `fixtures/`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;

use age::secrecy::SecretString;
use mailgrant_core::bundle::{
    encrypt_to_recipient, encrypt_with_passphrase, encrypt_with_passphrase_work_factor,
    generate_passphrase, render_ics, render_json, seal_to_recipient, seal_with_passphrase, Bundle,
    BundleCredential, BundleError, BundleInput, Endpoints, MailboxScope, Passphrase, Randomness,
    UtcDateTime, DEMO_AGE_RECIPIENT, REMINDER_DAYS_BEFORE_EXPIRY, SCHEMA, SCRYPT_LOG_N,
};
use mailgrant_core::config::ScopeMode;
use mailgrant_core::ids::{ClientId, KeyId, ObjectId, SmtpAddress, TenantId};
use mailgrant_core::powershell::{Cloud, DisplayText, ScopeTarget};
use mailgrant_core::secret::ClientSecret;
use serde_json::{json, Value};

const SECRET: &str = "Xy7Q~s3cr3t.VALUE~0123456789abcdefghijklm";

fn bundle_with(target: ScopeTarget, mode: ScopeMode) -> Bundle {
    let tenant_id = TenantId::parse("72f988bf-86f1-41af-91ab-2d7cd011db47").unwrap();
    Bundle::new(BundleInput {
        tenant_id,
        client_id: ClientId::parse("11111111-2222-4333-8444-555555555555").unwrap(),
        app_object_id: Some(ObjectId::parse("22222222-3333-4444-8555-666666666666").unwrap()),
        service_principal_object_id: ObjectId::parse("33333333-4444-4555-8666-777777777777")
            .unwrap(),
        app_display_name: DisplayText::parse("Acme Mailer, O’Brien; \"x\" ünïcode ✉").unwrap(),
        credential: BundleCredential::ClientSecret {
            value: ClientSecret::new(SECRET.into()),
            id: KeyId::parse("44444444-5555-4666-8777-888888888888").unwrap(),
            expires_at: UtcDateTime::parse_rfc3339("2027-03-01T09:30:00Z").unwrap(),
        },
        mailbox_object_id: ObjectId::parse("55555555-6666-4777-8888-999999999999").unwrap(),
        mailbox_address: SmtpAddress::parse("shared.mailbox@contoso.onmicrosoft.com").unwrap(),
        mailbox_scope: MailboxScope { mode, target },
        endpoints: Endpoints::for_cloud(Cloud::UsGovGccHigh, tenant_id),
        created_at: UtcDateTime::parse_rfc3339("2026-11-26T14:47:57Z").unwrap(),
    })
    .unwrap()
}

fn bundle() -> Bundle {
    bundle_with(ScopeTarget::OneMailbox, ScopeMode::RbacForApplications)
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn fixture_identity_path() -> PathBuf {
    repo_root().join("fixtures/demo-vendor-age-identity.txt")
}

fn fixture_identity() -> age::x25519::Identity {
    let text = std::fs::read_to_string(fixture_identity_path()).unwrap();
    assert!(text.starts_with("# DEMO ONLY — never use for real data"));
    let key = text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .expect("the fixture has an identity");
    age::x25519::Identity::from_str(key).unwrap()
}

// --- JSON Schema -------------------------------------------------------------------------------

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

#[test]
fn schema_file_is_the_embedded_one() {
    let on_disk =
        std::fs::read_to_string(repo_root().join("schemas/mailgrant-bundle-1.schema.json"))
            .unwrap();
    assert_eq!(on_disk, SCHEMA);
}

#[test]
fn schema_accepts_every_produced_bundle() {
    let v = validator();
    let targets = [
        ScopeTarget::OneMailbox,
        ScopeTarget::ExistingGroup {
            address: SmtpAddress::parse("senders@contoso.com").unwrap(),
        },
        ScopeTarget::NewGroup {
            name: DisplayText::parse("Acme senders").unwrap(),
            address: SmtpAddress::parse("acme-senders@contoso.com").unwrap(),
        },
    ];
    for target in targets {
        for mode in ScopeMode::ALL {
            let instance: Value =
                serde_json::from_str(&render_json(&bundle_with(target.clone(), mode))).unwrap();
            let errors: Vec<String> = v.iter_errors(&instance).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{target:?} {mode:?}: {errors:#?}");
        }
    }
}

#[test]
fn schema_rejects_missing_and_mistyped_fields() {
    let v = validator();
    let good: Value = serde_json::from_str(&render_json(&bundle())).unwrap();
    assert!(v.is_valid(&good));
    let fields: Vec<String> = good.as_object().unwrap().keys().cloned().collect();
    for field in &fields {
        let mut missing = good.clone();
        missing.as_object_mut().unwrap().remove(field);
        assert!(!v.is_valid(&missing), "accepted without {field}");
        let mut mistyped = good.clone();
        mistyped[field] = json!(42);
        assert!(!v.is_valid(&mistyped), "accepted {field}: 42");
    }
    let cases: [(&str, Value); 10] = [
        ("format", json!("mailgrant-bundle/2")),
        ("clientSecretId", json!("not-a-guid")),
        ("tenantId", json!("72F988BF-86F1-41AF-91AB-2D7CD011DB47")),
        ("clientSecretValue", json!("")),
        ("clientSecretExpiresAt", json!("2027-03-01")),
        ("mailboxAddress", json!("no-at-sign")),
        ("tokenEndpoint", json!("ftp://x")),
        ("tokenScope", json!("https://graph.microsoft.com")),
        (
            "mailboxScope",
            json!({"mode": "rbacForApplications", "target": "newGroup"}),
        ),
        (
            "mailboxScope",
            json!({"mode": "everything", "target": "oneMailbox"}),
        ),
    ];
    for (field, value) in cases {
        let mut bad = good.clone();
        bad[field] = value.clone();
        assert!(!v.is_valid(&bad), "accepted {field}: {value}");
    }
    let mut extra = good.clone();
    extra["clientSecret"] = json!(SECRET);
    assert!(!v.is_valid(&extra), "accepted an unknown field");
}

// --- iCalendar -----------------------------------------------------------------------------------

#[test]
fn ics_parses_and_the_reminder_is_30_days_before_expiry() {
    use icalendar::{CalendarComponent, CalendarDateTime, Component, DatePerhapsTime};

    let b = bundle();
    let dtstamp = UtcDateTime::parse_rfc3339("2026-11-26T15:00:00Z").unwrap();
    let text = render_ics(&b, dtstamp).unwrap();
    // The strict component parser, then the high-level one.
    icalendar::parser::read_calendar(&icalendar::parser::unfold(&text)).expect("parses");
    let calendar = icalendar::Calendar::from_str(&text).expect("parses");
    assert_eq!(calendar.property_value("VERSION"), Some("2.0"));
    assert!(calendar
        .property_value("PRODID")
        .unwrap()
        .starts_with("-//mailgrant//"));

    let events: Vec<&icalendar::Event> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 2);
    let start = |e: &icalendar::Event| match e.get_start() {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(t))) => t.timestamp(),
        other => panic!("DTSTART is not a UTC date-time: {other:?}"),
    };
    let expiry = b.fields().credential_expires_at().unwrap().unix_seconds();
    assert_eq!(
        start(events[0]),
        expiry - REMINDER_DAYS_BEFORE_EXPIRY * 86_400
    );
    assert_eq!(start(events[1]), expiry);
    assert_eq!(REMINDER_DAYS_BEFORE_EXPIRY, 30);
    for e in &events {
        assert_eq!(
            e.get_timestamp().unwrap().timestamp(),
            dtstamp.unix_seconds()
        );
        assert!(e.get_uid().unwrap().ends_with("@mailgrant"));
        let description = e.get_description().unwrap();
        assert!(
            description.contains("delete the old client secret"),
            "{description}"
        );
        assert!(description.contains("44444444-5555-4666-8777-888888888888"));
    }
    assert!(events[0]
        .get_summary()
        .unwrap()
        .contains("Acme Mailer, O’Brien; \"x\" ünïcode ✉"));
    assert_ne!(events[0].get_uid(), events[1].get_uid());
    // 2027-03-01 minus 30 days crosses February.
    assert!(text.contains("DTSTART:20270130T093000Z\r\n"));
}

// --- age -----------------------------------------------------------------------------------------

/// Fixed stand-in randomness (the page draws fresh bytes per file): one byte pattern per seed.
fn random(seed: u8) -> Randomness {
    Randomness(std::array::from_fn(|i| {
        seed.wrapping_mul(31).wrapping_add(i as u8)
    }))
}

/// The age writer (`bundle/encrypt.rs`) against the age crate's reader, at the payload's chunk
/// boundaries (64 KiB chunks; an empty payload is one empty last chunk), in both modes.
#[test]
fn the_age_crate_decrypts_every_payload_length_in_both_modes() {
    let passphrase = generate_passphrase([0x5a; 16]);
    let mut scrypt_identity =
        age::scrypt::Identity::new(SecretString::from(passphrase.expose_secret().to_owned()));
    scrypt_identity.set_max_work_factor(10);
    for (seed, len) in [
        (0u8, 0usize),
        (1, 1),
        (2, 65_535),
        (3, 65_536),
        (4, 65_537),
        (5, 200_000),
    ] {
        let plaintext: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let to_key = seal_to_recipient(&plaintext, DEMO_AGE_RECIPIENT, random(seed)).unwrap();
        assert_eq!(
            age::decrypt(&fixture_identity(), &to_key).unwrap(),
            plaintext,
            "recipient, {len} bytes"
        );
        let with_passphrase =
            seal_with_passphrase(&plaintext, &passphrase, 10, random(seed)).unwrap();
        assert_eq!(
            age::decrypt(&scrypt_identity, &with_passphrase).unwrap(),
            plaintext,
            "passphrase, {len} bytes"
        );
    }
}

/// All randomness comes from the caller: the same bytes give the same file, other bytes another
/// (file key, ephemeral share and nonce all change), and a damaged byte is refused by the reader.
#[test]
fn the_age_writer_uses_only_the_randomness_it_is_given() {
    let one = seal_to_recipient(b"x", DEMO_AGE_RECIPIENT, random(7)).unwrap();
    assert_eq!(
        one,
        seal_to_recipient(b"x", DEMO_AGE_RECIPIENT, random(7)).unwrap()
    );
    let other = seal_to_recipient(b"x", DEMO_AGE_RECIPIENT, random(8)).unwrap();
    assert_ne!(one[..60], other[..60]);
    assert_ne!(one[one.len() - 33..], other[other.len() - 33..]);
    for at in [30, one.len() - 40, one.len() - 1] {
        let mut damaged = one.clone();
        damaged[at] ^= 1;
        assert!(
            age::decrypt(&fixture_identity(), &damaged).is_err(),
            "byte {at} changed and still decrypted"
        );
    }
}

#[test]
fn demo_recipient_matches_the_fixture_identity() {
    assert_eq!(
        fixture_identity().to_public().to_string(),
        DEMO_AGE_RECIPIENT
    );
}

#[test]
fn recipient_mode_round_trips_with_the_age_crate() {
    let b = bundle();
    let encrypted = encrypt_to_recipient(&b, DEMO_AGE_RECIPIENT, random(1)).unwrap();
    assert!(encrypted.starts_with(b"age-encryption.org/v1\n-> X25519 "));
    assert!(!String::from_utf8_lossy(&encrypted).contains("s3cr3t"));
    let decrypted = age::decrypt(&fixture_identity(), &encrypted).unwrap();
    assert_eq!(String::from_utf8(decrypted).unwrap(), render_json(&b));

    assert_eq!(
        encrypt_to_recipient(&b, "age1nope", random(2)),
        Err(BundleError::Recipient("age1nope".into()))
    );
}

#[test]
fn passphrase_mode_round_trips_with_the_age_crate() {
    let b = bundle();
    let passphrase = generate_passphrase([0x3c; 16]);
    // A low work factor: scrypt is slow in debug builds. The default one is decrypted by the age
    // tool below.
    let encrypted = encrypt_with_passphrase_work_factor(&b, &passphrase, 12, random(3)).unwrap();
    let header = String::from_utf8_lossy(&encrypted[..80]);
    assert!(
        header.starts_with("age-encryption.org/v1\n-> scrypt "),
        "{header}"
    );
    assert!(header.contains(" 12\n"), "{header}");
    let mut identity =
        age::scrypt::Identity::new(SecretString::from(passphrase.expose_secret().to_owned()));
    identity.set_max_work_factor(12);
    let decrypted = age::decrypt(&identity, &encrypted).unwrap();
    assert_eq!(String::from_utf8(decrypted).unwrap(), render_json(&b));

    let wrong = age::scrypt::Identity::new(SecretString::from("wrong".to_owned()));
    assert!(age::decrypt(&wrong, &encrypted).is_err());

    assert!(matches!(
        encrypt_with_passphrase(&b, &Passphrase::new("password123".into()), random(4)),
        Err(BundleError::WeakPassphrase { .. })
    ));
    assert_eq!(
        encrypt_with_passphrase_work_factor(&b, &passphrase, 23, random(5)),
        Err(BundleError::WorkFactor(23))
    );
}

fn age_tool() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("age"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "the `age` command-line tool is not on PATH. Install it (`cargo xtask setup`, or \
             `apt-get install age`): this test checks that a vendor's ordinary age tool \
             decrypts the bundle."
        )
    })
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mailgrant-bundle-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn the_age_tool_decrypts_the_recipient_bundle_with_the_fixture_identity() {
    let age = age_tool();
    let b = bundle();
    let file = temp_file(
        "recipient.json.age",
        &encrypt_to_recipient(&b, DEMO_AGE_RECIPIENT, random(1)).unwrap(),
    );
    let out = Command::new(&age)
        .arg("--decrypt")
        .arg("-i")
        .arg(fixture_identity_path())
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    assert!(
        out.status.success(),
        "age failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), render_json(&b));
}

#[test]
fn the_age_tool_decrypts_the_passphrase_bundle() {
    let age = age_tool();
    let b = bundle();
    let passphrase = generate_passphrase([0xa7; 16]);
    let encrypted = encrypt_with_passphrase(&b, &passphrase, random(6)).unwrap();
    let header = String::from_utf8_lossy(&encrypted[..80]);
    assert!(header.contains(&format!(" {SCRYPT_LOG_N}\n")), "{header}");
    let file = temp_file("passphrase.json.age", &encrypted);
    // age reads a passphrase only from a terminal; `script` gives it one where available.
    let Some(script) = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
    else {
        eprintln!("no `script` tool: the passphrase mode is checked with the age crate only");
        return;
    };
    let mut child = Command::new(script)
        .args(["-qec"])
        .arg(format!("{} --decrypt {}", age.display(), file.display()))
        .arg("/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = child.stdin.take().unwrap();
        // Give age a moment to open the terminal and prompt.
        std::thread::sleep(std::time::Duration::from_millis(500));
        writeln!(stdin, "{}", passphrase.expose_secret()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    std::fs::remove_file(&file).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(
        out.status.success(),
        "age failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&render_json(&b)), "{stdout}");
}
