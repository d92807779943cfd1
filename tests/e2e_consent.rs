//! The page's own consent: the first sign-in asks for no group permission, and "Remove this
//! setup page's access" leaves no service principal of the page and no consent grant for it.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use mailgrant_emulator::{SiteConfig, DEMO_SPA_CLIENT_ID};

#[tokio::test(flavor = "multi_thread")]
async fn the_page_removes_its_own_access_after_the_setup() {
    support::run("page_access", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        d.goto(&format!("{}/", ctx.site)).await.unwrap();
        support::wait_id(d, "sign-in").await.click().await.unwrap();
        let authorize = support::wait_url(d, "the authorize page", |u| u.contains("scope=")).await;
        let scope = authorize
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("scope="))
            .unwrap_or_default()
            .to_owned();
        assert!(scope.contains("Application.ReadWrite.All"), "{scope}");
        assert!(
            !scope.contains("GroupMember"),
            "asked only for a group: {scope}"
        );
        d.back().await.unwrap();

        support::set_up(&ctx, false, "one", || async {}).await;
        support::wait_id(d, "hand-off-step").await;
        let state = support::emulator_state(&ctx.graph).await;
        let page_sp = page_sp_id(&state).expect("the page's service principal");
        assert!(
            grants_of(&state, &page_sp) > 0,
            "the sign-in's consent is recorded"
        );

        support::wait_id(d, "remove-page-access")
            .await
            .click()
            .await
            .unwrap();
        let done = support::wait_id(d, "page-access-removed")
            .await
            .text()
            .await
            .unwrap();
        assert!(done.contains("consent again"), "{done}");
        let state = support::emulator_state(&ctx.graph).await;
        assert_eq!(page_sp_id(&state), None, "no service principal of the page");
        assert_eq!(grants_of(&state, &page_sp), 0, "no consent grant for it");
        // The vendor's app is not touched.
        assert_eq!(support::our_app_ids(&ctx.graph).await.len(), 1);
    })
    .await;
}

fn page_sp_id(state: &serde_json::Value) -> Option<String> {
    state["servicePrincipals"]
        .as_array()?
        .iter()
        .find(|s| s["appId"] == DEMO_SPA_CLIENT_ID)
        .and_then(|s| s["id"].as_str().map(str::to_owned))
}

fn grants_of(state: &serde_json::Value, sp: &str) -> usize {
    state["oauth2PermissionGrants"]
        .as_array()
        .map_or(0, |g| g.iter().filter(|g| g["clientId"] == sp).count())
}
