//! The HTTP side of `serve`: routes, the shared library and its reload when the data directory
//! changes, and the safety defaults: requests for another host than the loopback one are
//! refused while bound to loopback (so a web page elsewhere cannot reach the server by DNS
//! rebinding), pages carry a content security policy that allows only the server's own script
//! and style, and Ctrl-C ends the server after the requests in flight.

use std::io::{SeekFrom, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::pages::{self, EntryView};
use super::params::Search;
use super::pdf::{self, ByteRange};
use super::Options;
use crate::biblio::{self, Format};
use crate::catalog;
use crate::library::{self, Library};
use crate::search::SearchError;
use crate::store::Store;

/// How often the watched files are looked at for a commit of the index.
const WATCH_EVERY: Duration = Duration::from_millis(500);

/// Hits `/api/search` returns unless asked for more: `paperdex search`'s default, so the same
/// parameters give the same object.
const API_LIMIT: usize = 10;

/// Entries listed as related on an entry's page.
const RELATED: usize = 8;

/// Bytes read from a PDF at a time while streaming it.
const CHUNK: usize = 64 * 1024;

const STYLE: &str = include_str!("assets/style.css");
const SCRIPT: &str = include_str!("assets/app.js");

/// Only the server's own files; no inline script or style, no frames, forms only to itself.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// What every handler shares.
struct Shared {
    /// Swapped whole when the data directory changes; a request keeps the one it started with.
    library: RwLock<Arc<Library>>,
    store: Store,
    /// Whether to check the Host header: only while bound to a loopback address.
    loopback: bool,
}

type AppState = Arc<Shared>;

impl Shared {
    fn library(&self) -> Arc<Library> {
        Arc::clone(&self.library.read().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Serves the library at `options.addr` until Ctrl-C (or SIGTERM); `on_listen` is told the
/// address actually bound (the port the system chose for port 0).
pub fn run(options: Options, store: Store, on_listen: impl FnOnce(SocketAddr)) -> Result<()> {
    let open = options.library.clone();
    let opened = store.clone();
    let load: Loader = Arc::new(move || {
        let catalog = catalog::load_with(open.catalog_dir.as_deref(), &open.add_catalogs)?;
        Library::open(&opened, catalog, &open)
    });
    let mut watched = library::watched(&store, options.library.catalog_dir.as_deref());
    watched.extend(options.library.add_catalogs.iter().cloned());
    // Taken before loading, so a commit made while the library loads is seen as a change.
    let seen = fingerprint(&watched);
    let library = load()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("Could not start the server's runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .with_context(|| format!("Could not listen on {}", options.addr))?;
        let addr = listener
            .local_addr()
            .with_context(|| format!("Could not read the address bound for {}", options.addr))?;
        let shared = Arc::new(Shared {
            library: RwLock::new(Arc::new(library)),
            store,
            loopback: addr.ip().is_loopback(),
        });
        tokio::spawn(watch(
            Arc::clone(&shared),
            load,
            watched,
            seen,
            options.quiet,
        ));
        on_listen(addr);
        if options.open {
            open_browser(&format!("http://{addr}/"));
        }
        axum::serve(listener, router(shared))
            .with_graceful_shutdown(stop_signal())
            .await
            .context("The server stopped on an error")
    })
}

fn router(shared: AppState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/search", get(search_page))
        .route("/topics", get(topics_page))
        .route("/entry/{id}", get(entry_page))
        .route("/entry/{id}/cite", get(entry_cite))
        .route("/pdf/{id}", get(pdf_file))
        .route("/api/search", get(api_search))
        .route("/api/topics", get(api_topics))
        .route(
            "/static/style.css",
            get(|| async { asset(STYLE, "text/css") }),
        )
        .route(
            "/static/app.js",
            get(|| async { asset(SCRIPT, "text/javascript") }),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), guard))
        .with_state(shared)
}

/// Refuses requests naming another host while bound to loopback, and adds the headers every
/// answer carries.
async fn guard(State(shared): State<AppState>, request: Request, next: Next) -> Response {
    if shared.loopback && !local_host(request.headers()) {
        return (
            StatusCode::FORBIDDEN,
            "This server answers only requests for localhost.\n",
        )
            .into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(POLICY),
        );
    }
    response
}

/// Whether the Host header names this machine: `localhost`, `127.0.0.1` or `[::1]`, any port.
fn local_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        // HTTP/1.0 clients may send none; they cannot be a browser page on another origin.
        return true;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    let name = name.to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn asset(body: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn home(State(shared): State<AppState>) -> Html<String> {
    Html(pages::home(&shared.library()).into_string())
}

async fn topics_page(State(shared): State<AppState>) -> Html<String> {
    Html(pages::topics(&shared.library()).into_string())
}

async fn not_found() -> Response {
    let page = pages::problem(
        &Search::default(),
        "Not found",
        "There is nothing at this address.",
    );
    (StatusCode::NOT_FOUND, Html(page.into_string())).into_response()
}

/// Runs a search on a blocking thread: ranking and passages use every core through rayon.
async fn run_search(
    shared: &AppState,
    search: &Search,
) -> Result<crate::search::Results, (StatusCode, String)> {
    let request = search
        .request()
        .map_err(|message| (StatusCode::BAD_REQUEST, message))?;
    let library = shared.library();
    tokio::task::spawn_blocking(move || {
        let results = library.search(&request)?;
        Ok::<_, anyhow::Error>(results)
    })
    .await
    .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
    .map_err(|e| {
        let status = if e.downcast_ref::<SearchError>().is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        (status, format!("{e:#}"))
    })
}

async fn search_page(
    State(shared): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let search = Search::from_pairs(&pairs);
    if search.is_empty() {
        return Redirect::to("/").into_response();
    }
    match run_search(&shared, &search).await {
        Ok(results) => Html(pages::results(&search, &results).into_string()).into_response(),
        Err((status, message)) => {
            let page = pages::problem(&search, "Cannot search", &message);
            (status, Html(page.into_string())).into_response()
        }
    }
}

/// The CLI's `search --json` object for the same parameters; errors as `{"error": "..."}`.
async fn api_search(
    State(shared): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let mut search = Search::from_pairs(&pairs);
    // The page lowers a limit out of range, as a person edits URLs; the API refuses it, as
    // the command line does, so a program learns its mistake.
    match pairs.iter().find(|(k, _)| k == "limit") {
        Some((_, value)) => {
            if let Err(why) = crate::search::parse_limit(value) {
                let message = format!("limit: {why}.");
                return (
                    StatusCode::BAD_REQUEST,
                    Json(serde_json::json!({ "error": message })),
                )
                    .into_response();
            }
        }
        None => search.limit = API_LIMIT,
    }
    match run_search(&shared, &search).await {
        Ok(results) => Json(results).into_response(),
        Err((status, message)) => {
            (status, Json(serde_json::json!({ "error": message }))).into_response()
        }
    }
}

/// `paperdex topics --json`: every topic with the number of entries under it.
async fn api_topics(State(shared): State<AppState>) -> Response {
    Json(shared.library().topics.clone()).into_response()
}

async fn entry_page(State(shared): State<AppState>, Path(id): Path<String>) -> Response {
    let library = shared.library();
    let Some(entry) = library.catalog.get(&id) else {
        return not_found().await;
    };
    // Related entries are a search: off the async threads, like every search.
    let lib = Arc::clone(&library);
    let wanted = id.clone();
    let related = tokio::task::spawn_blocking(move || lib.related(&wanted, RELATED).ok())
        .await
        .ok()
        .flatten();
    let view = EntryView {
        entry,
        related,
        cites: library.graph.cites(&id),
        cited_by: library.graph.cited_by(&id),
    };
    Html(pages::entry(&library, &view).into_string()).into_response()
}

/// An entry as a citation, `/entry/ID/cite?format=bibtex|ris|csl-json` (BibTeX when no format
/// is named), as text a browser shows and a reference manager reads.
async fn entry_cite(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let library = shared.library();
    let Some(entry) = library.catalog.get(&id) else {
        return not_found().await;
    };
    let name = pairs
        .iter()
        .find(|(k, _)| k == "format")
        .map_or("bibtex", |(_, v)| v.as_str());
    let Some(format) = Format::from_name(name) else {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Unknown format: use bibtex, ris or csl-json.\n",
        )
            .into_response();
    };
    let text = biblio::render(&[entry], format);
    // The id is a catalog id (lowercase letters, digits, dashes): safe in a header.
    let disposition = format!("inline; filename=\"{}.{}\"", entry.id, format.extension());
    Response::builder()
        .header(header::CONTENT_TYPE, format.media_type())
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from(text))
        .unwrap_or_else(|e| (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response())
}

/// An entry's PDF, whole or the byte range asked for, streamed from the data directory.
async fn pdf_file(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(path) = pdf::locate(&shared.store, &id) else {
        return not_found().await;
    };
    match send_file(path, headers.get(header::RANGE)).await {
        Ok(response) => response,
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}\n")).into_response(),
    }
}

async fn send_file(path: PathBuf, range: Option<&HeaderValue>) -> Result<Response> {
    let mut file = tokio::fs::File::open(&path)
        .await
        .with_context(|| format!("Could not open {}", path.display()))?;
    let len = file
        .metadata()
        .await
        .with_context(|| format!("Could not read the size of {}", path.display()))?
        .len();
    let range = pdf::parse_range(range.and_then(|r| r.to_str().ok()), len);
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, "application/pdf")
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CACHE_CONTROL, "no-cache");
    let (status, start, count, builder) = match range {
        ByteRange::Unsatisfiable => {
            return Ok(builder
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{len}"))
                .body(Body::empty())?);
        }
        ByteRange::Whole => (StatusCode::OK, 0, len, builder),
        ByteRange::Part { start, end } => (
            StatusCode::PARTIAL_CONTENT,
            start,
            end - start + 1,
            builder.header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")),
        ),
    };
    file.seek(SeekFrom::Start(start))
        .await
        .with_context(|| format!("Could not seek in {}", path.display()))?;
    let stream = futures_util::stream::unfold((file, count), |(mut file, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buf = vec![0; CHUNK.min(left as usize)];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), (file, left - n as u64)))
            }
            Err(e) => Some((Err(e), (file, 0))),
        }
    });
    Ok(builder
        .status(status)
        .header(header::CONTENT_LENGTH, count)
        .body(Body::from_stream(stream))?)
}

/// Loads the library afresh: at start and whenever the data directory changes.
type Loader = Arc<dyn Fn() -> Result<Library> + Send + Sync>;

/// Loads the library again whenever a watched file changes: `update` and `index` rewrite the
/// index's commit record last, so a change there means a new committed index. A load that
/// fails (a commit caught half written) keeps the library in use and is tried on the next
/// change.
async fn watch(
    shared: AppState,
    load: Loader,
    paths: Vec<PathBuf>,
    mut seen: Fingerprint,
    quiet: bool,
) {
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        let now = fingerprint(&paths);
        if now == seen {
            continue;
        }
        seen = now;
        let load = Arc::clone(&load);
        match tokio::task::spawn_blocking(move || load()).await {
            Ok(Ok(library)) => {
                *shared.library.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(library);
                if !quiet {
                    eprintln!("Reloaded the index.");
                }
            }
            Ok(Err(e)) => eprintln!("warning: could not reload the index: {e:#}"),
            Err(e) => eprintln!("warning: could not reload the index: {e}"),
        }
    }
}

/// The modification time and size of each watched file, and of each file in a watched folder.
type Fingerprint = Vec<(PathBuf, Option<(SystemTime, u64)>)>;

/// Reads the fingerprint of the watched paths as they are now.
fn fingerprint(paths: &[PathBuf]) -> Fingerprint {
    let stat = |p: &std::path::Path| {
        std::fs::metadata(p)
            .ok()
            .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()))
    };
    let mut out = Vec::new();
    for path in paths {
        out.push((path.clone(), stat(path)));
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|d| d.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            files.sort();
            for f in files {
                let s = stat(&f);
                out.push((f, s));
            }
        }
    }
    out
}

/// Resolves when the user presses Ctrl-C or the system asks the process to end.
async fn stop_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}

/// Opens `url` in the desktop's browser, or says how to open it by hand.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let spawned = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if spawned.is_err() {
        eprintln!("warning: could not run {opener}; open {url} in a browser.");
    }
    let _ = std::io::stderr().flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn only_loopback_names_are_local() {
        for ok in [
            "localhost",
            "localhost:7878",
            "LOCALHOST:1",
            "127.0.0.1:7878",
            "127.1.2.3",
            "[::1]:7878",
            "[::1]",
            "app.localhost:80",
        ] {
            assert!(local_host(&host(ok)), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:7878",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "10.0.0.1:7878",
            "[2001:db8::1]:80",
            "",
        ] {
            assert!(!local_host(&host(bad)), "{bad}");
        }
        assert!(local_host(&HeaderMap::new()));
    }
}
