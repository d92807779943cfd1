//! One place that turns every error into words for people: what happened, and what to do.

use crate::config::{ConfigError, EXAMPLE};

/// An error as shown to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// One line: what happened.
    pub title: String,
    /// The cause, in plain words.
    pub detail: String,
    /// What to do about it.
    pub fix: String,
    /// Who should act: the admin using the page, or the vendor hosting it.
    pub audience: Audience,
    /// A known-good example to compare with, if one helps.
    pub example: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Admin,
    Vendor,
}

pub trait Explain {
    fn explain(&self) -> Explanation;
}

impl Explain for ConfigError {
    fn explain(&self) -> Explanation {
        let (title, fix) = match self {
            ConfigError::Unreachable(_) => (
                "This page's configuration (config.json) could not be loaded.".to_owned(),
                "The vendor hosting this page must place a config.json beside index.html. \
                 Check your network connection and reload; if it persists, contact the vendor."
                    .to_owned(),
            ),
            ConfigError::NotJson(_) => (
                "This page's configuration (config.json) is not valid JSON.".to_owned(),
                "Fix the JSON syntax of config.json (compare with the example below).".to_owned(),
            ),
            other => (
                format!(
                    "This page's configuration (config.json) has a problem with `{}`.",
                    other.key().unwrap_or_default()
                ),
                "Correct that key in config.json and reload the page.".to_owned(),
            ),
        };
        Explanation {
            title,
            detail: self.to_string(),
            fix,
            audience: Audience::Vendor,
            example: Some(EXAMPLE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_name_the_key_in_the_title() {
        let e = crate::config::parse(r#"{"clientId": 7}"#)
            .unwrap_err()
            .explain();
        assert!(e.title.contains("`clientId`"), "{}", e.title);
        assert!(e.detail.contains("found the number 7"), "{}", e.detail);
        assert_eq!(e.audience, Audience::Vendor);
    }
}
