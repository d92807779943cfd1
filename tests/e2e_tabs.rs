//! Two tabs on one saved run: a tab opened from the setup's tab copies its sessionStorage (the
//! run's journal) and must not run it while the first tab does; once that tab is gone it may.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use mailgrant_emulator::SiteConfig;
use thirtyfour::prelude::*;

/// Graph writes (POST, PATCH, DELETE) the emulator received.
async fn graph_writes(graph: &str) -> usize {
    let mut n = 0;
    for method in ["POST", "PATCH", "DELETE"] {
        n += support::requests(graph, method, "")
            .await
            .iter()
            .filter(|r| {
                r["path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("/v1.0/") || p.starts_with("/beta/"))
            })
            .count();
    }
    n
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_tab_on_the_same_run_sends_nothing_until_the_first_is_closed() {
    support::run("two_tabs", SiteConfig::Demo, |ctx| async move {
        let d = &ctx.driver;
        // Tab 1 applies in the legacy mode and waits at the Exchange script's gate.
        support::set_up(&ctx, true, "one", || async {}).await;
        support::wait_id(d, "policy-script").await;
        let first = d.window().await.unwrap();
        let writes_before = graph_writes(&ctx.graph).await;

        // Tab 2, opened from tab 1 (sessionStorage, and the journal, are copied).
        d.execute("window.open(location.origin + '/', '_blank');", vec![])
            .await
            .unwrap();
        let second = d
            .windows()
            .await
            .unwrap()
            .into_iter()
            .find(|w| *w != first)
            .expect("a second tab");
        d.switch_to_window(second.clone()).await.unwrap();
        support::wait_id(d, "welcome").await;
        support::sign_in_as(&ctx, "adele", "accept").await;
        let error = support::wait_id(d, "error").await.text().await.unwrap();
        assert!(error.contains("another tab"), "{error}");
        assert!(
            d.find(By::Id("policy-script")).await.is_err(),
            "tab 2 shows no run"
        );
        assert_eq!(
            graph_writes(&ctx.graph).await,
            writes_before,
            "tab 2 wrote nothing"
        );

        // Tab 1 closes; tab 2, reloaded and signed in, continues the same run to the end.
        d.switch_to_window(first).await.unwrap();
        d.close_window().await.unwrap();
        d.switch_to_window(second).await.unwrap();
        d.refresh().await.unwrap();
        support::wait_id(d, "welcome").await;
        support::sign_in_as(&ctx, "adele", "accept").await;
        support::pass_policy_script(&ctx, false).await;
        let done = support::wait_id(d, "hand-off-step")
            .await
            .text()
            .await
            .unwrap();
        assert!(done.contains("Done"), "{done}");
        assert_eq!(support::our_app_ids(&ctx.graph).await.len(), 1, "one app");
    })
    .await;
}
