//! `cargo xtask bench`: the apply phase against the emulator with 100 ms of latency per Graph
//! request, concurrent (as the page runs it) and strictly one request at a time, on a fresh
//! tenant, in both modes. Prints requests, sequential rounds on the critical path, the plan's
//! dependency depth (the fewest rounds possible), wall time. The legacy mode waits for the
//! admin's Exchange script; the bench types its code at once.
//!
//! The engine is the page's own (`mailgrant_core::run`), driven natively over reqwest. Sign-in
//! is not measured: the emulator's test hook issues the token.

use std::cell::RefCell;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mailgrant_core::config::ScopeMode;
use mailgrant_core::graph::Request;
use mailgrant_core::ids::{SmtpAddress, TenantId};
use mailgrant_core::plan::{self, Inputs};
use mailgrant_core::powershell;
use mailgrant_core::run::{self, Headers, Reply, Run, Schedule, Status, Transport};
use serde_json::json;

const LATENCY_MS: u64 = 100;
const ADMIN: &str = "adele@contosodemo.onmicrosoft.com";
const MAILBOX: &str = "invoices@contosodemo.onmicrosoft.com";

struct Http {
    client: reqwest::Client,
    graph: String,
    token: String,
    started: Instant,
    /// (start, end) of every request, in ms since `started`.
    spans: RefCell<Vec<(u64, u64)>>,
}

impl Transport for Http {
    async fn send(&self, request: Request) -> Reply {
        let start = self.started.elapsed().as_millis() as u64;
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).expect("a method");
        let mut r = self
            .client
            .request(method, request.url(&self.graph))
            .bearer_auth(&self.token)
            .header("origin", "http://127.0.0.1");
        for (name, value) in &request.headers {
            r = r.header(*name, value);
        }
        if let Some(body) = &request.body {
            r = r.json(body);
        }
        let answer = r.send().await;
        let end = self.started.elapsed().as_millis() as u64;
        self.spans.borrow_mut().push((start, end));
        let Ok(response) = answer else {
            return Reply::NetworkFailed { online: true };
        };
        let status = response.status().as_u16();
        let header = |n: &str| {
            response
                .headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let headers = Headers {
            request_id: header("request-id"),
            retry_after: header("retry-after"),
            location: header("location"),
        };
        let body = response.text().await.unwrap_or_default();
        Reply::Answer {
            status,
            headers,
            body,
        }
    }

    async fn sleep(&self, millis: u64) {
        tokio::time::sleep(Duration::from_millis(millis)).await;
    }

    async fn wait_online(&self) {}

    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or_default()
    }

    fn save_journal(&self, _text: &str) {}
}

/// Sequential rounds on the critical path: a request's round is one more than the highest round
/// of the requests that had finished when it started.
pub fn rounds(spans: &[(u64, u64)]) -> usize {
    let mut sorted = spans.to_vec();
    sorted.sort();
    let mut round = vec![0usize; sorted.len()];
    for i in 0..sorted.len() {
        let before = (0..i)
            .filter(|&j| sorted[j].1 <= sorted[i].0)
            .map(|j| round[j])
            .max()
            .unwrap_or(0);
        round[i] = before + 1;
    }
    round.into_iter().max().unwrap_or(0)
}

struct Measured {
    requests: usize,
    rounds: usize,
    /// The plan's dependency depth (the fewest rounds it can take).
    depth: usize,
    wall_ms: u64,
}

async fn measure(
    emulator: &mailgrant_emulator::Running,
    mode: ScopeMode,
    schedule: Schedule,
) -> Result<Measured, String> {
    let client = reqwest::Client::new();
    let graph = emulator.graph_origin.clone();
    let post = |path: &str, body: serde_json::Value| {
        client.post(format!("{graph}{path}")).json(&body).send()
    };
    post("/_emulator/reset", json!({}))
        .await
        .map_err(|e| e.to_string())?;
    post("/_emulator/faults", json!({"latencyMs": LATENCY_MS}))
        .await
        .map_err(|e| e.to_string())?;
    let token: serde_json::Value = post(
        "/_emulator/token",
        json!({"user": ADMIN, "scopes": ["User.Read", "Application.ReadWrite.All",
               "AppRoleAssignment.ReadWrite.All", "User.Read.All", "MailboxSettings.Read", "GroupMember.Read.All",
               "RoleManagement.ReadWrite.Exchange"]}),
    )
    .await
    .map_err(|e| e.to_string())?
    .json()
    .await
    .map_err(|e| e.to_string())?;
    let http = Http {
        client: client.clone(),
        graph: graph.clone(),
        token: token["access_token"].as_str().ok_or("no token")?.to_owned(),
        started: Instant::now(),
        spans: RefCell::new(vec![]),
    };
    let inputs = Inputs {
        tenant: TenantId::parse(mailgrant_emulator::DEMO_TENANT_ID).map_err(|e| e.to_string())?,
        mailbox: SmtpAddress::parse(MAILBOX).map_err(|e| e.to_string())?,
        mode,
        vendor: "Contoso Mailer".into(),
        app_display_name: "Contoso Mailer mail sender".into(),
        secret_lifetime_days: 180,
        credential: Default::default(),
    };
    let now = http.now_ms();
    let (mut pre, fx) = Run::preflight(inputs.clone(), [7; 16], now);
    if run::drive(&mut pre, &http, fx).await != Status::Done {
        return Err(format!("preflight: {:?}", pre.status()));
    }
    let findings = pre.findings().ok_or("no findings")?;
    let plan = plan::build(
        &inputs,
        &findings,
        plan::Options::default(),
        plan::Scope::default(),
        mailgrant_core::VERSION,
    )
    .map_err(|e| e.to_string())?;
    http.spans.borrow_mut().clear();
    let start = Instant::now();
    let depth = plan.depth();
    let (mut apply, fx) = Run::apply(plan, [8; 16], [9; 16], schedule, http.now_ms());
    let mut status = run::drive(&mut apply, &http, fx).await;
    if status == Status::Waiting {
        // The legacy mode waits for the admin's Exchange script; the bench types its code at
        // once (the admin's own time is not the page's).
        let plan = apply.plan().ok_or("no plan")?;
        let app_id = apply.facts().app_id.ok_or("no app id")?;
        let code = powershell::confirmation_code(
            app_id,
            powershell::policy_scope(&plan.inputs.mailbox, &plan.scope.target),
        );
        let fx = apply.update(http.now_ms(), run::Event::Confirm { code });
        status = run::drive(&mut apply, &http, fx).await;
    }
    let wall_ms = start.elapsed().as_millis() as u64;
    if status != Status::Done {
        return Err(format!("apply: {status:?}"));
    }
    let spans = http.spans.borrow();
    Ok(Measured {
        requests: spans.len(),
        rounds: rounds(&spans),
        depth,
        wall_ms,
    })
}

pub fn run() -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let emulator = mailgrant_emulator::start(mailgrant_emulator::Options::default())
            .await
            .map_err(|e| e.to_string())?;
        println!("Apply against the emulator, {LATENCY_MS} ms per Graph request, fresh tenant\n");
        println!(
            "{:<28} {:<16} {:>9} {:>7} {:>6} {:>9}",
            "mode", "schedule", "requests", "rounds", "depth", "wall ms"
        );
        for mode in [ScopeMode::ApplicationAccessPolicy, ScopeMode::RbacForApplications] {
            for (label, schedule) in [
                ("concurrent", Schedule::Concurrent),
                ("one at a time", Schedule::OneAtATime),
            ] {
                let m = measure(&emulator, mode, schedule).await?;
                println!(
                    "{:<28} {:<16} {:>9} {:>7} {:>6} {:>9}",
                    mode.as_config_str(),
                    label,
                    m.requests,
                    m.rounds,
                    m.depth,
                    m.wall_ms
                );
            }
        }
        println!("\nFor comparison: the CLI and script tools that do this job today take 5 to 14 sequential rounds, plus fixed sleeps of 2–30 s.");
        emulator.stop().await;
        Ok::<(), String>(())
    })?;
    // The release page: its sizes against their budgets, and its load times in Chromium.
    let tools = crate::setup::run()?;
    crate::util::trunk_build(&tools)?;
    let mut c = crate::util::cmd(&tools, "cargo");
    c.args([
        "test",
        "--locked",
        "-p",
        "mailgrant",
        "--test",
        "load_times",
        "--",
        "--ignored",
        "--nocapture",
    ])
    .env("CHROMEDRIVER", &tools.chromedriver)
    .env("CHROMIUM", &tools.chromium)
    .env("NGINX", &tools.nginx)
    .env("MAILGRANT_DIST", crate::util::root().join("dist"));
    crate::util::run(c)?;
    crate::size::report()
}

#[cfg(test)]
mod tests {
    use super::rounds;

    #[test]
    fn rounds_follow_the_critical_path() {
        // Two in parallel, then one, then two in parallel.
        assert_eq!(
            rounds(&[(0, 100), (0, 100), (101, 200), (201, 300), (202, 300)]),
            3
        );
        // One at a time.
        assert_eq!(rounds(&[(0, 100), (100, 200), (200, 300)]), 3);
        assert_eq!(rounds(&[]), 0);
        // Overlapping without finishing before: the same round.
        assert_eq!(rounds(&[(0, 100), (50, 150)]), 1);
    }
}
