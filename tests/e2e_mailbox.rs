//! The Mailbox step's checks, end to end: each kind of address that is not a mailbox the app
//! can send as is refused on the Mailbox step with what is wrong, before anything is written;
//! an alias finds its mailbox, which is then named by its primary address.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use mailgrant_emulator::SiteConfig;
use thirtyfour::prelude::*;

const DOMAIN: &str = "contosodemo.onmicrosoft.com";

/// Types `address` on the Mailbox step and clicks Continue.
async fn look_up(d: &WebDriver, address: &str) {
    let field = support::wait_id(d, "mailbox").await;
    field.clear().await.unwrap();
    field.send_keys(address).await.unwrap();
    support::click(d, "find-mailbox").await;
}

async fn text(d: &WebDriver, id: &str) -> String {
    support::wait_id(d, id).await.text().await.unwrap()
}

/// The addresses that must be refused, and words the explanation must hold.
fn refused() -> Vec<(String, Vec<&'static str>)> {
    vec![
        // A guest, found by its mail address.
        ("grady@fabrikam.example".into(), vec!["guest account"]),
        // A member without any e-mail address (found by its sign-in name).
        (
            format!("nestor@{DOMAIN}"),
            vec!["This user has no mailbox", "no e-mail address"],
        ),
        // Disabled and without a mailbox (not a shared mailbox).
        (
            format!("joni@{DOMAIN}"),
            vec!["This user has no mailbox", "the account is also disabled"],
        ),
        // A mail user: Exchange knows the address, no mailbox is behind it.
        (
            format!("alerts@{DOMAIN}"),
            vec![
                "no Exchange Online mailbox behind this address",
                "mail user",
            ],
        ),
        // Nobody, on a domain the tenant does not own: the domains are named.
        (
            "someone@fabrikam.example".into(),
            vec![
                "fabrikam.example is not one of your tenant's domains",
                DOMAIN,
            ],
        ),
        // Nobody, on the tenant's own domain.
        (
            format!("nobody@{DOMAIN}"),
            vec!["No mailbox in your tenant has this address"],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn each_address_that_is_no_mailbox_is_refused_with_its_reason_and_an_alias_is_found() {
    support::run("mailbox_checks", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::sign_in_as(&ctx, "adele", "accept").await;
        // Suggestions while typing: members whose name or address starts with the text.
        let field = support::wait_id(d, "mailbox").await;
        field.send_keys("inv").await.unwrap();
        let options = support::eventually("a suggestion for “inv”", 10, || async {
            let found = d
                .find_all(By::Css("#mailbox-suggestions option"))
                .await
                .ok()?;
            let mut values = vec![];
            for o in found {
                values.push(o.attr("value").await.ok()??);
            }
            (!values.is_empty()).then_some(values)
        })
        .await;
        assert_eq!(options, [format!("invoices@{DOMAIN}")]);
        field.clear().await.unwrap();
        for (address, words) in refused() {
            look_up(d, &address).await;
            let error = text(d, "error").await;
            for w in &words {
                assert!(error.contains(w), "{address}: no “{w}” in {error}");
            }
            // Still on the Mailbox step, the address kept for a fix.
            let field = support::wait_id(d, "mailbox").await;
            assert_eq!(
                field.value().await.unwrap().as_deref(),
                Some(address.as_str())
            );
            assert!(d.find(By::Id("scope-step")).await.is_err(), "{address}");
        }
        // Nothing was written for any of them.
        assert!(support::our_app_ids(&ctx.graph).await.is_empty());
        assert!(support::requests(&ctx.graph, "POST", "")
            .await
            .iter()
            .all(|r| {
                !r["path"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("/v1.0/applications")
            }));

        // An alias of the shared mailbox: found, and named by its primary address.
        look_up(d, &format!("billing@{DOMAIN}")).await;
        support::wait_id(d, "scope-step").await;
        assert_eq!(text(d, "mailbox-name").await, "Invoices");
        assert_eq!(
            text(d, "mailbox-address").await,
            format!("invoices@{DOMAIN}")
        );
        assert_eq!(
            text(d, "mailbox-id").await,
            // The emulator's shared mailbox "Invoices".
            "670604ea-5ccf-4fa0-94d3-14e71cc55ce7"
        );
        let note = text(d, "mailbox-note").await;
        assert!(note.contains(&format!("billing@{DOMAIN}")), "{note}");
        assert!(note.contains("shared mailbox"), "{note}");
        // Review names the primary address, not the alias.
        support::click(d, "to-review").await;
        let review = support::review_text(d).await;
        assert!(review.contains(&format!("invoices@{DOMAIN}")), "{review}");
        assert!(!review.contains("billing@"), "{review}");

        // The admin's own mailbox: Exchange lets the page read its kind.
        support::click(d, "back").await;
        support::wait_id(d, "scope-step").await;
        support::click(d, "back").await;
        // Back keeps what was typed (the alias), not the primary address.
        let field = support::wait_id(d, "mailbox").await;
        assert_eq!(
            field.value().await.unwrap().as_deref(),
            Some(format!("billing@{DOMAIN}").as_str())
        );
        look_up(d, &format!("adele@{DOMAIN}")).await;
        support::wait_id(d, "scope-step").await;
        assert_eq!(text(d, "mailbox-note").await, "A user mailbox.");
    })
    .await;
}

/// Types `address` as the existing group on the Scope step and clicks Review.
async fn try_group(d: &WebDriver, address: &str) {
    support::click(d, "scope-group").await;
    let field = support::wait_id(d, "group-address").await;
    field.clear().await.unwrap();
    field.send_keys(address).await.unwrap();
    support::click(d, "to-review").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_that_is_not_mail_enabled_security_is_refused_on_the_scope_step() {
    support::run("scope_group_checks", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::sign_in_as(&ctx, "adele", "accept").await;
        support::find_mailbox(d).await;
        // The first group asks for GroupMember.Read.All (incremental consent), then is checked.
        try_group(d, &format!("allstaff@{DOMAIN}")).await;
        support::sign_in_from(&ctx, "grant-more", "adele", "accept").await;
        for (address, kind) in [
            (format!("allstaff@{DOMAIN}"), "distribution list"),
            (format!("sales@{DOMAIN}"), "Microsoft 365 group"),
            (
                format!("nobody-group@{DOMAIN}"),
                "no group with the address",
            ),
        ] {
            if !address.starts_with("allstaff") {
                try_group(d, &address).await;
            }
            let problem = text(d, "scope-problem").await;
            assert!(problem.contains(kind), "{address}: {problem}");
            assert!(d.find(By::Id("review-step")).await.is_err(), "{address}");
            assert_eq!(
                support::wait_id(d, "group-address")
                    .await
                    .value()
                    .await
                    .unwrap()
                    .as_deref(),
                Some(address.as_str()),
                "the address stays for a fix"
            );
        }
        // The tenant's mail-enabled security groups are named, the others are not.
        let choices = text(d, "group-choices-text").await;
        assert!(
            choices.contains(&format!("Mailgrant Senders (mailgrant-senders@{DOMAIN})")),
            "{choices}"
        );
        for other in ["allstaff@", "sales@", "itadmins@"] {
            assert!(!choices.contains(other), "{choices}");
        }
        let options = d.find_all(By::Css("#group-choices option")).await.unwrap();
        assert_eq!(options.len(), 3, "the three mail-enabled security groups");
        assert!(support::our_app_ids(&ctx.graph).await.is_empty());
    })
    .await;
}
