//! A local Microsoft Entra ID + Microsoft Graph emulator for mailgrant's end-to-end tests and demo mode.
//!
//! Three HTTP listeners on one host: the *login* origin (Entra ID v2.0 endpoints), the *graph* origin
//! (Microsoft Graph `/v1.0`, beta's Exchange RBAC provider `/beta/roleManagement/exchange`, plus
//! `/_emulator/*` test hooks, among them Exchange's effective access) and, optionally, a *site*
//! origin that serves the built page. This crate shares no code with the app on purpose: it is written from
//! Microsoft's documented behaviour, so a misunderstanding in the app is not mirrored here.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

mod conn;
mod exchange;
pub mod faults;
mod graph;
mod http_util;
mod jwt;
mod login;
mod model;
mod oidc;
mod roles;
mod site;
mod tenant;

pub use faults::{ConsentFault, ExchangeRbac, Faults, RequestRule, SecretPolicy};
pub use oidc::{GENERIC_CLIENT_ID, GENERIC_SUB};
pub use tenant::{
    DEMO_SPA_APP_OBJECT_ID, DEMO_VENDOR_APP_ID, DEMO_VENDOR_SINGLE_TENANT_APP_ID,
    DEMO_VENDOR_TENANT_ID,
};

/// The app id (client id) of the page's own SPA registration in the demo tenant.
pub const DEMO_SPA_CLIENT_ID: &str = "979222d0-3313-4d36-8cd1-21da0fdf283f";
/// The tenant id of the demo tenant "Contoso Demo" (contosodemo.onmicrosoft.com).
pub const DEMO_TENANT_ID: &str = "69809a62-0cac-4ee6-86ed-ef1e836e68eb";
/// The demo vendor's age recipient (`age1…`) for the demo config's `vendor.ageRecipient`. Its
/// identity (private key) is the demo-only fixture `fixtures/demo-vendor-age-identity.txt`.
/// Written out here, not imported: the emulator shares no code with the app.
pub const DEMO_AGE_RECIPIENT: Option<&str> =
    Some("age1cs7wtnl50krd06xk5tyyqza64cdt0x9flzh0w0t627ysn0jrhu5q640exv");

/// How to start the emulator.
#[derive(Clone, Debug)]
pub struct Options {
    pub host: IpAddr,
    /// 0 = any free port.
    pub login_port: u16,
    /// 0 = any free port.
    pub graph_port: u16,
    /// Also serve the built page (dist/) on a third listener.
    pub site: Option<Site>,
    /// More SPA redirect URIs to register for [`DEMO_SPA_CLIENT_ID`].
    pub extra_redirect_uris: Vec<String>,
    /// Faults active from the start (and restored by `POST /_emulator/reset`).
    pub faults: Faults,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            login_port: 0,
            graph_port: 0,
            site: None,
            extra_redirect_uris: Vec::new(),
            faults: Faults::default(),
        }
    }
}

/// The static site listener.
#[derive(Clone, Debug)]
pub struct Site {
    pub dist: PathBuf,
    /// 0 = any free port.
    pub port: u16,
    pub config: SiteConfig,
}

/// What the site answers for `/config.json`.
#[derive(Clone, Debug)]
pub enum SiteConfig {
    /// [`Running::demo_config`].
    Demo,
    /// The demo configuration with the plain OpenID Connect provider ([`oidc`]) as authority.
    GenericOidc,
    /// The demo configuration with these keys set (or replaced) in its `vendor` object.
    DemoVendor(serde_json::Map<String, serde_json::Value>),
    /// Served verbatim, except that `{siteOrigin}` stands for the site listener's origin.
    Raw(String),
    /// 404.
    Missing,
}

/// Which listener a request arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OriginKind {
    Login,
    Graph,
    Site,
}

/// One request the emulator received, in arrival order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    pub method: String,
    pub origin: OriginKind,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// The response was dropped on purpose (the `loseResponse` fault): the client got a
    /// network error, not `status`.
    pub response_lost: bool,
}

/// A running emulator. Dropping it without [`Running::stop`] also shuts the servers down, but
/// without waiting for them.
pub struct Running {
    pub login_origin: String,
    pub graph_origin: String,
    pub site_origin: Option<String>,
    shared: Arc<Shared>,
    servers: Vec<(oneshot::Sender<()>, JoinHandle<()>)>,
}

impl Running {
    /// `{login_origin}/organizations/v2.0`.
    pub fn authority(&self) -> String {
        format!("{}/organizations/v2.0", self.login_origin)
    }

    /// The demo `config.json` text for the page.
    pub fn demo_config(&self) -> String {
        self.shared.demo_config()
    }

    /// Every request received so far, in order.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.shared.lock().log.clone()
    }

    /// The faults in force now.
    pub fn faults(&self) -> Faults {
        self.shared.lock().faults.clone()
    }

    /// Replaces the faults in force (as `POST /_emulator/faults` does).
    pub fn set_faults(&self, faults: Faults) {
        self.shared.lock().faults = faults;
    }

    /// Stops all listeners (waits up to 2 s for open connections, then drops them).
    pub async fn stop(self) {
        for (tx, handle) in self.servers {
            let _ = tx.send(());
            let abort = handle.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), handle)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

/// State shared by the three servers.
pub(crate) struct Shared {
    pub login_origin: String,
    pub graph_origin: String,
    pub site: Option<Site>,
    pub keys: jwt::Keys,
    state: Mutex<tenant::State>,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, tenant::State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn authority(&self) -> String {
        format!("{}/organizations/v2.0", self.login_origin)
    }

    pub fn demo_config(&self) -> String {
        let mut v = serde_json::json!({
            "clientId": DEMO_SPA_CLIENT_ID,
            "authority": self.authority(),
            "graphBaseUrl": self.graph_origin,
            // The emulator's loopback origins: the page accepts them only with this marker.
            "developmentOrigins": true,
            "vendor": {
                "name": "Contoso Mailer",
                "appDisplayName": "{vendor} mail sender",
                "defaultScopeMode": "rbacForApplications",
                "supportContact": "support@contoso-mailer.example",
                "secretLifetimeDays": 180
            }
        });
        if let Some(r) = DEMO_AGE_RECIPIENT {
            v["vendor"]["ageRecipient"] = serde_json::json!(r);
        }
        serde_json::to_string_pretty(&v).unwrap_or_default()
    }

    /// [`Shared::demo_config`] with `keys` set in `vendor`.
    pub fn demo_vendor_config(&self, keys: &serde_json::Map<String, serde_json::Value>) -> String {
        let mut v: serde_json::Value =
            serde_json::from_str(&self.demo_config()).unwrap_or_default();
        for (k, x) in keys {
            v["vendor"][k] = x.clone();
        }
        serde_json::to_string_pretty(&v).unwrap_or_default()
    }

    /// [`Shared::demo_config`] signing in at the plain OpenID Connect provider instead.
    pub fn generic_oidc_config(&self) -> String {
        let mut v: serde_json::Value =
            serde_json::from_str(&self.demo_config()).unwrap_or_default();
        v["clientId"] = serde_json::json!(oidc::GENERIC_CLIENT_ID);
        v["authority"] = serde_json::json!(format!("{}/oidc", self.login_origin));
        serde_json::to_string_pretty(&v).unwrap_or_default()
    }

    /// Is `origin` the origin of a registered SPA redirect URI?
    pub fn is_spa_origin(&self, origin: &str) -> bool {
        self.lock()
            .directory
            .spa_origins()
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin))
    }
}

pub(crate) type App = Arc<Shared>;

fn origin_string(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V6(ip) => format!("http://[{ip}]:{}", addr.port()),
        IpAddr::V4(ip) => format!("http://{ip}:{}", addr.port()),
    }
}

async fn log_requests(
    State((app, kind)): State<(App, OriginKind)>,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let resp = next.run(req).await;
    let response_lost = resp.extensions().get::<graph::ResponseLost>().is_some();
    app.lock().log.push(LoggedRequest {
        method,
        origin: kind,
        path,
        query,
        status: resp.status().as_u16(),
        response_lost,
    });
    resp
}

fn spawn_server(
    listener: TcpListener,
    router: Router,
    app: &App,
    kind: OriginKind,
) -> (oneshot::Sender<()>, JoinHandle<()>) {
    let router = router.layer(axum::middleware::from_fn_with_state(
        (app.clone(), kind),
        log_requests,
    ));
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<conn::ConnInfo>();
        let _ = axum::serve(conn::KillableListener(listener), service)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    (tx, handle)
}

/// Binds all listeners, seeds the tenant and starts serving.
pub async fn start(opts: Options) -> std::io::Result<Running> {
    let login_listener = TcpListener::bind((opts.host, opts.login_port)).await?;
    let graph_listener = TcpListener::bind((opts.host, opts.graph_port)).await?;
    let site_listener = match &opts.site {
        Some(s) => Some(TcpListener::bind((opts.host, s.port)).await?),
        None => None,
    };
    let login_origin = origin_string(login_listener.local_addr()?);
    let graph_origin = origin_string(graph_listener.local_addr()?);
    let site_origin = match &site_listener {
        Some(l) => Some(origin_string(l.local_addr()?)),
        None => None,
    };

    let mut redirect_uris: Vec<String> = Vec::new();
    if let Some(o) = &site_origin {
        redirect_uris.push(format!("{o}/"));
    }
    for u in &opts.extra_redirect_uris {
        if !redirect_uris.contains(u) {
            redirect_uris.push(u.clone());
        }
    }

    let shared = Arc::new(Shared {
        login_origin: login_origin.clone(),
        graph_origin: graph_origin.clone(),
        site: opts.site.clone(),
        keys: jwt::Keys::demo(),
        state: Mutex::new(tenant::State::new(redirect_uris, opts.faults.clone())),
    });

    let mut servers = vec![
        spawn_server(
            login_listener,
            login::router(shared.clone()).merge(oidc::router(shared.clone())),
            &shared,
            OriginKind::Login,
        ),
        spawn_server(
            graph_listener,
            graph::router(shared.clone()),
            &shared,
            OriginKind::Graph,
        ),
    ];
    if let Some(l) = site_listener {
        servers.push(spawn_server(
            l,
            site::router(shared.clone()),
            &shared,
            OriginKind::Site,
        ));
    }

    Ok(Running {
        login_origin,
        graph_origin,
        site_origin,
        shared,
        servers,
    })
}
