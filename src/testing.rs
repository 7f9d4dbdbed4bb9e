//! A scripted loopback HTTP server for tests: the fetch stage's and the model download's unit
//! tests, and the integration tests under `tests/`, which serve their PDFs and web pages from it.
//!
//! Real servers misbehave in ways a mock client cannot imitate (stalls, short
//! bodies, lying Content-Length), so the tests talk HTTP/1.1 over a real
//! socket on 127.0.0.1 to this server, whose replies a closure scripts per
//! request. It also records every request and the peak number in flight.
//! It uses the standard library only, and nothing outside tests calls it.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub at: Instant,
}

impl Request {
    /// Returns the value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A well-formed response with a correct Content-Length.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Writes these bytes verbatim, optionally stalls, then closes.
    Raw {
        bytes: Vec<u8>,
        stall: Option<Duration>,
    },
    /// Sends nothing for this long, then closes.
    Stall(Duration),
    /// Waits, then replies.
    Delayed(Duration, Box<Reply>),
    /// A 200 response whose body is written `chunk` bytes at a time, pausing after each.
    Dribble {
        content_type: String,
        body: Vec<u8>,
        chunk: usize,
        pause: Duration,
    },
}

impl Reply {
    /// A 200 response carrying `body` as `application/pdf`.
    pub fn pdf(body: &[u8]) -> Reply {
        Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), "application/pdf".into())],
            body: body.to_vec(),
        }
    }

    /// A 200 response carrying `body` as `content_type`.
    pub fn ok(content_type: &str, body: &[u8]) -> Reply {
        Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.to_vec(),
        }
    }

    /// An empty response with the given status.
    pub fn status(status: u16) -> Reply {
        Reply::Full {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).with_header("Location", location)
    }

    /// Adds a header to a `Full` reply.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// Raw response head and body; `content_length` may lie or be absent.
    pub fn raw(content_length: Option<u64>, body: &[u8], stall: Option<Duration>) -> Reply {
        let mut bytes =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nConnection: close\r\n".to_vec();
        if let Some(len) = content_length {
            bytes.extend_from_slice(format!("Content-Length: {len}\r\n").as_bytes());
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(body);
        Reply::Raw { bytes, stall }
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

#[derive(Default)]
struct State {
    requests: Mutex<Vec<Request>>,
    hits: Mutex<HashMap<String, usize>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    stop: AtomicBool,
}

/// Server bound to an ephemeral port on 127.0.0.1, stopped on drop.
pub struct TestServer {
    addr: SocketAddr,
    state: Arc<State>,
}

impl TestServer {
    /// Starts serving; `handler` gets each request and how often its path was hit (from 1).
    pub fn start(handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(State::default());
        let handler: Arc<Handler> = Arc::new(handler);
        let st = state.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                if st.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (st, handler) = (st.clone(), handler.clone());
                thread::spawn(move || serve(stream, &st, &*handler));
            }
        });
        TestServer { addr, state }
    }

    /// Returns an absolute URL for `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Returns every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Returns how many requests hit `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.state
            .hits
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Returns the peak number of requests handled at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the stop flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(mut stream: TcpStream, state: &State, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let hit = {
        let mut hits = state.hits.lock().unwrap();
        let n = hits.entry(request.path.clone()).or_default();
        *n += 1;
        *n
    };
    state.requests.lock().unwrap().push(request.clone());
    let reply = handler(&request, hit);
    respond(&mut stream, reply);
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Both);
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
}

fn respond(stream: &mut TcpStream, reply: Reply) {
    match reply {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} Scripted\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
        Reply::Raw { bytes, stall } => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
            if let Some(d) = stall {
                thread::sleep(d);
            }
        }
        Reply::Stall(d) => thread::sleep(d),
        Reply::Dribble {
            content_type,
            body,
            chunk,
            pause,
        } => {
            let head = format!(
                "HTTP/1.1 200 Scripted\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            for part in body.chunks(chunk.max(1)) {
                if stream.write_all(part).and_then(|_| stream.flush()).is_err() {
                    return;
                }
                thread::sleep(pause);
            }
        }
        Reply::Delayed(d, inner) => {
            thread::sleep(d);
            respond(stream, *inner);
        }
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines = text.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_string();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Request {
        path,
        headers,
        at: Instant::now(),
    })
}
