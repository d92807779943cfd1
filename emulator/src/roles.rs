//! Microsoft Entra built-in directory roles the demo tenant uses.

use serde::Serialize;

/// Microsoft Entra built-in roles used by the seed (role *template* ids, the `wids` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[allow(clippy::enum_variant_names)]
pub enum Role {
    GlobalAdministrator,
    PrivilegedRoleAdministrator,
    ApplicationAdministrator,
    CloudApplicationAdministrator,
    /// Manages Exchange Online; Microsoft's RBAC for Applications page names it (with the
    /// Organization Management role group) as what it takes to assign Application roles.
    ExchangeAdministrator,
}

impl Role {
    pub fn template_id(self) -> &'static str {
        match self {
            Role::GlobalAdministrator => "62e90394-69f5-4237-9190-012177145e10",
            Role::PrivilegedRoleAdministrator => "e8611ab8-c189-46e8-94e1-60213ab1f814",
            Role::ApplicationAdministrator => "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
            Role::CloudApplicationAdministrator => "158c047a-c907-4556-b7ef-446551a6b5f7",
            Role::ExchangeAdministrator => "29232cdf-9323-42fd-ade2-1d097af3e4de",
        }
    }

    /// The object id of this role's activated `directoryRole` in the demo tenant (tenant
    /// specific, unlike the template id).
    pub fn object_id(self) -> &'static str {
        match self {
            Role::GlobalAdministrator => "5e1c4b2a-6f0d-4c5e-9a8b-1d2e3f405162",
            Role::PrivilegedRoleAdministrator => "6f2d5c3b-7a1e-4d6f-8b9c-2e3f40516273",
            Role::ApplicationAdministrator => "7a3e6d4c-8b2f-4e7a-9c0d-3f4051627384",
            Role::CloudApplicationAdministrator => "8b4f7e5d-9c3a-4f8b-8d1e-405162738495",
            Role::ExchangeAdministrator => "eacfa9b7-ddf3-4d98-8927-daa743f963d5",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Role::GlobalAdministrator => "Global Administrator",
            Role::PrivilegedRoleAdministrator => "Privileged Role Administrator",
            Role::ApplicationAdministrator => "Application Administrator",
            Role::CloudApplicationAdministrator => "Cloud Application Administrator",
            Role::ExchangeAdministrator => "Exchange Administrator",
        }
    }
}
