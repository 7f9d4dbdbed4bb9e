//! `paperdex serve` in a real browser: headless Chromium driven by chromedriver over the W3C
//! WebDriver protocol (plain HTTP JSON on loopback). It loads the page, types a search as a
//! person would, submits it, clicks a topic facet and a hit, and reads what the page shows.
//! Skips, saying so, where Chromium or chromedriver is not installed (`.ci/run` installs
//! them).

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::http;
use crate::common::served::Served;
use crate::common::{make_pdf, TestEnv};

/// The key WebDriver names a found element by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The first of `names` found on the PATH or as given.
fn find_program(names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| {
        if Path::new(name).is_absolute() {
            return Path::new(name).is_file().then(|| name.to_string());
        }
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
                .map(|p| p.display().to_string())
        })
    })
}

/// Decodes standard base64, as WebDriver sends screenshots.
fn from_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("{c} is not base64"),
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &d)| n | u32::from(d) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// chromedriver on a free loopback port, and one browser session in it.
struct Browser {
    driver: Child,
    addr: String,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start(chromium: &str, chromedriver: &str) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let addr = format!("127.0.0.1:{port}");
        let start = Instant::now();
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        // The flags keep Chromium off the network: this machine's is closed, and a test never
        // leaves it.
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1200,900",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }}});
        let mut browser = Browser {
            driver,
            addr,
            session: String::new(),
            _profile: profile,
        };
        let v = browser.call("POST", "/session", Some(caps));
        browser.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        browser
    }

    /// One WebDriver command; returns its `value`, failing the test on a WebDriver error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let bytes = body.map(|b| b.to_string().into_bytes());
        let r = http::request(method, &self.addr, path, &[], bytes.as_deref());
        let v = r.json();
        if r.status != 200 {
            panic!("WebDriver {method} {path}: {} {}", r.status, v);
        }
        v["value"].clone()
    }

    fn session(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    fn goto(&self, url: &str) {
        self.session("POST", "/url", Some(json!({ "url": url })));
    }

    /// Resizes the window, as a phone's screen or a desktop's.
    fn resize(&self, width: u32, height: u32) {
        self.session(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    /// Runs a script in the page and returns what it returns.
    fn script(&self, script: &str) -> Value {
        self.session(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// A PNG of what the window shows.
    fn screenshot(&self) -> Vec<u8> {
        let data = self.session("GET", "/screenshot", None);
        from_base64(data.as_str().expect("a base64 screenshot"))
    }

    fn url(&self) -> String {
        self.session("GET", "/url", None)
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The elements matching a CSS selector, now.
    fn all(&self, css: &str) -> Vec<String> {
        let v = self.session(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e[ELEMENT].as_str().unwrap().to_string())
            .collect()
    }

    /// The first element matching `css`, waiting up to ten seconds for it.
    fn find(&self, css: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(e) = self.all(css).into_iter().next() {
                return e;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no element {css} on {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The text a person sees in an element.
    fn text(&self, element: &str) -> String {
        self.session("GET", &format!("/element/{element}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn attribute(&self, element: &str, name: &str) -> String {
        self.session("GET", &format!("/element/{element}/attribute/{name}"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn click(&self, element: &str) {
        self.session(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        );
    }

    fn type_into(&self, element: &str, text: &str) {
        self.session(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Waits until the page's address satisfies `ok`.
    fn wait_url(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let url = self.url();
            if ok(&url) {
                return url;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the address never became {what}: {url}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The visible text of every element matching `css`.
    fn texts(&self, css: &str) -> Vec<String> {
        self.all(css).iter().map(|e| self.text(e)).collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = http::request("DELETE", &self.addr, &path, &[], None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[test]
fn a_person_searches_filters_and_opens_an_entry() {
    let Some(chromium) = find_program(&["chromium", "chromium-browser", "google-chrome"]) else {
        eprintln!("skipped: Chromium is not installed (apt-get install chromium chromium-driver)");
        return;
    };
    let Some(chromedriver) = find_program(&["chromedriver", "/usr/lib/chromium/chromedriver"])
    else {
        eprintln!("skipped: chromedriver is not installed (apt-get install chromium-driver)");
        return;
    };
    let env = TestEnv::new();
    let pdf = env.dir.path().join("time.pdf");
    fs::write(
        &pdf,
        make_pdf(&[
            "Introduction to distributed systems",
            "The happened before relation orders events with logical clocks",
        ]),
    )
    .unwrap();
    env.ok(&["attach", "time-clocks", pdf.to_str().unwrap()]);
    env.ok(&["update", "--offline"]);
    let server = Served::start(&env);
    let base = server.base();
    let browser = Browser::start(&chromium, &chromedriver);

    // The front page: a search box and the topic tree.
    browser.goto(&format!("{base}/"));
    let box_ = browser.find("form.search input[name=q]");
    assert!(browser.texts("ul.tree a").iter().any(|t| t == "consensus"));

    // Typing alone already shows results: search as you type.
    browser.type_into(&box_, "happened before");
    browser.wait_url("a search for what was typed", |u| {
        u.contains("/search?q=happened")
    });
    let first = browser.find("li.hit h3 a.title");
    assert!(
        browser
            .text(&first)
            .starts_with("Time, Clocks, and the Ordering"),
        "{}",
        browser.text(&first)
    );
    assert!(browser.texts("li.hit mark").iter().any(|t| t == "happened"));
    let loc = browser.find("li.hit a.loc");
    assert_eq!(browser.text(&loc), "p. 2");
    assert!(
        browser
            .attribute(&loc, "href")
            .ends_with("/pdf/time-clocks#page=2"),
        "{}",
        browser.attribute(&loc, "href")
    );

    // A new search, submitted with the button.
    browser.goto(&format!("{base}/"));
    let box_ = browser.find("form.search input[name=q]");
    browser.type_into(&box_, "consensus");
    let button = browser.find("form.search button[type=submit]");
    browser.click(&button);
    browser.wait_url("the consensus search", |u| u.contains("q=consensus"));
    browser.find("li.hit");
    let titles = browser.texts("li.hit h3 a.title");
    assert!(
        titles.iter().any(|t| t == "Paxos Made Simple"),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t == "In Search of an Understandable Consensus Algorithm"),
        "{titles:?}"
    );

    // One click on a topic facet narrows the results, and the address says so.
    let facet = browser
        .all("section.facet[data-facet=topic] a")
        .into_iter()
        .find(|e| browser.text(e) == "papers/replication")
        .expect("a replication facet");
    browser.click(&facet);
    browser.wait_url("filtered by topic", |u| {
        u.contains("topic=papers/replication") || u.contains("topic=papers%2Freplication")
    });
    browser.find(".active .chip");
    let titles = browser.texts("li.hit h3 a.title");
    assert_eq!(
        titles,
        vec!["In Search of an Understandable Consensus Algorithm"]
    );
    assert!(browser
        .texts(".active .chip")
        .iter()
        .any(|t| t.contains("topic: papers/replication")));

    // Clicking the hit opens its page.
    let hit = browser.find("li.hit h3 a.title");
    browser.click(&hit);
    browser.wait_url("the entry's page", |u| u.ends_with("/entry/raft"));
    let heading = browser.find("article.entry h1");
    let heading = browser.text(&heading);
    assert!(
        heading.contains("In Search of an Understandable"),
        "{heading}"
    );
    assert!(heading.contains("(2014)"), "{heading}");
    let fields = browser.text(&browser.find("dl.fields"));
    assert!(fields.contains("Diego Ongaro, John Ousterhout"), "{fields}");
    assert!(fields.contains("papers/replication"), "{fields}");
    let summary = browser.text(&browser.find("p.summary"));
    assert!(summary.contains("leader election"), "{summary}");
}

/// Checks the page at a phone's width: nothing wider than the screen, the search button whole,
/// the results before the filters, and the entry's page without the drawing too small to read.
/// A screenshot of each page is left in the test's temporary target folder.
#[test]
fn the_pages_fit_a_phone() {
    let Some(chromium) = find_program(&["chromium", "chromium-browser", "google-chrome"]) else {
        eprintln!("skipped: Chromium is not installed (apt-get install chromium chromium-driver)");
        return;
    };
    let Some(chromedriver) = find_program(&["chromedriver", "/usr/lib/chromium/chromedriver"])
    else {
        eprintln!("skipped: chromedriver is not installed (apt-get install chromium-driver)");
        return;
    };
    let env = TestEnv::new();
    env.ok(&["index", "-q"]);
    let server = Served::start(&env);
    let base = server.base();
    let browser = Browser::start(&chromium, &chromedriver);
    browser.resize(390, 844);
    let width = browser
        .script("return window.innerWidth;")
        .as_u64()
        .unwrap();
    assert!(width <= 400, "the window is {width} px wide, not a phone's");
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"));
    for (name, path) in [
        ("home", "/"),
        ("results", "/search?q=consensus+replication"),
        ("entry", "/entry/raft"),
    ] {
        browser.goto(&format!("{base}{path}"));
        browser.find("header.top");
        let scroll = browser
            .script("return document.documentElement.scrollWidth;")
            .as_u64()
            .unwrap();
        assert!(
            scroll <= width,
            "{name}: the page is {scroll} px wide on a {width} px screen"
        );
        let right = browser
            .script(
                "return document.querySelector('form.search button').getBoundingClientRect().right;",
            )
            .as_f64()
            .unwrap();
        assert!(
            right <= width as f64,
            "{name}: the button ends at {right} px"
        );
        fs::write(
            shots.join(format!("phone-{name}.png")),
            browser.screenshot(),
        )
        .unwrap();
    }
    // On the results, the first hit comes before the filters.
    browser.goto(&format!("{base}/search?q=consensus"));
    let order = browser.script(
        "return [document.querySelector('li.hit').getBoundingClientRect().top, \
                 document.querySelector('aside.facets').getBoundingClientRect().top];",
    );
    let (hit, facets) = (order[0].as_f64().unwrap(), order[1].as_f64().unwrap());
    assert!(
        hit < facets,
        "the first hit at {hit} px, the filters at {facets} px"
    );
    assert!(
        hit < 844.0,
        "the first hit starts below the first screen, at {hit} px"
    );
}
