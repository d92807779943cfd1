//! [`ScriptInput`] as text: how the page hands the scripts' input to the hand-off module, which
//! writes the scripts (their templates are not in the page's first load: the legacy mode waits
//! for the setup script on Apply, by then the module is loading). The module reads it back
//! through the same validated types as the page's own input, so a damaged one is refused,
//! naming its field, and never rendered.

use super::{Cloud, DisplayText, ScopeTarget, ScriptInput};
use crate::config::ScopeMode;
use crate::ids::{ClientId, ObjectId, SmtpAddress, TenantId};

/// The lines of [`ScriptInput::to_text`], in order.
const FIELDS: [&str; 15] = [
    "tenantId",
    "cloud",
    "adminUpn",
    "clientId",
    "servicePrincipalId",
    "appDisplayName",
    "mailboxObjectId",
    "mailbox",
    "deniedMailbox",
    "mode",
    "targetKind",
    "groupName",
    "groupAddress",
    "description",
    "exchangeApplied",
];

impl Cloud {
    /// Its name in the scripts' input.
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::UsGovGcc => "usGovGcc",
            Cloud::UsGovGccHigh => "usGovGccHigh",
            Cloud::UsGovDod => "usGovDod",
            Cloud::China => "china",
        }
    }

    fn parse(s: &str) -> Option<Cloud> {
        Cloud::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

fn address(s: &str) -> Option<SmtpAddress> {
    SmtpAddress::parse(s).ok()
}

fn object_id(s: &str) -> Option<ObjectId> {
    ObjectId::parse(s).ok()
}

fn display_text(s: &str) -> Option<DisplayText> {
    DisplayText::parse(s).ok()
}

/// The lines of an input, each read by its field's name.
struct Lines<'a>(Vec<&'a str>);

impl<'a> Lines<'a> {
    fn line(&self, field: &str) -> &'a str {
        let i = FIELDS.iter().position(|f| *f == field).unwrap_or(0);
        self.0[i]
    }

    /// The field read with `parse` (`None`: not of its form, said as `form`); empty is none.
    fn opt<T>(
        &self,
        field: &str,
        form: &str,
        parse: fn(&str) -> Option<T>,
    ) -> Result<Option<T>, String> {
        match self.line(field) {
            "" => Ok(None),
            value => parse(value)
                .map(Some)
                .ok_or_else(|| format!("{field}: not {form}")),
        }
    }

    fn req<T>(&self, field: &str, form: &str, parse: fn(&str) -> Option<T>) -> Result<T, String> {
        self.opt(field, form, parse)?
            .ok_or_else(|| format!("{field}: missing"))
    }
}

impl ScriptInput {
    /// The input as the hand-off module reads it ([`ScriptInput::from_text`]): one value per
    /// line, in [`FIELDS`]' order, an empty line for none. No value holds a line break: ids,
    /// addresses and display texts refuse them ([`DisplayText`] refuses control characters).
    /// Not JSON: this is the page talking to its own module of the same build (its hash is
    /// pinned), and the JSON writer cost the page's first load 1.0 kB gzip'd.
    pub fn to_text(&self) -> String {
        let (kind, name, group) = match &self.target {
            ScopeTarget::OneMailbox => ("one", None, None),
            ScopeTarget::ExistingGroup { address } => ("group", None, Some(address)),
            ScopeTarget::NewGroup { name, address } => ("new", Some(name.as_str()), Some(address)),
        };
        let or_empty = |v: Option<String>| v.unwrap_or_default();
        [
            self.tenant_id.to_string(),
            self.cloud.as_str().to_owned(),
            self.admin_upn.to_string(),
            self.client_id.to_string(),
            self.service_principal_id.to_string(),
            self.app_display_name.as_str().to_owned(),
            self.mailbox_object_id.to_string(),
            self.mailbox.to_string(),
            or_empty(self.denied_mailbox.as_ref().map(ToString::to_string)),
            self.mode.as_config_str().to_owned(),
            kind.to_owned(),
            or_empty(name.map(str::to_owned)),
            or_empty(group.map(ToString::to_string)),
            or_empty(self.description.as_ref().map(|d| d.as_str().to_owned())),
            if self.exchange_applied { "yes" } else { "no" }.to_owned(),
        ]
        .join("\n")
    }

    /// The input [`ScriptInput::to_text`] wrote, each value checked by its type again; an
    /// error names the field.
    pub fn from_text(text: &str) -> Result<ScriptInput, String> {
        let lines: Vec<&str> = text.split('\n').collect();
        if lines.len() != FIELDS.len() {
            return Err(format!("{} lines, not {}", lines.len(), FIELDS.len()));
        }
        let l = Lines(lines);
        let target = match (
            l.line("targetKind"),
            l.opt("groupName", "a display name", display_text)?,
            l.opt("groupAddress", "an e-mail address", address)?,
        ) {
            ("one", None, None) => ScopeTarget::OneMailbox,
            ("group", None, Some(address)) => ScopeTarget::ExistingGroup { address },
            ("new", Some(name), Some(address)) => ScopeTarget::NewGroup { name, address },
            (kind, ..) => return Err(format!("targetKind: “{kind}” with the wrong fields")),
        };
        const GUID: &str = "a GUID";
        Ok(ScriptInput {
            tenant_id: l.req("tenantId", "a tenant id", |s| TenantId::parse(s).ok())?,
            cloud: l.req("cloud", "a Microsoft 365 cloud", Cloud::parse)?,
            admin_upn: l.req("adminUpn", "an e-mail address", address)?,
            client_id: l.req("clientId", GUID, |s| ClientId::parse(s).ok())?,
            service_principal_id: l.req("servicePrincipalId", GUID, object_id)?,
            app_display_name: l.req("appDisplayName", "a display name", display_text)?,
            mailbox_object_id: l.req("mailboxObjectId", GUID, object_id)?,
            mailbox: l.req("mailbox", "an e-mail address", address)?,
            denied_mailbox: l.opt("deniedMailbox", "an e-mail address", address)?,
            mode: l.req("mode", "a scoping mode", ScopeMode::from_config_str)?,
            target,
            description: l.opt("description", "a display name", display_text)?,
            exchange_applied: l.req("exchangeApplied", "yes or no", |s| match s {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            })?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(mode: ScopeMode, target: ScopeTarget) -> ScriptInput {
        ScriptInput {
            tenant_id: TenantId::parse("72f988bf-86f1-41af-91ab-2d7cd011db47").unwrap(),
            cloud: Cloud::UsGovGccHigh,
            admin_upn: SmtpAddress::parse("admin@contoso.example").unwrap(),
            client_id: ClientId::parse("11111111-2222-4333-8444-555555555555").unwrap(),
            service_principal_id: ObjectId::parse("21111111-2222-4333-8444-555555555555").unwrap(),
            app_display_name: DisplayText::parse("Vendor “mail” — O'Brien").unwrap(),
            mailbox_object_id: ObjectId::parse("31111111-2222-4333-8444-555555555555").unwrap(),
            mailbox: SmtpAddress::parse("billing@contoso.example").unwrap(),
            denied_mailbox: None,
            mode,
            target,
            description: None,
            exchange_applied: false,
        }
    }

    /// Every target, mode, cloud and optional field comes back as it was.
    #[test]
    fn round_trip() {
        let group = SmtpAddress::parse("senders@contoso.example").unwrap();
        let mut all = vec![];
        for mode in [
            ScopeMode::RbacForApplications,
            ScopeMode::ApplicationAccessPolicy,
        ] {
            for target in [
                ScopeTarget::OneMailbox,
                ScopeTarget::ExistingGroup {
                    address: group.clone(),
                },
                ScopeTarget::NewGroup {
                    name: DisplayText::parse("Vendor senders").unwrap(),
                    address: group.clone(),
                },
            ] {
                all.push(input(mode, target));
            }
        }
        let mut full = input(ScopeMode::ApplicationAccessPolicy, ScopeTarget::OneMailbox);
        full.denied_mailbox = Some(SmtpAddress::parse("ceo@contoso.example").unwrap());
        full.description = Some(DisplayText::parse("Only billing").unwrap());
        full.exchange_applied = true;
        all.push(full);
        for (i, cloud) in Cloud::ALL.into_iter().enumerate() {
            all[i].cloud = cloud;
        }
        for i in all {
            assert_eq!(ScriptInput::from_text(&i.to_text()), Ok(i.clone()), "{i:?}");
        }
    }

    /// A damaged input is refused, naming the field.
    #[test]
    fn errors_name_the_field() {
        let good = input(ScopeMode::RbacForApplications, ScopeTarget::OneMailbox).to_text();
        let lines: Vec<&str> = good.split('\n').collect();
        let check = |field: &str, to: &str, expected: &str| {
            let i = FIELDS.iter().position(|f| *f == field).unwrap();
            let mut changed = lines.clone();
            changed[i] = to;
            let text = changed.join("\n");
            assert_eq!(
                ScriptInput::from_text(&text).unwrap_err(),
                expected,
                "{text}"
            );
        };
        for (field, to, expected) in [
            ("cloud", "moon", "cloud: not a Microsoft 365 cloud"),
            ("mode", "", "mode: missing"),
            ("clientId", "x", "clientId: not a GUID"),
            (
                "targetKind",
                "new",
                "targetKind: “new” with the wrong fields",
            ),
            (
                "groupAddress",
                "a@b.example",
                "targetKind: “one” with the wrong fields",
            ),
            ("exchangeApplied", "true", "exchangeApplied: not yes or no"),
            (
                "appDisplayName",
                "a\tb",
                "appDisplayName: not a display name",
            ),
        ] {
            check(field, to, expected);
        }
        assert_eq!(
            ScriptInput::from_text(&format!("{good}\nextra")).unwrap_err(),
            "16 lines, not 15"
        );
        assert_eq!(ScriptInput::from_text("").unwrap_err(), "1 lines, not 15");
    }
}
