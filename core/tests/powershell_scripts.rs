//! The generated Exchange Online scripts: snapshots of every combination, each checked against
//! Microsoft's cmdlet reference (`pscheck/data/exo-cmdlets.json`), plus structure and encoding.
//!
//! Snapshot combinations: {RBAC for Applications, Application Access Policy}
//! × {one mailbox, existing group, new group} × {worldwide, GCC High}, setup and rollback.
//! All six mode × target pairs make sense:
//! - RBAC + one mailbox: scope `ExternalDirectoryObjectId -eq '<mailbox object id>'`.
//! - RBAC + existing group / new group: scope `MemberOfGroup -eq '<DN>'`; "new group" creates
//!   the mail-enabled security group first (the DN is read at run time either way).
//! - AAP + one mailbox: the mailbox itself is `-PolicyScopeGroupId` (user mailboxes only; the
//!   script says a shared mailbox needs a group).
//! - AAP + existing / new group: the vendor article's path.

use mailgrant_core::config::ScopeMode;
use mailgrant_core::ids::{ClientId, ObjectId, SmtpAddress, TenantId};
use mailgrant_core::powershell::{
    download_bytes, file_name, rollback_script, setup_script, Cloud, DisplayText, ScopeTarget,
    ScriptError, ScriptInput,
};
use pscheck::{catalog, check, commands, tokenize};

fn smtp(s: &str) -> SmtpAddress {
    SmtpAddress::parse(s).expect("valid address")
}

fn text(s: &str) -> DisplayText {
    DisplayText::parse(s).expect("valid text")
}

#[derive(Clone, Copy, Debug)]
enum Target {
    OneMailbox,
    ExistingGroup,
    NewGroup,
}

const TARGETS: [Target; 3] = [Target::OneMailbox, Target::ExistingGroup, Target::NewGroup];

fn input(mode: ScopeMode, target: Target, cloud: Cloud) -> ScriptInput {
    ScriptInput {
        tenant_id: TenantId::parse("3f2504e0-4f89-41d3-9a0c-0305e82c3301").expect("guid"),
        cloud,
        admin_upn: smtp("admin@contoso.onmicrosoft.com"),
        client_id: ClientId::parse("6e3c1f0a-8a3b-4c1e-9d2f-5b7a9c0d1e2f").expect("guid"),
        service_principal_id: ObjectId::parse("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
            .expect("guid"),
        app_display_name: text("Contoso Mailer (O'Brien’s invoices)"),
        mailbox_object_id: ObjectId::parse("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9").expect("guid"),
        mailbox: smtp("invoices@contoso.com"),
        denied_mailbox: Some(smtp("ceo@contoso.com")),
        mode,
        target: match target {
            Target::OneMailbox => ScopeTarget::OneMailbox,
            Target::ExistingGroup => ScopeTarget::ExistingGroup {
                address: smtp("mail-senders@contoso.com"),
            },
            Target::NewGroup => ScopeTarget::NewGroup {
                name: text("Contoso Mailer senders"),
                address: smtp("contoso-mailer-senders@contoso.com"),
            },
        },
        description: None,
        exchange_applied: false,
    }
}

fn mode_slug(mode: ScopeMode) -> &'static str {
    match mode {
        ScopeMode::RbacForApplications => "rbac",
        ScopeMode::ApplicationAccessPolicy => "aap",
    }
}

fn target_slug(target: Target) -> &'static str {
    match target {
        Target::OneMailbox => "one_mailbox",
        Target::ExistingGroup => "existing_group",
        Target::NewGroup => "new_group",
    }
}

/// Every input variation the checker must accept.
fn all_inputs() -> Vec<ScriptInput> {
    let mut out = Vec::new();
    for mode in ScopeMode::ALL {
        for target in TARGETS {
            for cloud in Cloud::ALL {
                let mut i = input(mode, target, cloud);
                out.push(i.clone());
                i.denied_mailbox = None;
                i.description = Some(text("Set up by mailgrant"));
                out.push(i.clone());
                // RBAC: the page made the role assignment itself; the script only checks.
                i.exchange_applied = true;
                out.push(i);
            }
        }
    }
    out
}

fn scripts(i: &ScriptInput) -> [(String, &'static str); 2] {
    [
        (setup_script(i).expect("setup script"), "setup"),
        (rollback_script(i).expect("rollback script"), "rollback"),
    ]
}

#[test]
fn snapshots() {
    for mode in ScopeMode::ALL {
        for target in TARGETS {
            for (cloud, cloud_slug) in [(Cloud::Global, "global"), (Cloud::UsGovGccHigh, "gcchigh")]
            {
                let i = input(mode, target, cloud);
                for (script, kind) in scripts(&i) {
                    let name = format!(
                        "{}_{}_{}_{}",
                        mode_slug(mode),
                        target_slug(target),
                        cloud_slug,
                        kind
                    );
                    insta::assert_snapshot!(name, script);
                }
            }
        }
    }
}

#[test]
fn when_the_page_made_the_exchange_assignment_the_rbac_script_only_checks() {
    for target in TARGETS {
        let i = ScriptInput {
            exchange_applied: true,
            ..input(ScopeMode::RbacForApplications, target, Cloud::Global)
        };
        let script = setup_script(&i).unwrap();
        if let Target::OneMailbox = target {
            insta::assert_snapshot!("rbac_one_mailbox_global_setup_applied", script);
        }
        assert!(
            script.contains("New-ServicePrincipal"),
            "the pointer, for the test"
        );
        assert!(script.contains("Test-ServicePrincipalAuthorization"));
        for absent in ["New-ManagementScope", "New-ManagementRoleAssignment"] {
            assert!(!script.contains(absent), "{absent} in {target:?}");
        }
    }
}

#[test]
fn every_generated_cmdlet_call_fits_the_reference() {
    let catalog = catalog();
    for i in all_inputs() {
        for (script, kind) in scripts(&i) {
            let findings = check(&catalog, &script);
            assert!(
                findings.is_empty(),
                "{kind} script for {:?}/{:?}/{:?}:\n{}\n{script}",
                i.mode,
                i.target,
                i.cloud,
                findings
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

#[test]
fn every_new_add_and_remove_is_guarded_by_an_earlier_get() {
    for i in all_inputs() {
        for (script, kind) in scripts(&i) {
            let tokens = tokenize(&script).expect("tokenizes");
            let calls = commands(&tokens);
            for (n, call) in calls.iter().enumerate() {
                let Some((verb, noun)) = call.name.split_once('-') else {
                    continue;
                };
                if !matches!(verb, "New" | "Add" | "Remove") {
                    continue;
                }
                // Adding/removing a member is guarded by listing the members.
                let get = format!("Get-{noun}");
                assert!(
                    calls[..n].iter().any(|c| c.name == get),
                    "{kind}: {} on line {} has no earlier {get}",
                    call.name,
                    call.line
                );
            }
        }
    }
}

#[test]
fn scripts_have_the_required_frame() {
    for i in all_inputs() {
        for (script, kind) in scripts(&i) {
            assert!(
                script.starts_with("#Requires -Modules ExchangeOnlineManagement\n"),
                "{kind}"
            );
            assert!(
                script.contains("\n$ErrorActionPreference = 'Stop'\n"),
                "{kind}"
            );
            assert!(
                script.contains("} finally {\n    Disconnect-ExchangeOnline -Confirm:$false\n}"),
                "{kind}"
            );
            assert!(script.contains("Write-Host 'PASS: "), "{kind}");
            assert!(script.contains("Write-Host 'FAIL: "), "{kind}");
            let connect = script
                .lines()
                .find(|l| l.trim_start().starts_with("Connect-ExchangeOnline"))
                .map(str::trim_start)
                .expect("connects");
            match i.cloud.exchange_environment_name() {
                None => assert_eq!(
                    connect,
                    "Connect-ExchangeOnline -UserPrincipalName $AdminUpn -ShowBanner:$false"
                ),
                Some(env) => assert_eq!(
                    connect,
                    format!("Connect-ExchangeOnline -UserPrincipalName $AdminUpn -ExchangeEnvironmentName {env} -ShowBanner:$false")
                ),
            }
        }
    }
}

#[test]
fn clouds_map_to_exchange_environments() {
    let names: Vec<_> = Cloud::ALL
        .iter()
        .map(|c| c.exchange_environment_name())
        .collect();
    assert_eq!(
        names,
        [
            None,
            None,
            Some("O365USGovGCCHigh"),
            Some("O365USGovDoD"),
            Some("O365China")
        ]
    );
}

#[test]
fn setup_tests_expect_the_right_results() {
    let rbac = setup_script(&input(
        ScopeMode::RbacForApplications,
        Target::OneMailbox,
        Cloud::Global,
    ))
    .expect("script");
    assert!(rbac.contains(
        "Test-ServicePrincipalAuthorization -Identity $ServicePrincipalId -Resource $Mailbox"
    ));
    assert!(rbac.contains("if (Test-MailSendInScope -Mailbox $DeniedMailbox) {"));
    assert!(rbac.contains("must list no appRoleId b633e1c5-b582-4048-a93e-9f11b44c7e96"));
    assert!(rbac.contains("30 minutes to 2 hours"));
    let aap = setup_script(&input(
        ScopeMode::ApplicationAccessPolicy,
        Target::NewGroup,
        Cloud::Global,
    ))
    .expect("script");
    assert!(aap.contains("-AccessRight RestrictAccess"));
    assert!(aap.contains("[string]$Result.AccessCheckResult -eq 'Granted'"));
    assert!(
        aap.contains("Write-Warning 'Microsoft says not to create new Application Access Policies")
    );
    assert!(aap.contains("New-DistributionGroup -Name $GroupName -Type Security -PrimarySmtpAddress $GroupAddress -Members $MailboxAddress"));

    let mut none = input(
        ScopeMode::ApplicationAccessPolicy,
        Target::OneMailbox,
        Cloud::Global,
    );
    none.denied_mailbox = None;
    let aap = setup_script(&none).expect("script");
    assert!(!aap.contains("DeniedMailbox"));
    assert!(aap.contains("the restriction itself was not tested"));
}

#[test]
fn aap_rollback_refuses_to_run_before_mail_send_is_revoked() {
    let s = rollback_script(&input(
        ScopeMode::ApplicationAccessPolicy,
        Target::ExistingGroup,
        Cloud::Global,
    ))
    .expect("script");
    let guard = s.find("if (-not $MailSendRevoked) {").expect("guard");
    let connect = s.find("Connect-ExchangeOnline").expect("connect");
    assert!(guard < connect);
    assert!(s.contains("[switch] $MailSendRevoked"));
}

#[test]
fn inconsistent_inputs_are_refused_with_the_reason() {
    let mut i = input(
        ScopeMode::RbacForApplications,
        Target::OneMailbox,
        Cloud::Global,
    );
    i.denied_mailbox = Some(smtp("INVOICES@contoso.com"));
    assert_eq!(
        setup_script(&i),
        Err(ScriptError::DeniedMailboxIsGranted(
            "INVOICES@contoso.com".into()
        ))
    );
    let mut i = input(
        ScopeMode::ApplicationAccessPolicy,
        Target::NewGroup,
        Cloud::Global,
    );
    i.target = ScopeTarget::NewGroup {
        name: text(&"n".repeat(65)),
        address: smtp("g@contoso.com"),
    };
    assert_eq!(
        rollback_script(&i),
        Err(ScriptError::GroupNameTooLong { len: 65, max: 64 })
    );
    i.target = ScopeTarget::ExistingGroup {
        address: smtp("invoices@contoso.com"),
    };
    assert!(matches!(
        setup_script(&i),
        Err(ScriptError::GroupAddressIsMailbox(_))
    ));
}

#[test]
fn download_is_utf8_with_bom_and_crlf() {
    let bytes = download_bytes("a\nb’\r\nc\n");
    assert_eq!(bytes, "\u{FEFF}a\r\nb’\r\nc\r\n".as_bytes());
    let script = setup_script(&input(
        ScopeMode::RbacForApplications,
        Target::NewGroup,
        Cloud::China,
    ))
    .expect("script");
    let bytes = download_bytes(&script);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF#Requires"));
    let text = std::str::from_utf8(&bytes[3..]).expect("utf-8");
    assert!(!text.replace("\r\n", "").contains('\n'));
    assert_eq!(text.replace("\r\n", "\n"), script);
}

#[test]
fn file_names() {
    let i = input(
        ScopeMode::RbacForApplications,
        Target::OneMailbox,
        Cloud::Global,
    );
    assert_eq!(
        file_name(&i, false),
        "mailgrant-rbac-setup-6e3c1f0a-8a3b-4c1e-9d2f-5b7a9c0d1e2f.ps1"
    );
}
