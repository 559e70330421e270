//! Real registries for the pull tests: CNCF distribution (`docker-registry`, Debian package
//! `docker-registry`) processes on 127.0.0.1 with free ports, optional htpasswd users
//! (`htpasswd` from `apache2-utils`), JSON logs read back to check which endpoint saw which
//! request from which user; killed by PID on drop. Plus hand-written OCI image layouts.
#![allow(dead_code)]

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const INSTALL_HINT: &str =
    "the pull tests need real registries: apt-get update && apt-get install -y docker-registry apache2-utils";

fn find_binary(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let p = dir.join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!("`{name}` not found on PATH; {INSTALL_HINT}");
}

/// One request as the registry logged it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub uri: String,
    /// The authenticated user (`auth.user.name`), if any.
    pub user: Option<String>,
    pub status: Option<u64>,
}

/// Receives the registry's notifications (webhook POSTs of `{"events": [...]}`): they name
/// the user (`actor.name`) of every manifest and blob pull or push, which the log does not
/// for successful requests.
struct Events {
    events: Arc<Mutex<Vec<Value>>>,
    server: Loopback,
}

impl Events {
    fn start() -> Events {
        let events = Arc::new(Mutex::new(Vec::new()));
        let ev = events.clone();
        let server = Loopback::start(move |conn| {
            if let Some(body) = read_http_body(conn) {
                if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                    let list = v["events"].as_array().cloned().unwrap_or_default();
                    ev.lock().unwrap().extend(list);
                }
            }
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        });
        Events { events, server }
    }
}

/// A one-thread server on a free 127.0.0.1 port: `handle` serves each connection (5 s read
/// timeout); the thread is stopped and joined when this is dropped.
struct Loopback {
    stop: Arc<AtomicBool>,
    port: u16,
    thread: Option<JoinHandle<()>>,
}

impl Loopback {
    fn start(handle: impl Fn(&mut TcpStream) + Send + 'static) -> Loopback {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let st = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                handle(&mut conn);
            }
        });
        Loopback {
            stop,
            port,
            thread: Some(thread),
        }
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn read_http_body(conn: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = conn.read(&mut chunk).ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(buf[end + 4..end + 4 + len].to_vec());
        }
    }
}

/// A position in a registry's log.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    log: usize,
}

/// A running registry.
pub struct Registry {
    events: Events,
    child: Child,
    pub port: u16,
    /// `127.0.0.1:PORT`.
    pub host: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Starts an anonymous registry.
    pub fn anonymous() -> Registry {
        Registry::start(&[])
    }

    /// Starts a registry; with users, every request needs basic credentials of one of them.
    pub fn start(users: &[(&str, &str)]) -> Registry {
        Registry::launch(users, false)
    }

    /// Starts an anonymous registry serving HTTPS with a self-signed certificate that no
    /// trust store accepts (tests/data/pull/test-cert.pem).
    pub fn anonymous_tls() -> Registry {
        Registry::launch(&[], true)
    }

    fn launch(users: &[(&str, &str)], tls: bool) -> Registry {
        let bin = find_binary("docker-registry");
        let dir = tempfile::tempdir().unwrap();
        let events = Events::start();
        let notifications = format!(
            "notifications:\n  endpoints:\n    - name: tests\n      url: http://127.0.0.1:{}/events\n      timeout: 2s\n      threshold: 10\n      backoff: 100ms\n",
            events.server.port
        );
        let auth = if users.is_empty() {
            String::new()
        } else {
            let htpasswd_bin = find_binary("htpasswd");
            let file = dir.path().join("htpasswd");
            let mut text = String::new();
            for (u, p) in users {
                // bcrypt at the lowest cost: the registry checks it on every request.
                let out = Command::new(&htpasswd_bin)
                    .args(["-nbB", "-C", "4", u, p])
                    .output()
                    .expect("run htpasswd");
                assert!(out.status.success(), "htpasswd failed: {out:?}");
                text.push_str(String::from_utf8(out.stdout).unwrap().trim());
                text.push('\n');
            }
            fs::write(&file, text).unwrap();
            format!(
                "auth:\n  htpasswd:\n    realm: test\n    path: {}\n",
                file.display()
            )
        };
        let tls = if tls {
            let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pull");
            format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                data.join("test-cert.pem").display(),
                data.join("test-key.pem").display()
            )
        } else {
            String::new()
        };
        for _ in 0..5 {
            let port = free_port();
            let config = dir.path().join("config.yml");
            let log = dir.path().join(format!("registry-{port}.log"));
            fs::write(
                &config,
                format!(
                    "version: 0.1\nlog:\n  level: info\n  formatter: json\n  accesslog:\n    disabled: true\n\
                     storage:\n  filesystem:\n    rootdirectory: {}\n  maintenance:\n    uploadpurging:\n      enabled: false\n\
                     http:\n  addr: 127.0.0.1:{port}\n  secret: pull-tests\n{tls}{auth}{notifications}",
                    dir.path().join("data").display()
                ),
            )
            .unwrap();
            let out = fs::File::create(&log).unwrap();
            let mut child = Command::new(&bin)
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(out.try_clone().unwrap())
                .stderr(out)
                .spawn()
                .expect("start docker-registry");
            if wait_ready(&mut child, port) {
                return Registry {
                    events,
                    child,
                    port,
                    host: format!("127.0.0.1:{port}"),
                    log,
                    _dir: dir,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            let text = fs::read_to_string(&log).unwrap_or_default();
            // The free port was taken in the meantime: try another one.
            if !text.contains("address already in use") {
                panic!("docker-registry did not become ready within 20 s; its log:\n{text}");
            }
        }
        panic!("docker-registry: no free port after 5 tries");
    }

    /// The whole log so far.
    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The current position in the log. The registry logs a request's completion just after
    /// sending the response, so this first waits (bounded: 3 s) until the log has been quiet
    /// for 100 ms: the lines of requests made before the mark then all lie before it.
    pub fn mark(&self) -> Mark {
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut len = self.log_text().len();
        loop {
            std::thread::sleep(Duration::from_millis(100));
            let now = self.log_text().len();
            if now == len || Instant::now() > deadline {
                return Mark { log: now };
            }
            len = now;
        }
    }

    /// The log after `mark`.
    pub fn log_since(&self, mark: Mark) -> String {
        self.log_text()
            .get(mark.log..)
            .unwrap_or_default()
            .to_owned()
    }

    /// IDs of the requests that reached the registry after `mark` (their "authorized request"
    /// line is logged before the response is sent, so no earlier request is among them).
    fn request_ids_since(&self, mark: Mark) -> Vec<String> {
        self.log_since(mark)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["msg"] == "authorized request")
            .filter_map(|v| v["http.request.id"].as_str().map(str::to_owned))
            .collect()
    }

    /// The users (`""` = anonymous) of the manifest pulls of `repo` made after `mark`, from
    /// the notifications (delivered asynchronously, so matched to the requests logged after
    /// `mark` by request ID; registries with users only, whose log has a line when a request
    /// arrives), waiting (bounded: 10 s) until there is at least one.
    pub fn pull_users_since(&self, mark: Mark, repo: &str) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ids = self.request_ids_since(mark);
            let users: Vec<String> = self
                .events
                .events
                .lock()
                .unwrap()
                .iter()
                .filter(|e| {
                    e["request"]["id"]
                        .as_str()
                        .is_some_and(|id| ids.iter().any(|i| i == id))
                })
                .filter(|e| {
                    e["action"] == "pull"
                        && e["target"]["repository"] == repo
                        && e["target"]["mediaType"]
                            .as_str()
                            .is_some_and(|m| m.contains("manifest") || m.contains("index"))
                })
                .map(|e| e["actor"]["name"].as_str().unwrap_or("").to_owned())
                .collect();
            if !users.is_empty() || Instant::now() > deadline {
                return users;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Completed requests logged after `mark` (one per HTTP request, with the user the
    /// registry authenticated, if any).
    pub fn requests_since(&self, mark: Mark) -> Vec<Request> {
        self.log_since(mark)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| {
                v["msg"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("response completed"))
            })
            .map(|v| Request {
                method: v["http.request.method"].as_str().unwrap_or("").to_owned(),
                uri: v["http.request.uri"].as_str().unwrap_or("").to_owned(),
                user: v["auth.user.name"].as_str().map(str::to_owned),
                status: v["http.response.status"].as_u64(),
            })
            .collect()
    }

    /// Every request URI that reached the registry after `mark`, including refused ones.
    pub fn uris_since(&self, mark: Mark) -> Vec<String> {
        let mut v: Vec<String> = self
            .log_since(mark)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|v| v["http.request.uri"].as_str().map(str::to_owned))
            .collect();
        v.dedup();
        v
    }

    /// Whether any request for repository `repo` reached the registry after `mark`.
    pub fn saw_repo_since(&self, mark: Mark, repo: &str) -> bool {
        let prefix = format!("/v2/{repo}/");
        self.uris_since(mark).iter().any(|u| u.starts_with(&prefix))
    }

    /// Manifest GETs for `repo` answered 200 after `mark`, with the user of each.
    pub fn manifest_hits_since(&self, mark: Mark, repo: &str) -> Vec<Request> {
        let prefix = format!("/v2/{repo}/manifests/");
        self.requests_since(mark)
            .into_iter()
            .filter(|r| r.method == "GET" && r.uri.starts_with(&prefix) && r.status == Some(200))
            .collect()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `GET /v2/` until the registry answers (bounded: 20 s); `false` if it exited.
fn wait_ready(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = s.write_all(b"GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
            let mut buf = [0u8; 12];
            if s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.") {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    false
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn sha256(bytes: &[u8]) -> String {
    let h = Sha256::digest(bytes);
    let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A tar archive with one regular file (ustar header written by hand).
pub fn one_file_tar(name: &str, contents: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    let mut field = |at: usize, value: String| {
        let b = value.as_bytes();
        h[at..at + b.len()].copy_from_slice(b);
    };
    field(100, "0000644\0".into()); // mode
    field(108, "0000000\0".into()); // uid
    field(116, "0000000\0".into()); // gid
    field(124, format!("{:011o}\0", contents.len())); // size
    field(136, format!("{:011o}\0", 0)); // mtime
    field(156, "0".into()); // regular file
    field(257, "ustar\u{0}00".into()); // magic and version
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(contents);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.extend_from_slice(&[0u8; 1024]);
    out
}

fn put_blob(dir: &Path, bytes: &[u8]) -> (String, usize) {
    let d = sha256(bytes);
    let p = dir
        .join("blobs/sha256")
        .join(d.trim_start_matches("sha256:"));
    fs::write(p, bytes).unwrap();
    (d, bytes.len())
}

/// An image manifest (one layer: `marker.txt` holding `marker`) with its blobs in `dir`;
/// returns (manifest digest, size).
fn image_in(dir: &Path, marker: &str, arch: &str) -> (String, usize) {
    let layer = one_file_tar("marker.txt", marker.as_bytes());
    let (layer_d, layer_n) = put_blob(dir, &layer);
    let config = json!({
        "architecture": arch, "os": "linux",
        "config": {"Labels": {"marker": marker}},
        "rootfs": {"type": "layers", "diff_ids": [layer_d]},
    });
    let (config_d, config_n) = put_blob(dir, &serde_json::to_vec(&config).unwrap());
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_d, "size": config_n},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_d, "size": layer_n}],
    });
    put_blob(dir, &serde_json::to_vec(&manifest).unwrap())
}

fn layout_dir(dir: &Path) {
    fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

/// Writes a one-layer OCI image layout; returns the manifest digest.
pub fn write_image(dir: &Path, marker: &str) -> String {
    layout_dir(dir);
    let (d, n) = image_in(dir, marker, "amd64");
    let index = json!({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": n}
    ]});
    fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    d
}

/// Writes a layout whose top manifest is an index of one image per architecture (linux);
/// returns (index digest, per-architecture manifest digests).
pub fn write_index_image(dir: &Path, marker: &str, archs: &[&str]) -> (String, Vec<String>) {
    layout_dir(dir);
    let mut entries = Vec::new();
    let mut digests = Vec::new();
    for arch in archs {
        let (d, n) = image_in(dir, &format!("{marker}-{arch}"), arch);
        entries.push(json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": n,
            "platform": {"os": "linux", "architecture": arch},
        }));
        digests.push(d);
    }
    let idx = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries});
    let (d, n) = put_blob(dir, &serde_json::to_vec(&idx).unwrap());
    let index = json!({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": d, "size": n}
    ]});
    fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    (d, digests)
}

/// A credentials document (`{"auths": ...}`) from (key, user, password) triples.
pub fn auth_doc(entries: &[(&str, &str, &str)]) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut auths = serde_json::Map::new();
    for (key, user, pass) in entries {
        let mut raw = String::new();
        let _ = write!(raw, "{user}:{pass}");
        auths.insert((*key).to_owned(), json!({"auth": base64(raw.as_bytes())}));
    }
    serde_json::to_vec(&json!({ "auths": auths })).unwrap()
}

fn base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A current-thread runtime for driving the async API.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A fake registry that lies: it answers every manifest request with `manifest` (announcing
/// `digest_header` as its digest) and every blob request with `blob_len` bytes (at least
/// 27) that match no digest.
/// For the digest-verification scenarios only (a real registry never serves wrong content).
pub struct Liar {
    pub host: String,
    _server: Loopback,
}

impl Liar {
    pub fn start(manifest: Vec<u8>, digest_header: String, blob_len: usize) -> Liar {
        let server = Loopback::start(move |conn| {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let line = String::from_utf8_lossy(&buf)
                .lines()
                .next()
                .unwrap_or("")
                .to_owned();
            let (ctype, body, extra): (&str, Vec<u8>, String) = if line.contains("/manifests/") {
                (
                    "application/vnd.oci.image.manifest.v1+json",
                    manifest.clone(),
                    format!("Docker-Content-Digest: {digest_header}\r\n"),
                )
            } else if line.contains("/blobs/") {
                let mut junk = b"these bytes match no digest".to_vec();
                junk.resize(blob_len.max(junk.len()), b'!');
                ("application/octet-stream", junk, String::new())
            } else {
                ("application/json", b"{}".to_vec(), String::new())
            };
            let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Docker-Distribution-Api-Version: registry/2.0\r\nConnection: close\r\n\r\n",
                    body.len()
                );
            let _ = conn.write_all(head.as_bytes());
            if !line.starts_with("HEAD") {
                let _ = conn.write_all(&body);
            }
        });
        Liar {
            host: format!("127.0.0.1:{}", server.port),
            _server: server,
        }
    }
}

/// The bytes of blob `digest` in the layout `dir`.
pub fn layout_blob(dir: &Path, digest: &str) -> Vec<u8> {
    fs::read(
        dir.join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:")),
    )
    .unwrap()
}
