//! PowerShell read back, for the tests of mailgrant's generated scripts: [`tokenize`], the
//! command calls of a token stream ([`commands`]), and [`check`] of every Exchange Online cmdlet
//! call against Microsoft's cmdlet reference ([`catalog`], `data/exo-cmdlets.json`).
//!
//! A dev-only crate: `mailgrant-core` uses it in its tests; the page does not depend on it.

pub mod check;
pub mod parse;
pub mod token;

pub use check::{check, Catalog, Finding, Problem};
pub use parse::commands;
pub use token::tokenize;

/// Microsoft's reference of the Exchange Online cmdlets the scripts use (parsed from the
/// platyPS help of `MicrosoftDocs/office-docs-powershell`).
pub const CATALOG_JSON: &str = include_str!("../data/exo-cmdlets.json");

/// [`CATALOG_JSON`], read.
pub fn catalog() -> Catalog {
    Catalog::from_json(CATALOG_JSON).expect("the bundled exo-cmdlets.json parses")
}
