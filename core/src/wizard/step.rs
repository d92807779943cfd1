//! The wizard's steps, in order.

/// One step of the wizard, as listed in the page's step list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Welcome,
    SignIn,
    Mailbox,
    Scope,
    Review,
    Apply,
    HandOff,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Welcome,
        Step::SignIn,
        Step::Mailbox,
        Step::Scope,
        Step::Review,
        Step::Apply,
        Step::HandOff,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Step::Welcome => "Welcome",
            Step::SignIn => "Sign in",
            Step::Mailbox => "Mailbox",
            Step::Scope => "Scope",
            Step::Review => "Review",
            Step::Apply => "Apply",
            Step::HandOff => "Hand-off",
        }
    }

    /// A stable id for the DOM and for tests.
    pub fn id(self) -> &'static str {
        match self {
            Step::Welcome => "welcome",
            Step::SignIn => "sign-in",
            Step::Mailbox => "mailbox",
            Step::Scope => "scope",
            Step::Review => "review",
            Step::Apply => "apply",
            Step::HandOff => "hand-off",
        }
    }

    pub fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_in_wizard_order_with_unique_ids() {
        let labels: Vec<_> = Step::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(
            labels,
            ["Welcome", "Sign in", "Mailbox", "Scope", "Review", "Apply", "Hand-off"]
        );
        for (i, s) in Step::ALL.iter().enumerate() {
            assert_eq!(s.index(), i);
        }
        let ids: std::collections::HashSet<_> = Step::ALL.iter().map(|s| s.id()).collect();
        assert_eq!(ids.len(), Step::ALL.len(), "every id is different: {ids:?}");
    }
}
