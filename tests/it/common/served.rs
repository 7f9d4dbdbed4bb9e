//! `paperdex serve` started by a test: the real binary on a port the system picks, its
//! address read from the line it prints, stopped when the test ends.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::TestEnv;

/// A running server.
pub struct Served {
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// What the server wrote to standard error so far is collected here.
    pub stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Served {
    /// Starts `serve --addr 127.0.0.1:0` over the environment's library and waits for the
    /// address it listens on.
    pub fn start(env: &TestEnv) -> Served {
        Served::start_at(env, "127.0.0.1:0")
    }

    /// Starts `serve --addr ADDR` and waits for the address it listens on.
    pub fn start_at(env: &TestEnv, addr: &str) -> Served {
        let mut child = env
            .cmd(&["serve", "--addr", addr])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("paperdex serve starts");
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = std::sync::Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep reading so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("serve printed no address; stderr: {}", log.lock().unwrap());
            }
        };
        let addr = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Served {
            child,
            addr,
            stderr: log,
        }
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
