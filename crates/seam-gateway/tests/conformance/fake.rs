//! Seam's own fake server, `@seamapi/fake-seam-connect`, installed with npm into a cache
//! outside the repository and run as a child process per test.
//!
//! No silent skip: without npm or node the suite fails and says what to install. The install
//! runs once per cache directory (a lock directory keeps concurrent test processes from
//! installing at once); each test gets its own seeded fake on a free port, spoken to only on
//! 127.0.0.1, and killed when the test ends, panics included. Because a killed test process
//! cannot run destructors, the fake also exits by itself when its standard input closes.

use std::fs;
use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

pub const PACKAGE: &str = "@seamapi/fake-seam-connect";
pub const VERSION: &str = "1.86.0";
/// The seeded workspace with locks and a Visionline system, and the empty one.
pub const API_KEY: &str = "seam_apikey1_token";
pub const EMPTY_WORKSPACE_API_KEY: &str = "seam_apikey2_token";

const INSTALL_TIMEOUT: Duration = Duration::from_secs(300);
const STALE_LOCK: Duration = Duration::from_secs(600);
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Preloaded into the fake: exit when our end of its standard input closes.
const EXIT_WITH_PARENT: &str = "process.stdin.on('end', () => process.exit(0));\n\
    process.stdin.on('error', () => process.exit(0));\nprocess.stdin.resume();\n";

/// Where the fake is installed: `SEAM_FAKE_DIR`, or a per-version folder in `~/.cache/doorway`.
fn install_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SEAM_FAKE_DIR") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache").join("doorway"))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    base.join(format!("fake-seam-connect-{VERSION}"))
}

fn package_dir(dir: &Path) -> PathBuf {
    dir.join("node_modules")
        .join("@seamapi")
        .join("fake-seam-connect")
}

/// The installed package's version, if it is installed.
fn installed_version(dir: &Path) -> Option<String> {
    let text = fs::read_to_string(package_dir(dir).join("package.json")).ok()?;
    let manifest: Value = serde_json::from_str(&text).ok()?;
    manifest["version"].as_str().map(str::to_owned)
}

fn require_tool(tool: &str) {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        found,
        "the conformance suite runs Seam's fake with `{tool}`, which is not on PATH: install \
         Node.js 18 or later (node and npm), e.g. `apt-get install nodejs npm`"
    );
}

/// The fake's entry point, installing the package first if needed. Once per test process.
pub fn entry_point() -> PathBuf {
    static ENTRY: OnceLock<PathBuf> = OnceLock::new();
    ENTRY.get_or_init(install).clone()
}

fn install() -> PathBuf {
    require_tool("node");
    let dir = install_dir();
    if installed_version(&dir).as_deref() != Some(VERSION) {
        require_tool("npm");
        let _lock = InstallLock::acquire(&dir);
        // Another process may have installed it while we waited for the lock.
        if installed_version(&dir).as_deref() != Some(VERSION) {
            run_npm_install(&dir);
        }
    }
    let package = package_dir(&dir);
    let manifest: Value =
        serde_json::from_str(&fs::read_to_string(package.join("package.json")).unwrap()).unwrap();
    // `bin` names the server script (`./dist/server.js` in 1.86.0).
    let bin = match &manifest["bin"] {
        Value::String(bin) => bin.clone(),
        Value::Object(bins) => bins.values().find_map(Value::as_str).unwrap().to_owned(),
        other => panic!("{PACKAGE} {VERSION} has no server script (bin = {other})"),
    };
    let entry = package.join(bin.trim_start_matches("./"));
    assert!(entry.is_file(), "{} is missing", entry.display());
    fs::write(dir.join("exit-with-parent.cjs"), EXIT_WITH_PARENT).unwrap();
    entry
}

fn run_npm_install(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    let spec = format!("{PACKAGE}@{VERSION}");
    eprintln!("installing {spec} into {}", dir.display());
    let output = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--prefix",
        ])
        .arg(dir)
        .arg(&spec)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("cannot run npm: {err}"));
    assert!(
        output.status.success(),
        "npm install {spec} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        installed_version(dir).as_deref(),
        Some(VERSION),
        "npm install {spec} succeeded but the package is not in {}",
        dir.display()
    );
}

/// A lock directory beside the install directory; `create_dir` is atomic.
struct InstallLock {
    path: PathBuf,
}

impl InstallLock {
    fn acquire(dir: &Path) -> Self {
        let path = dir.with_extension("lock");
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        let started = Instant::now();
        loop {
            match fs::create_dir(&path) {
                Ok(()) => return Self { path },
                Err(err) if err.kind() == ErrorKind::AlreadyExists => {
                    let age = fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|at| SystemTime::now().duration_since(at).ok());
                    if age.is_some_and(|age| age > STALE_LOCK) {
                        eprintln!("removing a stale install lock {}", path.display());
                        let _ = fs::remove_dir(&path);
                        continue;
                    }
                    assert!(
                        started.elapsed() < INSTALL_TIMEOUT,
                        "waited {INSTALL_TIMEOUT:?} for another install of {PACKAGE} \
                         (lock {})",
                        path.display()
                    );
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(err) => panic!("cannot create the lock {}: {err}", path.display()),
            }
        }
    }
}

impl Drop for InstallLock {
    fn drop(&mut self) {
        let _ = fs::remove_dir(&self.path);
    }
}

/// A running, seeded fake. Dropping it kills the process.
pub struct FakeProcess {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl FakeProcess {
    /// Starts a seeded fake on a free port and waits until it answers on 127.0.0.1.
    pub async fn start() -> Self {
        let entry = entry_point();
        let mut last_failure = String::new();
        // A port picked free can be taken before node binds it: try a few.
        for _ in 0..3 {
            let port = free_port();
            let mut fake = Self::spawn(&entry, port);
            match fake.wait_until_ready().await {
                Ok(()) => return fake,
                Err(failure) => last_failure = failure,
            }
        }
        panic!("Seam's fake did not start: {last_failure}");
    }

    fn spawn(entry: &Path, port: u16) -> Self {
        let dir = install_dir();
        let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("fake-seam-{port}.log"));
        let out = fs::File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let child = Command::new("node")
            .arg("--require")
            .arg(dir.join("exit-with-parent.cjs"))
            .arg(entry)
            .arg("--seed")
            .env("PORT", port.to_string())
            .env("NODE_ENV", "production")
            .stdin(Stdio::piped())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start node: {err}"));
        Self { child, port, log }
    }

    async fn wait_until_ready(&mut self) -> Result<(), String> {
        let http = reqwest::Client::new();
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited with {status}:\n{}", self.log_tail()));
            }
            let answer = http
                .post(format!("{}/workspaces/get", self.base_url()))
                .bearer_auth(API_KEY)
                .json(&serde_json::json!({}))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!(
            "no answer within {READY_TIMEOUT:?}:\n{}",
            self.log_tail()
        ))
    }

    /// `http://127.0.0.1:PORT`: the fake listens on every interface, but we only use loopback.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_tail(&self) -> String {
        let bytes = fs::read(&self.log).unwrap_or_default();
        let start = bytes.len().saturating_sub(2000);
        String::from_utf8_lossy(&bytes[start..]).into_owned()
    }
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_file(&self.log);
    }
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
