//! Headless Chromium for the tests that need a real browser, driven over the Chrome DevTools
//! Protocol (one WebSocket, one page attached in flat mode). The browser resolves no host name
//! at all, so a page works only with what the app under test serves itself: no CDN, as
//! offline or behind a firewall.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Debian's `chromium` package installs it here; `CHROMIUM` names another.
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

pub struct Browser {
    process: Child,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The page's session (flat mode): every page command carries it.
    session: Option<String>,
    next_id: u64,
    profile: PathBuf,
}

impl Browser {
    /// Starts headless Chromium with a fresh profile. Fails (never skips) when it is missing.
    pub async fn launch() -> Browser {
        let program = std::env::var("CHROMIUM").unwrap_or_else(|_| DEFAULT_CHROMIUM.to_owned());
        assert!(
            std::path::Path::new(&program).exists(),
            "headless Chromium is missing ({program}): install Debian's `chromium` package \
             (apt-get install --no-install-recommends chromium; .ci/run does), or set CHROMIUM \
             to its path"
        );
        let profile =
            std::env::temp_dir().join(format!("doorway-chromium-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&profile).unwrap();
        let mut process = Command::new(&program)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                // No name resolves: only the app's own address (an IP) can be reached.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                "--remote-debugging-port=0",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        let mut lines = BufReader::new(process.stderr.take().unwrap()).lines();
        let endpoint = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    return url.trim().to_owned();
                }
            }
            panic!("{program} exited without opening its DevTools endpoint")
        })
        .await
        .unwrap_or_else(|_| panic!("{program} did not open its DevTools endpoint within 30 s"));
        // Chromium keeps writing to stderr; a full pipe would stall it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let (socket, _) = tokio_tungstenite::connect_async(endpoint.as_str())
            .await
            .unwrap();
        Browser {
            process,
            socket,
            session: None,
            next_id: 0,
            profile,
        }
    }

    /// Opens a page, attaches to it, and runs `on_new_document` in every document it loads
    /// before the document's own scripts.
    pub async fn open(&mut self, url: &str, on_new_document: &str) {
        let target = self
            .call("Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let attached = self
            .call(
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        self.session = Some(attached["sessionId"].as_str().unwrap().to_owned());
        self.call("Page.enable", json!({})).await;
        self.call(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": on_new_document }),
        )
        .await;
        self.call("Page.navigate", json!({ "url": url })).await;
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value.
    pub async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await;
        assert!(
            result.get("exceptionDetails").is_none(),
            "`{expression}` threw: {result}"
        );
        result["result"]["value"].clone()
    }

    /// Polls `expression` until it is neither null nor false; fails after `timeout`, showing
    /// what `context` evaluates to at that moment.
    pub async fn wait_for(&mut self, expression: &str, timeout: Duration, context: &str) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.eval(expression).await;
            if !value.is_null() && value != false {
                return value;
            }
            if Instant::now() > deadline {
                let seen = self.eval(context).await;
                panic!("`{expression}` never held within {timeout:?}; the page shows: {seen}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Closes the browser as a user would, every process of it, then its profile goes (Drop).
    pub async fn close(mut self) {
        let command = json!({ "id": 0, "method": "Browser.close", "params": {} });
        self.socket
            .send(Message::text(command.to_string()))
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(10), self.process.wait())
            .await
            .unwrap_or_else(|_| panic!("Chromium did not close within 10 s"))
            .unwrap();
    }

    /// Sends one command and waits for its answer, passing over the events in between.
    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            if !method.starts_with("Target.") {
                command["sessionId"] = json!(session);
            }
        }
        self.socket
            .send(Message::text(command.to_string()))
            .await
            .unwrap();
        loop {
            let message = tokio::time::timeout(Duration::from_secs(30), self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("Chromium did not answer {method} within 30 s"));
            let Some(Ok(Message::Text(text))) = message else {
                assert!(
                    matches!(message, Some(Ok(_))),
                    "the DevTools connection closed: {message:?}"
                );
                continue;
            };
            let answer: Value = serde_json::from_str(&text).unwrap();
            if answer["id"] == id {
                assert!(answer.get("error").is_none(), "{method} failed: {answer}");
                return answer["result"].clone();
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.process.start_kill();
        // Chromium writes to its profile until it has exited: wait (briefly) before removing it.
        for _ in 0..100 {
            if !matches!(self.process.try_wait(), Ok(None)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
