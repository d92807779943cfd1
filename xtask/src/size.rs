//! `cargo xtask size`: the release page's weight, raw and gzip'd.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::util::root;

fn gzip_len(bytes: &[u8]) -> usize {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(bytes).expect("writing to memory");
    enc.finish().expect("writing to memory").len()
}

pub fn run() -> Result<(), String> {
    let tools = crate::setup::run()?;
    crate::util::trunk_build(&tools)?;
    report()
}

/// Prints the table for what is in `dist/` now.
pub fn report() -> Result<(), String> {
    let dist = root().join("dist");
    let mut rows: Vec<(String, usize, usize)> = vec![];
    let entries =
        std::fs::read_dir(&dist).map_err(|e| format!("cannot read {}: {e}", dist.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        rows.push((name, bytes.len(), gzip_len(&bytes)));
    }
    rows.sort();
    let sum = |pred: &dyn Fn(&str) -> bool| {
        rows.iter()
            .filter(|(n, _, _)| pred(n))
            .fold((0, 0), |(r, g), (_, raw, gz)| (r + raw, g + gz))
    };
    // The page's own module (trunk's, `mailgrant-*`) loads once Welcome is drawn; the hand-off
    // module once Apply starts. Everything else is the first load.
    let page = |n: &str| n.starts_with("mailgrant-");
    let handoff = |n: &str| n.starts_with("handoff-");
    let shipped = |n: &str| n != "SHA256SUMS";
    let first = sum(&|n| shipped(n) && !page(n) && !handoff(n));
    let after = sum(&page);
    let later = sum(&handoff);
    let whole = sum(&shipped);
    println!(
        "\n{:<40} {:>12} {:>12}",
        "file (dist/)", "raw bytes", "gzip -9"
    );
    for (name, raw, gz) in &rows {
        println!("{name:<40} {raw:>12} {gz:>12}");
    }
    println!("{}", "-".repeat(66));
    for (label, (raw, gz)) in [
        ("first load (before Welcome)", first),
        ("page module (after Welcome is drawn)", after),
        ("hand-off module (once Apply starts)", later),
        ("whole page", whole),
    ] {
        println!("{label:<40} {raw:>12} {gz:>12}");
    }
    check(&[
        ("first load", first.1, FIRST_LOAD_BUDGET),
        ("page module", after.1, PAGE_BUDGET),
        ("hand-off module", later.1, HAND_OFF_BUDGET),
        ("whole page", whole.1, WHOLE_BUDGET),
    ])
}

/// The targets are 250 kB for the first load and 330 kB for the whole page. Measured:
/// the whole app in one module was 390.1 kB (2026-12-02); moving age's X25519/ChaCha20/scrypt
/// into the hand-off module took the first load to about 348 kB and made the whole page about
/// 447 kB (the second module repeats the standard library, the allocator and wasm-bindgen's
/// runtime). Credentials without a secret (issue 12) then took the first load to 402.6 kB: the
/// vendor's certificate read at load (der, SHA-1, PEM; twiggy: about 50 kB of wasm before
/// wasm-opt), the credential kinds' words, bundle fields and vendor test scripts, and the
/// federated-credential and vendor-app operations. Decoding only the certificate fields the page
/// reads and an externally tagged `CredentialPlan` cut 11.3 kB: first load 391.3 kB, whole page
/// 491.8 kB, then 394.2 kB with issue 13's screens (budgets 396/104/496 kB). Issue 13's mailbox
/// checks (+6.5 kB: the look-up by alias, the domains and mailbox-kind reads, their errors),
/// reading the certificate with der's reader and the page's base64 instead of der's derive and
/// pem-rfc7468 (−8.4 kB; the certificate now costs 12.6 kB in all, measured with its parser
/// stubbed out), then Copy feedback, focus and titles per step and Undo's confirmation (+6.3 kB,
/// after −1.1 kB from ASCII-only lowercasing and a hand-written `CredentialPlan` reader): first
/// load 397.0 kB, and 399.6 kB with the Apply checklist and browser history. Eight stateless
/// components then became plain view functions (a yew function component costs about 0.7 kB
/// gzip'd of glue): −5.9 kB, first load 393.7 kB, whole page 494.2 kB — under the budgets of
/// 396/104/496 kB, which stand. With the mail-enabled security group list (+1.1 kB) and three
/// more views as plain functions (Welcome, Mailbox, Apply: −3.9 kB), first load 391.0 kB,
/// whole page 491.4 kB; with the retry countdown and the mailbox suggestions, 393.4 kB and
/// 493.9 kB; with the expiry in the admin's time zone (js-sys `Date`), 394.3 and 494.7 kB.
/// The hand-off module then wrote the age format itself (core `bundle/encrypt.rs`) on the
/// RustCrypto and dalek primitives instead of linking the `age` crate, whose fluent
/// translations, nom, ChaCha12 generator and curve25519-dalek's precomputed basepoint tables
/// (x25519-dalek's default) came along: hand-off module 100.5 → 50.4 kB, whole page 495.1 →
/// 445.4 kB (budgets 52/447 kB, from 104/496). Without the tables the key agreement of one
/// bundle takes 1.2 ms in Chromium (`cargo xtask bench`). The bundle's other files (README,
/// `.env`, `.sh`, `.ics`, the vendor's test scripts) are then written by the hand-off module from
/// the bundle JSON (`bundle::read_json`): first load 395.0 → 381.2 kB, hand-off module 50.4 →
/// 86.2 kB, whole page 445.4 → 467.4 kB. A trade, chosen: the admin waits for the first load,
/// while the module arrives during Apply; the module repeats serde_json's reader (about 9 kB)
/// and the formatting the renderers share with the page (budgets 383/88/469 kB).
/// Then (2026-12-02/03) dependencies the page used for little, each replaced by a few lines or
/// a smaller crate, measured one by one (page wasm, gzip'd): the engine's three BTreeMaps as a
/// vector table (−7.3 kB); the authorize URL and endpoint checks by hand, oauth2 for PKCE only,
/// so the `url` crate and oauth2's client left (−21.3 kB); age recipients' Bech32 by hand
/// (−9.4 kB); talc instead of dlmalloc (page −3.6, module −2.4 kB); wasm-opt's --flatten
/// --rereloop -Oz -Oz after -Oz (−1.9 kB); the journal read and written over
/// `serde_json::Value` by hand instead of serde's derives (−5.8 kB); smaller ones (the id
/// token's claims from a `str`, `aud` without an untagged enum, no Debug quoting in the module);
/// wasm-bindgen's JS glue minified with terser (page −2.1 kB, module −0.9 kB); stricter URL
/// checks after review (+0.5 kB). First load 381.2 → 327.7 kB, hand-off module 86.2 → 72.4 kB,
/// whole page 467.4 → 400.1 kB (budgets 329/74/402 kB, from 383/88/469). Then the Exchange
/// scripts written by the hand-off module from a line-per-value input (`ScriptInput::to_text`;
/// the legacy mode's Apply step waits for the module, with Retry): first load 327.5 → 321.3 kB,
/// hand-off module 72.5 → 85.8 kB, whole page 400.0 → 407.1 kB; then one JSON pretty-printer
/// fewer (Value's Display for Review and the log): first load 320.5 kB, whole page 406.3 kB
/// (budgets 322/87/408 kB, from 329/74/402). The
/// same trade as the renderers': the admin waits for the first load, the module arrives during
/// Apply, and it repeats what the scripts share with the page (formatting, the id parsers).
/// Then (2026-12-04) every other document the page reads (the token answer, the ID token's
/// claims, the discovery document, each Graph answer, the pending Scope answer) read through
/// `FromJson` over `serde_json::Value` instead of serde's derives, 24 of them: first load
/// 320.5 → 302.8 kB, whole page 406.3 → 388.5 kB; then PEM and JWT base64 decoded by hand
/// (the crate's encoder stays: oauth2's PKCE links it): first load 301.9 kB, whole page
/// 387.6 kB (budgets 304/87/390 kB, from 322/87/408).
/// Then Welcome drawn by a bootstrap module (binary `welcome`: yew, the config reader, the
/// discovery reader and Welcome's words; core `wizard::boot`), the page's own module fetched
/// while Welcome is read and started by Sign in: first load 302.1 → 137.8 kB, page module
/// 298.9 kB, whole page 387.8 → 522.4 kB (budgets 140/300/87/525 kB, from 304/–/87/390). A
/// trade, chosen: the admin sees Welcome after the first load alone, and the page's module
/// arrives while they read it; the bootstrap repeats yew, the allocator, serde_json and the
/// config reader, about 130 kB that the whole page now carries twice.
/// The bootstrap then hands over what it read (`config.json`'s text, the discovery answer), so
/// the page's module asks for neither again: first load 138.6 kB, page module 299.4 kB, whole
/// page 523.6 kB; with the review's fixes (a failed hand-over said by its road, the bootstrap's
/// state in the core), 138.9 and 524.0 kB; with the second review's, 138.7 and 523.9 kB.
/// Then JSON objects built by insertion instead of collected (a collected `BTreeMap` sorts,
/// and the standard library's stable sort was linked eight times): page module 299.5 →
/// 294.9 kB, whole page 519.3 kB; then the stricter issuer check of discovery (auth/issuer.rs,
/// by cloud, loopback and tenant segment, after review: +1.0 kB in each of the two modules
/// that sign in) and Hand-off's spacing (style.css, +0.2 kB): first load 139.8 kB, page module
/// 295.9 kB, whole page 521.4 kB (budgets 141/297/87/522 kB, from 140/300/87/525). Then the
/// note of a Sign in still waiting for the page's module after 8 s (a timer per Sign in in the
/// bootstrap, +1.5 kB) and the failed step's detail as a sentence: first load 141.3 kB, page
/// module 295.5 kB, whole page 522.6 kB (budgets 142/297/87/523 kB). Then the return from
/// the sign-in page: the bootstrap takes the answer out of the address bar at once and hands it
/// over (history's replaceState and the answer kept for Try again, +0.9 kB): first load
/// 142.2 kB, whole page 523.6 kB; with a page module that stops as it starts said as such and
/// Try again then reloading (+0.4 kB), 142.6 and 524.0 kB; with the answer kept by each module
/// only until it is used (a cell in each, after review): first load 142.7 kB, page module
/// 295.9 kB, whole page 524.3 kB; with checkbox and radio words wrapping beside their boxes
/// (style.css, +0.2 kB), first load 142.9 kB, whole page 524.5 kB. Then the bootstrap's Welcome
/// model never dropped (`ManuallyDrop`: a fresh State's drop glue, runs and journals included,
/// left the first load, −2.0 kB): first load 140.9 kB, whole page 522.5 kB; and the page's own
/// wizard state, drawn once for the page's life, likewise (−1.1 kB): page module 294.8 kB, whole
/// page 521.4 kB (budgets 142/296/87/522 kB, from 144/297/87/525).
/// Then a security review's fixes: Undo reads each object before deleting it and refuses one
/// that is not this run's, a resumed run finds its app and service principal again, a vendor's
/// service principal is never patched, a wider Exchange scope or a kept unscoped grant is
/// refused, a federated credential is read first; with the words of a UI review and the
/// scripts' checks (hand-off module): page module 297.8 kB (+3.0: about 1.0 of it the new
/// explanations' text), hand-off module 86.3 kB, whole page 525.2 kB (budgets 142/299/87/527 kB,
/// from 142/296/87/522).
pub const FIRST_LOAD_BUDGET: usize = 142 * 1000;
pub const PAGE_BUDGET: usize = 299 * 1000;
pub const HAND_OFF_BUDGET: usize = 87 * 1000;
pub const WHOLE_BUDGET: usize = 527 * 1000;

/// Prints each part against its budget; `Err` names every part over it.
fn check(parts: &[(&str, usize, usize)]) -> Result<(), String> {
    let mut over = vec![];
    for &(what, got, budget) in parts {
        println!(
            "{what}: {:.1} kB gzip'd of the {} kB budget",
            got as f64 / 1000.0,
            budget / 1000
        );
        if got > budget {
            over.push(format!(
                "the {what} ({got} B gzip'd) is over its {budget} B budget"
            ));
        }
    }
    if over.is_empty() {
        Ok(())
    } else {
        Err(over.join("; "))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_budget_exceeded_fails() {
        let parts = |first, whole| [("first load", first, 250), ("whole page", whole, 330)];
        assert!(super::check(&parts(250, 330)).is_ok());
        let e = super::check(&parts(251, 330)).unwrap_err();
        assert!(e.contains("first load") && !e.contains("whole"), "{e}");
        let e = super::check(&parts(1, 331)).unwrap_err();
        assert!(e.contains("whole page") && !e.contains("first"), "{e}");
    }
}
