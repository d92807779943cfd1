//! The page hosted as a vendor hosts it: a copy of `dist/` with its own `config.json`, and
//! Debian's nginx with the generated configuration.

use super::*;

/// A copy of `dist/` with the demo `config.json`, and the emulator's origins added to the
/// page's `connect-src` (as the emulator's own site does, and as a vendor does with
/// `cargo xtask build --connect-src`).
pub fn site_copy(name: &str, emulator: &mailgrant_emulator::Running) -> PathBuf {
    let root = workspace().join("target/e2e/sites").join(name);
    let _ = std::fs::remove_dir_all(&root);
    copy_dir(&dist(), &root);
    let index = root.join("index.html");
    let html = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, with_emulator_origins(&html, emulator)).unwrap();
    std::fs::write(root.join("config.json"), emulator.demo_config()).unwrap();
    root
}

/// `text` with the emulator's origins after `connect-src 'self'`.
pub fn with_emulator_origins(text: &str, emulator: &mailgrant_emulator::Running) -> String {
    let marker = "connect-src 'self'";
    text.replace(
        marker,
        &format!(
            "{marker} {} {}",
            emulator.login_origin, emulator.graph_origin
        ),
    )
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Debian's nginx serving a [`site_copy`] with the generated configuration.
pub struct Nginx {
    child: Child,
    pub origin: String,
    /// The headers the generated configuration sends (with the emulator's origins).
    pub headers: Vec<(String, String)>,
}

impl Nginx {
    pub(super) fn start(name: &str, port: u16, emulator: &mailgrant_emulator::Running) -> Nginx {
        let root = site_copy(name, emulator);
        let dir = workspace().join("target/e2e/nginx").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        let generated = std::fs::read_to_string(dist().join("hosting/nginx.conf"))
            .expect("dist/hosting/nginx.conf (cargo xtask build writes it)");
        let ours = with_emulator_origins(&generated, emulator);
        std::fs::write(dir.join("mailgrant.conf"), &ours).unwrap();
        let d = dir.display();
        let conf = format!(
            "worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n\
               client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;\n\
               uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;\n\
               server {{\n    listen 127.0.0.1:{port};\n    root {};\n    include {d}/mailgrant.conf;\n  }}\n}}\n",
            root.display()
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let program = std::env::var("NGINX").unwrap_or_else(|_| "nginx".into());
        let child = Command::new(&program)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e} (run `cargo xtask setup`)"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not listen on {port}: {}",
                std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // The headers of `location / { }`: each `add_header Name "value" always;`.
        let location = &ours[ours.find("location / {").unwrap()..];
        let headers = location
            .lines()
            .filter_map(|l| l.trim().strip_prefix("add_header "))
            .filter_map(|l| {
                let (name, rest) = l.split_once(' ')?;
                let value = rest.strip_suffix(" always;")?.trim_matches('"');
                Some((name.to_owned(), value.to_owned()))
            })
            .collect();
        Nginx {
            child,
            origin: format!("http://127.0.0.1:{port}"),
            headers,
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM, so the master stops its worker too: SIGKILL left the worker running, still
        // listening on the port, and serving an old copy of the site to a later test.
        let stopped = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
