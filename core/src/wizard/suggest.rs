//! Mailbox suggestions while the admin types: users whose name, address or sign-in name starts
//! with the text (one Graph request at a time; when the text changed meanwhile, one more). A
//! convenience only: the check after Continue decides.

use serde_json::Value;

use super::{Effect, Purpose, State, Step};
use crate::config::Config;
use crate::graph::apps;

/// Shorter texts suggest nothing (every user starts with some letter).
const MIN_CHARS: usize = 2;

/// The field's text, the text of the request under way, and the last answer's users.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Suggestions {
    /// The field's text as typed: the page draws it back (the field is the core's).
    pub raw: Option<String>,
    asked: Option<String>,
    /// (display name, primary address or sign-in name).
    pub list: Vec<(String, String)>,
}

impl Suggestions {
    /// What is asked for: the field's text, trimmed, at most 64 characters.
    fn query(&self) -> String {
        self.raw
            .as_deref()
            .unwrap_or_default()
            .trim()
            .chars()
            .take(64)
            .collect()
    }
}

impl State {
    /// The Mailbox field changed.
    pub(super) fn mailbox_typing(&mut self, config: &Config, text: String) -> Vec<Effect> {
        self.suggest.raw = Some(text);
        if self.suggest.asked.is_some() || self.step != Step::Mailbox {
            return vec![];
        }
        self.ask_suggestions(config)
    }

    fn ask_suggestions(&mut self, config: &Config) -> Vec<Effect> {
        let text = self.suggest.query();
        let Some(token) = self.token().filter(|_| text.chars().count() >= MIN_CHARS) else {
            self.suggest.list.clear();
            return vec![];
        };
        self.suggest.asked = Some(text.clone());
        vec![Effect::Http {
            purpose: Purpose::MailboxSuggestions,
            method: "GET",
            url: apps::suggest_users(&text).url(&config.graph_base_url),
            bearer: Some(token),
            form: None,
        }]
    }

    /// The answer (`None`: the network failed): members with an address, for the list.
    pub(super) fn suggestions_answered(
        &mut self,
        config: &Config,
        answer: Option<(u16, &str)>,
    ) -> Vec<Effect> {
        let asked = self.suggest.asked.take();
        if let Some((200, body)) = answer {
            let v: Value = serde_json::from_str(body).unwrap_or_default();
            self.suggest.list = v["value"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|u| u["userType"].as_str() != Some("Guest"))
                .filter_map(|u| {
                    let address = u["mail"].as_str().or(u["userPrincipalName"].as_str())?;
                    let name = u["displayName"].as_str().unwrap_or(address);
                    Some((name.to_owned(), address.to_owned()))
                })
                .collect();
        }
        if asked != Some(self.suggest.query()) && self.step == Step::Mailbox {
            return self.ask_suggestions(config);
        }
        vec![]
    }
}
