use super::*;

const GOOD: &str = r#"{
  "clientId": "11111111-2222-3333-4444-555555555555",
  "vendor": {
    "name": "Contoso Mailer",
    "appDisplayName": "{vendor} mail sender",
    "defaultScopeMode": "applicationAccessPolicy",
    "supportContact": "support@contoso.example"
  }
}"#;

fn with(patch: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(GOOD).unwrap();
    patch(&mut v);
    v.to_string()
}

#[test]
fn minimal_config_gets_microsoft_defaults() {
    let c = parse(GOOD).unwrap();
    assert_eq!(c.authority, DEFAULT_AUTHORITY);
    assert_eq!(c.graph_base_url, DEFAULT_GRAPH_BASE_URL);
    assert_eq!(
        c.vendor.default_scope_mode,
        ScopeMode::ApplicationAccessPolicy
    );
    assert_eq!(c.vendor.app_display_name(), "Contoso Mailer mail sender");
    assert_eq!(c.vendor.secret_lifetime_days, DEFAULT_SECRET_LIFETIME_DAYS);
    assert_eq!(c.vendor.age_recipient, None);
}

#[test]
fn the_example_is_valid_apart_from_its_placeholder_recipient() {
    let err = parse(EXAMPLE).unwrap_err();
    assert_eq!(err.key(), Some("vendor.ageRecipient"));
}

#[test]
fn wrong_type_names_the_key_and_what_was_found() {
    let err = parse(&with(|v| v["vendor"]["name"] = Value::from(42))).unwrap_err();
    assert_eq!(err.key(), Some("vendor.name"));
    assert!(err.to_string().contains("found the number 42"), "{err}");
}

#[test]
fn client_id_is_a_guid_at_entra_and_any_oauth_client_id_elsewhere() {
    let with = |authority: &str, id: &str| {
        parse(&format!(
            r#"{{"clientId":"{id}","authority":"{authority}","vendor":{{"name":"V","appDisplayName":"x","defaultScopeMode":"rbacForApplications","supportContact":"s@v.example"}}}}"#
        ))
    };
    let entra = "https://login.microsoftonline.us/organizations/v2.0";
    assert_eq!(
        with(entra, "mailgrant-spa").unwrap_err().key(),
        Some("clientId")
    );
    assert_eq!(
        with(entra, "11111111-2222-3333-4444-555555555555")
            .unwrap()
            .client_id
            .as_str(),
        "11111111-2222-3333-4444-555555555555"
    );
    let idn = with("https://lögin.example/realms/acme", "x").unwrap_err();
    assert_eq!(idn.key(), Some("authority"));
    assert!(idn.to_string().contains("xn--"), "{idn}");
    assert!(with("https://xn--lgin-5qa.example/realms/acme", "x").is_ok());
    let other = "https://idp.example/realms/acme";
    assert_eq!(
        with(other, "0oa1b2c3d4").unwrap().client_id.as_str(),
        "0oa1b2c3d4"
    );
    for bad in ["", "two words", "tab\\there"] {
        let err = with(other, bad).unwrap_err();
        assert_eq!(err.key(), Some("clientId"), "{bad}");
    }
    assert!(is_microsoft_authority(
        "https://LOGIN.microsoftonline.com/x/v2.0"
    ));
    assert!(!is_microsoft_authority(
        "https://login.microsoftonline.com.evil.example/x"
    ));
    assert!(!is_microsoft_authority(
        "https://login.microsoftonline.com:x@evil.example/x"
    ));
}

#[test]
fn each_key_is_named_when_wrong() {
    type Patch = Box<dyn FnOnce(&mut Value)>;
    let cases: Vec<(&str, Patch)> = vec![
        (
            "clientId",
            Box::new(|v| v["clientId"] = "not-a-guid".into()),
        ),
        (
            "clientId",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("clientId");
            }),
        ),
        (
            "authority",
            Box::new(|v| v["authority"] = "http://evil.example/v2.0".into()),
        ),
        ("authority", Box::new(|v| v["authority"] = true.into())),
        (
            "graphBaseUrl",
            Box::new(|v| v["graphBaseUrl"] = "https://graph.microsoft.com?x=1".into()),
        ),
        ("vendor", Box::new(|v| v["vendor"] = "Contoso".into())),
        (
            "vendor.defaultScopeMode",
            Box::new(|v| v["vendor"]["defaultScopeMode"] = "rbac".into()),
        ),
        (
            "vendor.supportContact",
            Box::new(|v| v["vendor"]["supportContact"] = " ".into()),
        ),
        (
            "vendor.appDisplayName",
            Box::new(|v| v["vendor"]["appDisplayName"] = "a\nb".into()),
        ),
        (
            "vendor.ageRecipient",
            Box::new(|v| v["vendor"]["ageRecipient"] = "age1xyz".into()),
        ),
        (
            "vendor.secretLifetimeDays",
            Box::new(|v| v["vendor"]["secretLifetimeDays"] = 0.into()),
        ),
        (
            "vendor.secretLifetimeDays",
            Box::new(|v| v["vendor"]["secretLifetimeDays"] = "180".into()),
        ),
        (
            "vendor.secretLifetimeDays",
            Box::new(|v| v["vendor"]["secretLifetimeDays"] = 731.into()),
        ),
        // Only Microsoft Graph's origins receive the token; a loopback one needs the marker.
        (
            "graphBaseUrl",
            Box::new(|v| v["graphBaseUrl"] = "https://graph.microsoft.com.evil.example".into()),
        ),
        (
            "graphBaseUrl",
            Box::new(|v| v["graphBaseUrl"] = "https://graph.microsoft.com/v1.0".into()),
        ),
        (
            "graphBaseUrl",
            Box::new(|v| v["graphBaseUrl"] = "http://127.0.0.1:8402".into()),
        ),
        (
            "authority",
            Box::new(|v| v["authority"] = "http://localhost:8401/organizations/v2.0".into()),
        ),
        (
            "developmentOrigins",
            Box::new(|v| v["developmentOrigins"] = "yes".into()),
        ),
        // What the Hand-off would refuse is refused at load.
        (
            "vendor.name",
            Box::new(|v| v["vendor"]["name"] = "Contoso\u{202E}liaM".into()),
        ),
        (
            "vendor.name",
            Box::new(|v| v["vendor"]["name"] = "Contoso\u{200F}".into()),
        ),
        (
            "vendor.name",
            Box::new(|v| v["vendor"]["name"] = "Contoso\u{2028}Mailer".into()),
        ),
        (
            "vendor.appDisplayName",
            Box::new(|v| v["vendor"]["appDisplayName"] = "{vendor} \u{2066}x".into()),
        ),
        (
            "vendor.ageRecipient",
            // age-keygen's example recipient with its last checksum character changed.
            Box::new(|v| {
                v["vendor"]["ageRecipient"] =
                    "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8q".into()
            }),
        ),
    ];
    for (key, patch) in cases {
        let text = with(patch);
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key(), Some(key), "{text} → {err}");
    }
}

#[test]
fn a_typo_is_caught_with_a_suggestion() {
    let err = parse(&with(|v| {
        let o = v.as_object_mut().unwrap();
        let id = o.remove("clientId").unwrap();
        o.insert("clientID".into(), id);
    }))
    .unwrap_err();
    assert_eq!(
        err,
        ConfigError::Unknown {
            key: "clientID".into(),
            suggestion: Some("clientId".into())
        }
    );
}

#[test]
fn loopback_http_is_allowed_for_the_emulator_only() {
    let c = parse(&with(|v| {
        v["developmentOrigins"] = true.into();
        v["authority"] = "http://127.0.0.1:8401/organizations/v2.0/".into();
        v["graphBaseUrl"] = "http://localhost:8402".into();
    }))
    .unwrap();
    assert_eq!(c.authority, "http://127.0.0.1:8401/organizations/v2.0");
    assert_eq!(c.graph_base_url, "http://localhost:8402");
    for bad in [
        "http://127.0.0.1.evil.example/x",
        "ftp://x",
        "https://",
        "https://a b",
    ] {
        assert!(
            parse(&with(|v| v["authority"] = bad.into())).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn not_json_is_reported() {
    assert!(matches!(parse("{"), Err(ConfigError::NotJson(_))));
    assert_eq!(parse("[]").unwrap_err().key(), Some("(the whole file)"));
}

#[test]
fn age_recipient_shape() {
    let r = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    let c = parse(&with(|v| v["vendor"]["ageRecipient"] = r.into())).unwrap();
    assert_eq!(c.vendor.age_recipient.as_deref(), Some(r));
}

#[test]
fn the_graph_origins_of_every_cloud_are_accepted() {
    for origin in MICROSOFT_GRAPH_ORIGINS {
        let c = parse(&with(|v| v["graphBaseUrl"] = format!("{origin}/").into())).unwrap();
        assert_eq!(c.graph_base_url, origin);
    }
    let c = parse(&with(|v| {
        v["graphBaseUrl"] = "https://Graph.Microsoft.com".into()
    }))
    .unwrap();
    assert_eq!(c.graph_base_url, "https://graph.microsoft.com");
}

#[test]
fn the_pages_own_origin_never_receives_the_token() {
    let dev = with(|v| {
        v["developmentOrigins"] = true.into();
        v["authority"] = "http://127.0.0.1:8401/organizations/v2.0".into();
        v["graphBaseUrl"] = "http://127.0.0.1:8403".into();
    });
    assert!(parse_for_page(&dev, "http://127.0.0.1:8404", 0).is_ok());
    let err = parse_for_page(&dev, "http://127.0.0.1:8403", 0).unwrap_err();
    assert_eq!(err.key(), Some("graphBaseUrl"));
    assert!(err.to_string().contains("this page's own"), "{err}");
    let err = parse_for_page(&dev, "http://127.0.0.1:8401/", 0).unwrap_err();
    assert_eq!(err.key(), Some("authority"));
    assert!(parse_for_page(GOOD, "https://setup.contoso.example", 0).is_ok());
}

fn cert(name: &str) -> String {
    let path = format!("{}/tests/data/certs/{name}.pem", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

/// The demo certificate with its DER changed by `change`, as PEM again.
fn reencoded(change: impl FnOnce(&mut Vec<u8>)) -> String {
    use base64::Engine;
    let pem = demo_cert();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    change(&mut der);
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        base64::engine::general_purpose::STANDARD.encode(der)
    )
}

fn demo_cert() -> String {
    let path = format!(
        "{}/../fixtures/demo-vendor-certificate.pem",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

/// 2026-12-02, within the demo certificate's validity (2026-01-01 to 2036-01-01).
const NOW_MS: u64 = 1_796_169_600_000;

#[test]
fn credentials_default_to_a_client_secret_and_keep_their_order() {
    let c = parse(GOOD).unwrap();
    assert_eq!(c.vendor.credentials, vec![Credential::ClientSecret]);
    let c = parse(&with(|v| {
        v["vendor"]["credentials"] = serde_json::json!([
            {"kind": "certificate", "certificate": demo_cert()},
            {"kind": "federated", "issuer": "https://token.actions.githubusercontent.com", "subject": "repo:contoso/mailer:environment:production"},
            {"kind": "multiTenantApp", "appId": "6e3c1f0a-8a3b-4c1e-9d2f-5b7a9c0d1e2f"},
            {"kind": "clientSecret"}
        ]);
    }))
    .unwrap();
    let kinds: Vec<&str> = c.vendor.credentials.iter().map(Credential::kind).collect();
    assert_eq!(
        kinds,
        ["certificate", "federated", "multiTenantApp", "clientSecret"]
    );
    let Credential::Certificate(cert) = &c.vendor.credentials[0] else {
        panic!()
    };
    // As `openssl x509 -fingerprint -sha1` prints it.
    assert_eq!(cert.thumbprint, "5D7D0948B39DC4066ACC2E54E0C4FF8F1B1D3036");
    assert_eq!(cert.public_key, certificate::PublicKey::Rsa { bits: 2048 });
    assert_eq!(cert.not_after.to_rfc3339(), "2036-01-01T00:00:00Z");
    let Credential::Federated { audience, .. } = &c.vendor.credentials[1] else {
        panic!()
    };
    assert_eq!(audience, credential::FEDERATED_AUDIENCE);
    assert!(c.check_valid_at(NOW_MS).is_ok());
}

#[test]
fn each_credential_key_is_named_when_wrong() {
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "vendor.credentials",
            serde_json::json!([]),
            "non-empty array",
        ),
        (
            "vendor.credentials",
            serde_json::json!("certificate"),
            "non-empty array",
        ),
        (
            "vendor.credentials[0]",
            serde_json::json!(["clientSecret"]),
            "object",
        ),
        (
            "vendor.credentials[0].kind",
            serde_json::json!([{}]),
            "clientSecret",
        ),
        (
            "vendor.credentials[0].kind",
            serde_json::json!([{"kind": "password"}]),
            "clientSecret",
        ),
        (
            "vendor.credentials[1].kind",
            serde_json::json!([{"kind": "clientSecret"}, {"kind": "clientSecret"}]),
            "at most once",
        ),
        (
            "vendor.credentials[0].certificate",
            serde_json::json!([{"kind": "certificate"}]),
            "PEM",
        ),
        (
            "vendor.credentials[0].certificate",
            serde_json::json!([{"kind": "certificate", "certificate": "MIIC0TCC"}]),
            "not a PEM",
        ),
        (
            "vendor.credentials[0].certificate",
            serde_json::json!([{"kind": "certificate", "certificate": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"}]),
            "never the private key",
        ),
        (
            "vendor.credentials[0].certificate",
            serde_json::json!([{"kind": "certificate", "certificate": cert("weak")}]),
            "1024 bits",
        ),
        (
            "vendor.credentials[0].certificate",
            serde_json::json!([{"kind": "certificate", "certificate": reencoded(|der| der.truncate(300))}]),
            "malformed DER near byte",
        ),
        (
            "vendor.credentials[0].certificate",
            serde_json::json!([{"kind": "certificate", "certificate": reencoded(|der| der.push(0))}]),
            "data after the certificate",
        ),
        (
            "vendor.credentials[0].certificate",
            // SEQUENCE { INTEGER 1, SEQUENCE {}, BIT STRING }: DER, but no TBSCertificate.
            serde_json::json!([{"kind": "certificate", "certificate": reencoded(|der| *der = vec![0x30, 0x09, 0x02, 0x01, 0x01, 0x30, 0x00, 0x03, 0x02, 0x00, 0x00])}]),
            "not a SEQUENCE",
        ),
        (
            "vendor.credentials[0].certificate",
            serde_json::json!([{"kind": "certificate", "certificate": "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----"}]),
            "not a PEM",
        ),
        (
            "vendor.credentials[0].certificate",
            serde_json::json!([{"kind": "certificate", "certificate": cert("ecp256")}]),
            "signed with RSA",
        ),
        (
            "vendor.credentials[0].certificate",
            serde_json::json!([{"kind": "certificate", "certificate": cert("ed")}]),
            "of algorithm",
        ),
        (
            "vendor.credentials[0].issuer",
            serde_json::json!([{"kind": "federated", "subject": "s"}]),
            "issuer",
        ),
        (
            "vendor.credentials[0].issuer",
            serde_json::json!([{"kind": "federated", "issuer": "http://idp.example", "subject": "s"}]),
            "https://",
        ),
        (
            "vendor.credentials[0].subject",
            serde_json::json!([{"kind": "federated", "issuer": "https://idp.example"}]),
            "sub",
        ),
        (
            "vendor.credentials[0].subject",
            serde_json::json!([{"kind": "federated", "issuer": "https://idp.example", "subject": "repo:*"}]),
            "no wildcards",
        ),
        (
            "vendor.credentials[0].appId",
            serde_json::json!([{"kind": "multiTenantApp"}]),
            "GUID",
        ),
        (
            "vendor.credentials[0].appId",
            serde_json::json!([{"kind": "multiTenantApp", "appId": "contoso-mailer"}]),
            "GUID",
        ),
        (
            "vendor.credentials[0].subjectt",
            serde_json::json!([{"kind": "federated", "issuer": "https://idp.example", "subjectt": "s"}]),
            "subject",
        ),
    ];
    for (key, value, says) in cases {
        let text = with(|v| v["vendor"]["credentials"] = value.clone());
        let err = parse(&text).unwrap_err();
        assert_eq!(err.key(), Some(key), "{value} → {err}");
        assert!(err.to_string().contains(says), "{value} → {err}");
    }
}

#[test]
fn a_certificate_outside_its_validity_is_refused_at_load() {
    let at = |name: &str| {
        let text = with(|v| {
            v["vendor"]["credentials"] =
                serde_json::json!([{"kind": "certificate", "certificate": cert(name)}])
        });
        parse_for_page(&text, "https://setup.contoso.example", NOW_MS)
    };
    let e = at("expired").unwrap_err();
    assert_eq!(e.key(), Some("vendor.credentials[0].certificate"));
    assert!(e.to_string().contains("expired on 2021-01-01"), "{e}");
    let e = at("future").unwrap_err();
    assert!(e.to_string().contains("valid only from 2040-01-01"), "{e}");
    assert!(at("weak").is_err(), "too weak, whatever the date");
}
