//! The checker's own regression tests. The vendor help page's snippet (graph-facts.md D.6) must
//! be rejected on each of its faults, one finding per fault; its corrected form must pass; and
//! each other rule of the checker must fire on a minimal bad call.

use pscheck::{catalog, check, Finding, Problem};

fn findings(script: &str) -> Vec<Finding> {
    check(&catalog(), script)
}

fn problems(script: &str) -> Vec<Problem> {
    findings(script).into_iter().map(|f| f.problem).collect()
}

fn missing_argument(cmdlet: &str, parameter: &str) -> Problem {
    Problem::MissingArgument {
        cmdlet: cmdlet.into(),
        parameter: parameter.into(),
    }
}

fn not_a_guid(cmdlet: &str, value: &str) -> Problem {
    Problem::NotAGuid {
        cmdlet: cmdlet.into(),
        parameter: "AppId".into(),
        value: value.into(),
    }
}

/// The snippet as the vendor article shows it (the elided description filled in with
/// Microsoft's sample text).
const VENDOR_SNIPPET: &str = "\
-ApplicationAccessPolicy -AppId e8f4eefc-046g-4084-9b4b-2ab8f144b59f -PolicyScopeGroupId -AccessRight RestrictAccess -Description \"Restrict this app to members of distribution group EvenUsers.\"
Test-ApplicationAccessPolicy -Identity -AppId e8f4eefc-046g-4084-9b4b-2ab8f144b59f
";

/// The same two lines with every fault fixed.
const CORRECTED: &str = "\
New-ApplicationAccessPolicy -AppId e7e4dbfc-046f-4074-9b3b-2ae8f144f59b -PolicyScopeGroupId EvenUsers@contoso.com -AccessRight RestrictAccess -Description \"Restrict this app to members of distribution group EvenUsers.\"
Test-ApplicationAccessPolicy -Identity Chris@contoso.com -AppId e7e4dbfc-046f-4074-9b3b-2ae8f144f59b
";

const NEW_AAP: &str = "New-ApplicationAccessPolicy";
const TEST_AAP: &str = "Test-ApplicationAccessPolicy";

#[test]
fn the_vendor_snippet_is_rejected_on_each_fault() {
    let bad = "e8f4eefc-046g-4084-9b4b-2ab8f144b59f";
    assert_eq!(
        findings(VENDOR_SNIPPET),
        vec![
            // D.6 fault 1: no cmdlet name.
            Finding {
                line: 1,
                problem: Problem::MissingCommandName {
                    written: "-ApplicationAccessPolicy".into(),
                    suggestion: Some(NEW_AAP.into()),
                },
            },
            // D.6 fault 3: -PolicyScopeGroupId has no value.
            Finding {
                line: 1,
                problem: missing_argument(NEW_AAP, "PolicyScopeGroupId"),
            },
            // D.6 fault 2: `g` is not hexadecimal.
            Finding {
                line: 1,
                problem: not_a_guid(NEW_AAP, bad),
            },
            // D.6 fault 4: -Identity has no value.
            Finding {
                line: 2,
                problem: missing_argument(TEST_AAP, "Identity"),
            },
            Finding {
                line: 2,
                problem: not_a_guid(TEST_AAP, bad),
            },
        ]
    );
}

#[test]
fn the_corrected_snippet_passes() {
    assert_eq!(findings(CORRECTED), vec![]);
    // Identity is positional (D.6 fault 4 note).
    assert_eq!(
        findings("Test-ApplicationAccessPolicy shared@contoso.com -AppId e7e4dbfc-046f-4074-9b3b-2ae8f144f59b"),
        vec![]
    );
}

/// Each D.6 fault alone, introduced into the corrected snippet, gives exactly its finding.
#[test]
fn each_fault_alone_is_found() {
    let cases: Vec<(String, Problem)> = vec![
        (
            CORRECTED.replacen("New-ApplicationAccessPolicy", "-ApplicationAccessPolicy", 1),
            Problem::MissingCommandName {
                written: "-ApplicationAccessPolicy".into(),
                suggestion: Some(NEW_AAP.into()),
            },
        ),
        (
            CORRECTED.replacen("e7e4dbfc-046f", "e7e4dbfc-046g", 1),
            not_a_guid(NEW_AAP, "e7e4dbfc-046g-4074-9b3b-2ae8f144f59b"),
        ),
        (
            CORRECTED.replacen("-PolicyScopeGroupId EvenUsers@contoso.com", "-PolicyScopeGroupId", 1),
            missing_argument(NEW_AAP, "PolicyScopeGroupId"),
        ),
        (
            CORRECTED.replacen("-Identity Chris@contoso.com", "-Identity", 1),
            missing_argument(TEST_AAP, "Identity"),
        ),
        // D.6 fault 5: Test-ApplicationAccessPolicy -AppId takes one String, not an array.
        (
            CORRECTED.replacen(
                "-AppId e7e4dbfc-046f-4074-9b3b-2ae8f144f59b\n",
                "-AppId e7e4dbfc-046f-4074-9b3b-2ae8f144f59b, 00000000-0000-0000-0000-000000000001\n",
                1,
            ),
            Problem::ListForScalar {
                cmdlet: TEST_AAP.into(),
                parameter: "AppId".into(),
            },
        ),
        // Microsoft's own Test example has a three-digit group.
        (
            CORRECTED.replacen(
                "-Identity Chris@contoso.com -AppId e7e4dbfc-046f",
                "-Identity Chris@contoso.com -AppId e7e4dbfc-046",
                1,
            ),
            not_a_guid(TEST_AAP, "e7e4dbfc-046-4074-9b3b-2ae8f144f59b"),
        ),
    ];
    for (script, expected) in cases {
        assert_eq!(problems(&script), vec![expected], "{script}");
    }
}

#[test]
fn the_app_set_never_mixes_with_write_scopes() {
    assert_eq!(
        problems("New-ManagementRoleAssignment -App 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d -Role 'Application Mail.Send' -CustomRecipientWriteScope 'S'"),
        vec![Problem::AppWithWriteScope("CustomRecipientWriteScope".into())]
    );
    assert_eq!(
        problems("New-ManagementRoleAssignment -App x -Role 'Application Mail.Send' -CustomResourceScope 'S'"),
        vec![]
    );
    assert!(matches!(
        problems("New-ManagementRoleAssignment -App x -Role r -User u")[..],
        [Problem::NoParameterSet { .. }]
    ));
}

#[test]
fn other_rules() {
    let one = |s: &str| {
        let p = problems(s);
        assert_eq!(p.len(), 1, "{s}: {p:?}");
        p.into_iter().next()
    };
    assert!(matches!(
        one("New-DistributionGroup -Name 'G' -DomainController dc1.contoso.com"),
        Some(Problem::OnPremisesOnly { .. })
    ));
    assert!(matches!(
        one("New-DistributionGroup -Name 'G' -Type Secure"),
        Some(Problem::InvalidValue { .. })
    ));
    // GCC (moderate) has no environment name of its own: it uses O365Default.
    assert!(matches!(
        one("Connect-ExchangeOnline -ExchangeEnvironmentName O365USGovGCC"),
        Some(Problem::InvalidValue { .. })
    ));
    assert!(matches!(
        one("New-ManagementScope -Name 'S'"),
        Some(Problem::MissingMandatory { .. })
    ));
    assert!(matches!(
        one("New-ServicePrincipal -AppId 6e3c1f0a-8a3b-4c1e-9d2f-5b7a9c0d1e2f -ObjectId 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d -ServiceId x"),
        Some(Problem::NotForUse { .. })
    ));
    assert!(matches!(
        one(
            "New-ServicePrincipal -AppId 6e3c1f0a-8a3b-4c1e-9d2f-5b7a9c0d1e2f -ObjectId not-a-guid"
        ),
        Some(Problem::NotAGuid { .. })
    ));
    assert!(matches!(
        one("Get-Mailbox -Identity x"),
        Some(Problem::UnknownCommand(_))
    ));
    assert!(matches!(
        one("Get-ServicePrincipal -Foo x"),
        Some(Problem::UnknownParameter { .. })
    ));
    assert!(matches!(
        one("Remove-ManagementScope -Identity a -Identity b"),
        Some(Problem::DuplicateParameter { .. })
    ));
    assert!(matches!(
        one("Remove-ManagementScope a b"),
        Some(Problem::TooManyArguments { .. })
    ));
    // Variables assigned one literal are resolved.
    assert!(matches!(
        one("$Right = 'Restrict'\nNew-ApplicationAccessPolicy -AppId * -PolicyScopeGroupId g -AccessRight $Right"),
        Some(Problem::InvalidValue { .. })
    ));
    assert!(matches!(one("'open"), Some(Problem::Unreadable(_))));
}
