use super::*;
use pscheck::tokenize;

pub(crate) const SECRET: &str = "Xy7Q~s3cr3t.VALUE_must-not-leak~0123456789ab";

pub(crate) fn input(target: ScopeTarget) -> BundleInput {
    let tenant_id = TenantId::parse("72f988bf-86f1-41af-91ab-2d7cd011db47").unwrap();
    BundleInput {
        tenant_id,
        client_id: ClientId::parse("11111111-2222-4333-8444-555555555555").unwrap(),
        app_object_id: Some(ObjectId::parse("22222222-3333-4444-8555-666666666666").unwrap()),
        service_principal_object_id: ObjectId::parse("33333333-4444-4555-8666-777777777777")
            .unwrap(),
        app_display_name: DisplayText::parse("Acme Mailer for O’Brien; \"quotes\", $x").unwrap(),
        credential: BundleCredential::ClientSecret {
            value: ClientSecret::new(SECRET.into()),
            id: KeyId::parse("44444444-5555-4666-8777-888888888888").unwrap(),
            expires_at: UtcDateTime::parse_rfc3339("2027-05-25T14:47:57.123Z").unwrap(),
        },
        mailbox_object_id: ObjectId::parse("55555555-6666-4777-8888-999999999999").unwrap(),
        mailbox_address: SmtpAddress::parse("shared.mailbox@contoso.onmicrosoft.com").unwrap(),
        mailbox_scope: MailboxScope {
            mode: ScopeMode::RbacForApplications,
            target,
        },
        endpoints: Endpoints::for_cloud(Cloud::Global, tenant_id),
        created_at: UtcDateTime::parse_rfc3339("2026-11-26T14:47:57Z").unwrap(),
    }
}

/// Sets the secret's value (the input is a secret's).
fn set_secret(i: &mut BundleInput, text: &str) {
    if let BundleCredential::ClientSecret { value, .. } = &mut i.credential {
        *value = ClientSecret::new(text.into());
    }
}

/// Sets the secret's expiry.
fn set_expiry(i: &mut BundleInput, at: UtcDateTime) {
    if let BundleCredential::ClientSecret { expires_at, .. } = &mut i.credential {
        *expires_at = at;
    }
}

pub(crate) fn bundle() -> Bundle {
    Bundle::new(input(ScopeTarget::OneMailbox)).unwrap()
}

#[test]
fn debug_never_shows_the_secret_value() {
    let b = bundle();
    for text in [
        format!("{b:?}"),
        format!("{b:#?}"),
        format!("{:?}", b.fields()),
    ] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
        assert!(
            text.contains("44444444-5555-4666-8777-888888888888"),
            "{text}"
        );
    }
    let p = generate_passphrase([7; 16]);
    assert!(!format!("{p:?}").contains(p.expose_secret()));
}

#[test]
fn only_json_and_env_contain_the_secret_value() {
    let b = bundle();
    assert!(render_json(&b).contains(SECRET));
    assert!(render_env(&b).contains(SECRET));
    for (name, text) in [
        ("README", render_readme(&b)),
        ("ics", render_ics(&b, b.fields().created_at).unwrap()),
        ("ps1", render_test_powershell(&b)),
        ("sh", render_test_sh(&b)),
    ] {
        assert!(!text.contains(SECRET), "{name} contains the secret");
        assert!(!text.contains("s3cr3t"), "{name} contains the secret");
    }
}

#[test]
fn json_names_value_and_id_apart() {
    let v: serde_json::Value = serde_json::from_str(&render_json(&bundle())).unwrap();
    assert_eq!(v["format"], "mailgrant-bundle/1");
    assert_eq!(v["clientSecretValue"], SECRET);
    assert_eq!(v["clientSecretId"], "44444444-5555-4666-8777-888888888888");
    assert_eq!(v["clientSecretExpiresAt"], "2027-05-25T14:47:57Z");
    assert_eq!(
        v["tokenEndpoint"],
        "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"
    );
    assert_eq!(v["tokenScope"], "https://graph.microsoft.com/.default");
    assert_eq!(v["graphBaseUrl"], "https://graph.microsoft.com");
    assert_eq!(
        v["mailboxScope"],
        serde_json::json!({"mode": "rbacForApplications", "target": "oneMailbox"})
    );
    assert_eq!(v["mailgrantVersion"], crate::VERSION);
    assert!(v.get("secret").is_none() && v.get("keyId").is_none());
}

#[test]
fn readme_names_the_secret_value_and_id_unambiguously() {
    let r = render_readme(&bundle());
    let value_line = r
        .lines()
        .find(|l| l.contains("Client secret VALUE"))
        .unwrap();
    assert!(value_line.contains("\"clientSecretValue\""), "{value_line}");
    assert!(value_line.contains("NOT printed here"), "{value_line}");
    let id_line = r.lines().find(|l| l.contains("Client secret ID")).unwrap();
    assert!(
        id_line.contains("44444444-5555-4666-8777-888888888888 (keyId)"),
        "{id_line}"
    );
    assert!(id_line.contains("NOT the secret"), "{id_line}");
    // The id is never called a secret value, and the value's line holds no GUID.
    assert!(!value_line.contains("44444444-"));
    assert!(
        r.contains("3. The admin deletes the old secret, ID 44444444-5555-4666-8777-888888888888.")
    );
    assert!(r.contains("/v1.0/users/55555555-6666-4777-8888-999999999999/sendMail"));
}

/// `mailgrant.env` as `docker run --env-file` reads it: `KEY=VALUE` to the end of the line, no
/// quote or `$` processing, `#` lines are comments (Docker's documented rules).
fn docker_env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

#[test]
fn the_env_file_is_literal_for_docker_and_the_sh_file_for_sh() {
    let mut i = input(ScopeTarget::OneMailbox);
    set_secret(&mut i, "a$HOME#b~c.d_e-f${X}!");
    i.mailbox_address = SmtpAddress::parse("o{x}$y`z@contoso.com").unwrap();
    i.endpoints =
        Endpoints::custom("http://localhost:8402/t$x/token", "http://localhost:8402").unwrap();
    let b = Bundle::new(i).unwrap();
    let expected = [
        ("MAILGRANT_CLIENT_SECRET", "a$HOME#b~c.d_e-f${X}!"),
        ("MAILGRANT_MAILBOX_ADDRESS", "o{x}$y`z@contoso.com"),
        (
            "MAILGRANT_TOKEN_ENDPOINT",
            "http://localhost:8402/t$x/token",
        ),
        (
            "MAILGRANT_CLIENT_SECRET_ID",
            "44444444-5555-4666-8777-888888888888",
        ),
    ];
    let docker = docker_env_file(&render_env(&b));
    assert_eq!(docker.len(), 12);
    for (k, v) in expected {
        assert!(
            docker.iter().any(|(dk, dv)| dk == k && dv == v),
            "{k}: {docker:?}"
        );
    }
    // sh reads every value of mailgrant.sh back exactly.
    let sh = render_sh(&b);
    let script = format!(
        "{sh}\nprintf '%s|' \"$MAILGRANT_CLIENT_SECRET\" \"$MAILGRANT_MAILBOX_ADDRESS\" \"$MAILGRANT_TOKEN_ENDPOINT\" \"$MAILGRANT_CLIENT_SECRET_ID\""
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .env_remove("X")
        .output()
        .expect("sh runs");
    let want: String = expected.iter().map(|(_, v)| format!("{v}|")).collect();
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
    // And the exports reach a child process.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{sh}\nsh -c 'printf %s \"$MAILGRANT_TENANT_ID\"'"))
        .output()
        .expect("sh runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "72f988bf-86f1-41af-91ab-2d7cd011db47"
    );
}

#[test]
fn secret_values_that_cannot_be_quoted_are_refused() {
    for bad in ["", "a b", "a'b", "a\"b", "a\\b", "a\nb", "a`b"] {
        let mut i = input(ScopeTarget::OneMailbox);
        set_secret(&mut i, bad);
        let err = Bundle::new(i).unwrap_err();
        assert!(
            matches!(
                err,
                BundleError::EmptySecret | BundleError::UnexpectedSecretCharacters
            ),
            "{bad:?}: {err}"
        );
    }
    let mut i = input(ScopeTarget::OneMailbox);
    let at = i.created_at;
    set_expiry(&mut i, at);
    assert!(matches!(
        Bundle::new(i),
        Err(BundleError::ExpiresBeforeCreation { .. })
    ));
}

#[test]
fn endpoints() {
    let t = TenantId::parse("72f988bf-86f1-41af-91ab-2d7cd011db47").unwrap();
    let e = Endpoints::for_cloud(Cloud::UsGovDod, t);
    assert_eq!(
        e.token_endpoint(),
        "https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"
    );
    assert_eq!(e.token_scope(), "https://dod-graph.microsoft.us/.default");
    assert_eq!(
        Endpoints::for_cloud(Cloud::China, t).graph_base_url(),
        "https://microsoftgraph.chinacloudapi.cn"
    );
    assert_eq!(
        Endpoints::custom("http://localhost:8402/token", "http://localhost:8402/")
            .unwrap()
            .graph_base_url(),
        "http://localhost:8402"
    );
    for bad in [
        "ftp://x",
        "https://",
        "https:///x",
        "https://a b",
        "https://a'b",
        "https://a/?q",
        "https://a/#f",
        "https://a/\\",
        "https://é",
    ] {
        assert!(
            Endpoints::custom(bad, "https://graph.microsoft.com").is_err(),
            "{bad}"
        );
        assert!(Endpoints::custom("https://login", bad).is_err(), "{bad}");
    }
}

#[test]
fn ics_shape() {
    let b = bundle();
    let ics = render_ics(
        &b,
        UtcDateTime::parse_rfc3339("2026-11-26T15:00:00Z").unwrap(),
    )
    .unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mailgrant//"));
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(!ics.replace("\r\n", "").contains('\n'), "bare LF");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{line:?}");
    }
    let unfolded = ics.replace("\r\n ", "");
    assert!(
        unfolded.contains("\r\nDTSTART:20270425T144757Z\r\n"),
        "{unfolded}"
    );
    assert!(unfolded.contains("\r\nDTSTART:20270525T144757Z\r\n"));
    assert_eq!(
        unfolded.matches("\r\nDTSTAMP:20261126T150000Z\r\n").count(),
        2
    );
    assert!(unfolded.contains("\r\nUID:44444444-5555-4666-8777-888888888888-rotate@mailgrant\r\n"));
    assert!(unfolded.contains("O’Brien\\; \"quotes\"\\, $x"));
    assert!(unfolded
        .contains("delete the old client secret\\, ID 44444444-5555-4666-8777-888888888888"));
}

#[test]
fn powershell_script_embeds_values_as_literals() {
    let mut i = input(ScopeTarget::OneMailbox);
    i.mailbox_address = SmtpAddress::parse("o{x}$y`z@contoso.com").unwrap();
    let b = Bundle::new(i).unwrap();
    let ps = render_test_powershell(&b);
    assert!(ps.contains("$Mailbox = 'o{x}$y`z@contoso.com'\n"), "{ps}");
    assert!(ps.contains("$TenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47'\n"));
    assert!(ps.contains("$TokenScope = 'https://graph.microsoft.com/.default'\n"));
    assert!(ps.contains("/v1.0/users/{1}/sendMail"));
    assert!(ps.contains("'ErrorAccessDenied'"));
    assert!(ps.contains("$secret = Get-BundleValue 'clientSecretValue'"));
    assert!(ps.contains("GetEnvironmentVariable($SecretEnvVar)"));
    // The repo's PowerShell tokenizer reads the whole script.
    tokenize(&ps).expect("the script tokenizes");
}

#[test]
fn sh_script_embeds_values_as_literals_and_parses() {
    assert_eq!(scripts::sh_quote("it's"), r"'it'\''s'");
    let mut i = input(ScopeTarget::OneMailbox);
    i.mailbox_address = SmtpAddress::parse("o{x}$y`z@contoso.com").unwrap();
    let b = Bundle::new(i).unwrap();
    let sh = render_test_sh(&b);
    assert!(sh.starts_with("#!/bin/sh\n"));
    assert!(sh.contains("MAILBOX='o{x}$y`z@contoso.com'\n"), "{sh}");
    assert!(sh.contains("MAILBOX_OBJECT_ID='55555555-6666-4777-8888-999999999999'\n"));
    assert!(sh.contains("--data-urlencode \"$credential_field@$tmp/credential\""));
    assert!(sh.contains("credential_field=client_secret\n"));
    assert!(sh.contains("bundle_value clientSecretValue"));
    assert!(
        !sh.contains("client_secret=$"),
        "the secret must not be a curl argument"
    );
    if let Ok(out) = std::process::Command::new("sh")
        .arg("-n")
        .arg("-c")
        .arg(&sh)
        .output()
    {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The embedded values read back exactly.
    if let Ok(out) = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{}\nprintf '%s|%s' \"$MAILBOX\" \"$TOKEN_ENDPOINT\"",
            sh.lines()
                .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()) && l.contains("='"))
                .collect::<Vec<_>>()
                .join("\n")
        ))
        .output()
    {
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "o{x}$y`z@contoso.com|https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"
        );
    }
}

#[test]
fn group_scopes_in_json() {
    let b = Bundle::new(input(ScopeTarget::NewGroup {
        name: DisplayText::parse("Acme senders").unwrap(),
        address: SmtpAddress::parse("acme-senders@contoso.com").unwrap(),
    }))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&render_json(&b)).unwrap();
    assert_eq!(
        v["mailboxScope"],
        serde_json::json!({"mode": "rbacForApplications", "target": "newGroup",
            "groupAddress": "acme-senders@contoso.com", "groupName": "Acme senders"})
    );
}

#[test]
fn default_hand_off_format() {
    assert_eq!(
        HandOffFormat::default_for(Some(DEMO_AGE_RECIPIENT)),
        HandOffFormat::AgeRecipient
    );
    assert_eq!(
        HandOffFormat::default_for(None),
        HandOffFormat::AgePassphrase
    );
    assert!(HandOffFormat::PlainEnv.is_plaintext() && !HandOffFormat::AgeRecipient.is_plaintext());
    assert_eq!(
        HandOffFormat::AgePassphrase.file_name(),
        "mailgrant-bundle.json.age"
    );
}

#[test]
fn scripts_are_ascii_for_windows_powershell() {
    // Windows PowerShell 5.1 reads a script without a byte-order mark as the ANSI code page.
    let b = bundle();
    assert!(!b.fields().app_display_name.as_str().is_ascii());
    for script in [render_test_powershell(&b), render_test_sh(&b)] {
        assert!(script.is_ascii(), "{script}");
    }
    let r = render_readme(&b);
    assert!(r.contains("powershell -ExecutionPolicy Bypass -File .\\test-mailgrant.ps1"));
}

#[test]
fn short_lived_secrets_get_the_reminder_at_half_their_lifetime() {
    let mut i = input(ScopeTarget::OneMailbox);
    let at = i.created_at.plus_days(10).unwrap();
    set_expiry(&mut i, at);
    let b = Bundle::new(i).unwrap();
    assert_eq!(reminder_lead_days(&b), 5);
    let ics = render_ics(&b, b.fields().created_at)
        .unwrap()
        .replace("\r\n ", "");
    assert!(ics.contains("\r\nDTSTART:20261201T144757Z\r\n"), "{ics}");
    assert!(ics.contains("(5 days left)"));
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);

    let mut i = input(ScopeTarget::OneMailbox);
    let at = i.created_at.plus_days(1).unwrap();
    set_expiry(&mut i, at);
    let b = Bundle::new(i).unwrap();
    assert_eq!(reminder_lead_days(&b), 0);
    let ics = render_ics(&b, b.fields().created_at).unwrap();
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
    assert!(ics.contains("\r\nDTSTART:20261127T144757Z\r\n"));

    assert_eq!(reminder_lead_days(&bundle()), REMINDER_DAYS_BEFORE_EXPIRY);
}

/// The hand-off module renders the README, `.env`, `.sh`, `.ics` and test scripts from the
/// bundle JSON the page made: read back, every credential kind, scope and mode gives the very
/// files the page's own bundle gives.
#[test]
fn a_bundle_read_back_from_its_json_renders_the_same_files() {
    let group = SmtpAddress::parse("senders@contoso.onmicrosoft.com").unwrap();
    let targets = [
        ScopeTarget::OneMailbox,
        ScopeTarget::ExistingGroup {
            address: group.clone(),
        },
        ScopeTarget::NewGroup {
            name: DisplayText::parse("Acme senders").unwrap(),
            address: group,
        },
    ];
    let expires_at = UtcDateTime::parse_rfc3339("2027-05-25T14:47:57Z").unwrap();
    let credentials = || {
        [
            None,
            Some(BundleCredential::Certificate {
                thumbprint: "0123456789ABCDEF0123456789ABCDEF01234567".into(),
                thumbprint_sha256: "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80".into(),
                expires_at,
            }),
            Some(BundleCredential::Federated {
                name: "acme".into(),
                issuer: "https://token.actions.githubusercontent.com".into(),
                subject: "repo:acme/mailer:environment:prod".into(),
                audience: "api://AzureADTokenExchange".into(),
            }),
            Some(BundleCredential::VendorApp),
        ]
    };
    let files = |b: &Bundle| {
        [
            render_json(b),
            render_env(b),
            render_sh(b),
            render_readme(b),
            render_ics(b, b.fields().created_at).unwrap_or_default(),
            render_test_powershell(b),
            render_test_sh(b),
        ]
    };
    let mut checked = 0;
    for target in targets {
        for mode in [
            ScopeMode::RbacForApplications,
            ScopeMode::ApplicationAccessPolicy,
        ] {
            for credential in credentials() {
                let mut i = input(target.clone());
                i.mailbox_scope.mode = mode;
                if let Some(c) = credential {
                    i.credential = c;
                }
                let b = Bundle::new(i).unwrap();
                let back = read_json(&render_json(&b)).unwrap();
                assert_eq!(files(&back), files(&b), "{mode:?} {target:?}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 24);
}

/// A file that is not a bundle this page wrote is refused, naming the key.
#[test]
fn a_damaged_bundle_is_refused_naming_its_key() {
    let good: serde_json::Value = serde_json::from_str(&render_json(&bundle())).unwrap();
    let check = |change: &dyn Fn(&mut serde_json::Value), key: &str| {
        let mut v = good.clone();
        change(&mut v);
        match read_json(&v.to_string()) {
            Err(BundleError::Unreadable(why)) => assert!(why.starts_with(key), "{key}: {why}"),
            other => panic!("{key}: {other:?}"),
        }
    };
    check(&|v| v["format"] = "mailgrant-bundle/2".into(), "format");
    check(&|v| v["tenantId"] = "nope".into(), "tenantId");
    check(
        &|v| v["credential"]["kind"] = "password".into(),
        "credential.kind",
    );
    check(
        &|v| v["credential"]["expiresAt"] = 5.into(),
        "credential.expiresAt",
    );
    check(
        &|v| v["mailboxScope"]["target"] = "everyone".into(),
        "mailboxScope.target",
    );
    check(
        &|v| v["mailboxAddress"] = serde_json::Value::Null,
        "mailboxAddress",
    );
    check(
        &|v| *v = serde_json::json!([1]),
        "the bundle is not an object",
    );
    assert!(matches!(read_json("{"), Err(BundleError::Unreadable(_))));
}
