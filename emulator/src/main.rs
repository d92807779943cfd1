//! `mailgrant-emulator`: runs the Entra ID + Graph emulator (and optionally the built page) until Ctrl-C.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use mailgrant_emulator::{start, Faults, Options, SecretPolicy, Site, SiteConfig};

const USAGE: &str = "\
Usage: mailgrant-emulator [OPTIONS]

A local Microsoft Entra ID + Microsoft Graph emulator (demo tenant \"Contoso Demo\").

Options:
  --host IP              address to listen on (default 127.0.0.1)
  --login-port PORT      Entra ID (login) port (default 8401; 0 = any free port)
  --graph-port PORT      Microsoft Graph port (default 8402; 0 = any free port)
  --site-dist DIR        also serve the built page from DIR
  --site-port PORT       port for the page (default 8400; needs --site-dist)
  --site-config FILE     serve FILE verbatim as /config.json (default: the demo config)
  --redirect-uri URI     register another SPA redirect URI (repeatable)

Faults (Graph /v1.0 and /beta; also GET/POST /_emulator/faults; reset restores these):
  --faults JSON|@FILE    the fault configuration as JSON (see README); give it before the
                         other fault flags (it replaces what earlier ones set)
  --latency-ms MS        delay every /v1.0 and /beta request
  --consistency-delay-ms MS
                         new apps/SPs/secrets/grants stay invisible for MS after creation
  --secret-max-days DAYS app management policy: maximum password credential lifetime
  --forbid-secrets       app management policy: no new password credentials
  --strip-roles USER     ignore the directory roles of USER (id or UPN; repeatable)
  -h, --help             print this help
";

struct Args {
    opts: Options,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut opts = Options {
        login_port: 8401,
        graph_port: 8402,
        ..Options::default()
    };
    let mut site_dist: Option<PathBuf> = None;
    let mut site_port: u16 = 8400;
    let mut site_config: Option<PathBuf> = None;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => args.next().ok_or_else(|| format!("{name} needs a value")),
            }
        };
        let num = |v: String, name: &str| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: '{v}' is not a whole number"))
        };
        let port = |v: String, name: &str| -> Result<u16, String> {
            v.parse::<u16>()
                .map_err(|_| format!("{name}: '{v}' is not a port number"))
        };
        match flag.as_str() {
            "--host" => {
                let v = value("--host")?;
                opts.host = v
                    .parse::<IpAddr>()
                    .map_err(|_| format!("--host: '{v}' is not an IP address"))?;
            }
            "--login-port" => opts.login_port = port(value("--login-port")?, "--login-port")?,
            "--graph-port" => opts.graph_port = port(value("--graph-port")?, "--graph-port")?,
            "--site-port" => site_port = port(value("--site-port")?, "--site-port")?,
            "--site-dist" => site_dist = Some(PathBuf::from(value("--site-dist")?)),
            "--site-config" => site_config = Some(PathBuf::from(value("--site-config")?)),
            "--redirect-uri" => opts.extra_redirect_uris.push(value("--redirect-uri")?),
            "--faults" => {
                let v = value("--faults")?;
                let text = match v.strip_prefix('@') {
                    Some(f) => {
                        std::fs::read_to_string(f).map_err(|e| format!("--faults {f}: {e}"))?
                    }
                    None => v,
                };
                let f = Faults::from_json(&text).map_err(|e| format!("--faults: {e}"))?;
                opts.faults = Faults {
                    strip_roles: [opts.faults.strip_roles.clone(), f.strip_roles.clone()].concat(),
                    ..f
                };
            }
            "--latency-ms" => opts.faults.latency_ms = num(value("--latency-ms")?, "--latency-ms")?,
            "--consistency-delay-ms" => {
                opts.faults.consistency_delay_ms =
                    num(value("--consistency-delay-ms")?, "--consistency-delay-ms")?
            }
            "--secret-max-days" => {
                let days = num(value("--secret-max-days")?, "--secret-max-days")?;
                let days =
                    u32::try_from(days).map_err(|_| "--secret-max-days: too large".to_string())?;
                opts.faults
                    .secret_policy
                    .get_or_insert_with(SecretPolicy::default)
                    .max_lifetime_days = Some(days);
            }
            "--forbid-secrets" => {
                opts.faults
                    .secret_policy
                    .get_or_insert_with(SecretPolicy::default)
                    .forbid_secrets = true;
            }
            "--strip-roles" => opts.faults.strip_roles.push(value("--strip-roles")?),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    match site_dist {
        Some(dist) => {
            let config = match site_config {
                Some(f) => SiteConfig::Raw(
                    std::fs::read_to_string(&f)
                        .map_err(|e| format!("--site-config {}: {e}", f.display()))?,
                ),
                None => SiteConfig::Demo,
            };
            opts.site = Some(Site {
                dist,
                port: site_port,
                config,
            });
        }
        None if site_config.is_some() => {
            return Err("--site-config needs --site-dist".into());
        }
        None => {}
    }
    Ok(Some(Args { opts }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("mailgrant-emulator: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let running = match start(args.opts).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mailgrant-emulator: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("login (Entra ID):   {}", running.login_origin);
    println!("graph (MS Graph):   {}", running.graph_origin);
    if let Some(site) = &running.site_origin {
        println!("site (the page):    {site}/");
    }
    println!("authority:          {}", running.authority());
    println!(
        "client id:          {}",
        mailgrant_emulator::DEMO_SPA_CLIENT_ID
    );
    println!("tenant id:          {}", mailgrant_emulator::DEMO_TENANT_ID);
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    running.stop().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: &[&str]) -> Result<Option<Args>, String> {
        parse(a.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_flags() {
        let a = p(&[
            "--login-port",
            "0",
            "--graph-port=9",
            "--site-dist",
            "d",
            "--redirect-uri",
            "http://x/",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(a.opts.login_port, 0);
        assert_eq!(a.opts.graph_port, 9);
        assert_eq!(a.opts.site.as_ref().unwrap().port, 8400);
        assert_eq!(a.opts.extra_redirect_uris, vec!["http://x/".to_string()]);
        assert!(p(&["--help"]).unwrap().is_none());
        assert!(p(&["--bogus"]).is_err());
        assert!(p(&["--login-port", "x"]).is_err());
    }

    #[test]
    fn parses_fault_flags() {
        let a = p(&[
            "--faults",
            r#"{"throttle":[{"method":"POST","pathContains":"/addPassword","times":1}]}"#,
            "--latency-ms=250",
            "--consistency-delay-ms",
            "2000",
            "--secret-max-days",
            "180",
            "--forbid-secrets",
            "--strip-roles",
            "adele@contosodemo.onmicrosoft.com",
        ])
        .unwrap()
        .unwrap();
        let f = &a.opts.faults;
        assert_eq!(f.latency_ms, 250);
        assert_eq!(f.consistency_delay_ms, 2000);
        assert_eq!(f.throttle.len(), 1);
        let sp = f.secret_policy.as_ref().unwrap();
        assert_eq!(sp.max_lifetime_days, Some(180));
        assert!(sp.forbid_secrets);
        assert_eq!(f.strip_roles.len(), 1);
        assert!(p(&["--faults", "{\"nope\":1}"]).is_err());
        assert!(p(&["--latency-ms", "-1"]).is_err());
    }
}
