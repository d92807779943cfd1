//! Role preflight: can the signed-in admin do the chosen mode's Graph part?

use crate::config::ScopeMode;

/// Entra built-in role template ids and names (Microsoft Entra built-in roles reference).
pub const ROLES: [(&str, &str); 5] = [
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
    ),
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
    ),
    (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
    ),
    (
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
    ),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
    ),
];

/// The name of a role template id, if it is one mailgrant cares about.
pub fn role_name(template_id: &str) -> Option<&'static str> {
    ROLES
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(template_id))
        .map(|(_, name)| *name)
}

/// The outcome of the preflight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleCheck {
    /// One of the admin's roles is enough; named.
    Sufficient(&'static str),
    /// None of the admin's known roles is enough: these are the roles held (by name).
    Insufficient { held: Vec<&'static str> },
    /// The sign-in did not say (no `wids` claim): the page will find out at the first write.
    Unknown,
}

/// Checks the `wids` claim (role template ids) against the mode's sufficient roles.
pub fn check(mode: ScopeMode, wids: Option<&[String]>) -> RoleCheck {
    let Some(wids) = wids else {
        return RoleCheck::Unknown;
    };
    let held: Vec<&'static str> = wids.iter().filter_map(|w| role_name(w)).collect();
    match mode
        .sufficient_entra_roles()
        .iter()
        .find(|r| held.contains(r))
    {
        Some(role) => RoleCheck::Sufficient(role),
        None => RoleCheck::Insufficient { held },
    }
}

/// The roles with which the page can make the Exchange role assignment itself (RBAC mode):
/// Exchange's RBAC for Applications docs name Exchange Administrator (Organization Management);
/// Global Administrator holds it too. Without one, the script (run by an Exchange admin) does it.
pub const EXCHANGE_ROLES: [&str; 2] = ["Global Administrator", "Exchange Administrator"];

/// Whether the admin can make the Exchange role assignment, from `wids`.
pub fn check_exchange(wids: Option<&[String]>) -> RoleCheck {
    let Some(wids) = wids else {
        return RoleCheck::Unknown;
    };
    let held: Vec<&'static str> = wids.iter().filter_map(|w| role_name(w)).collect();
    match EXCHANGE_ROLES.iter().find(|r| held.contains(r)) {
        Some(role) => RoleCheck::Sufficient(role),
        None => RoleCheck::Insufficient { held },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> Vec<String> {
        names
            .iter()
            .map(|n| ROLES.iter().find(|(_, r)| r == n).unwrap().0.to_owned())
            .collect()
    }

    #[test]
    fn application_administrator_suffices_for_rbac_only() {
        let app_admin = ids(&["Application Administrator"]);
        assert_eq!(
            check(ScopeMode::RbacForApplications, Some(&app_admin)),
            RoleCheck::Sufficient("Application Administrator")
        );
        assert_eq!(
            check(ScopeMode::ApplicationAccessPolicy, Some(&app_admin)),
            RoleCheck::Insufficient {
                held: vec!["Application Administrator"]
            }
        );
    }

    #[test]
    fn privileged_role_administrator_suffices_for_both() {
        let pra = ids(&["Privileged Role Administrator"]);
        for mode in ScopeMode::ALL {
            assert!(matches!(check(mode, Some(&pra)), RoleCheck::Sufficient(_)));
        }
    }

    #[test]
    fn no_claim_means_unknown_and_no_roles_means_insufficient() {
        assert_eq!(
            check(ScopeMode::RbacForApplications, None),
            RoleCheck::Unknown
        );
        assert_eq!(
            check(ScopeMode::RbacForApplications, Some(&[])),
            RoleCheck::Insufficient { held: vec![] }
        );
        // Unknown template ids (e.g. the default "user" role) are ignored.
        let user = vec!["b79fbf4d-3ef9-4689-8143-76b194e85509".to_owned()];
        assert_eq!(
            check(ScopeMode::RbacForApplications, Some(&user)),
            RoleCheck::Insufficient { held: vec![] }
        );
    }
}
