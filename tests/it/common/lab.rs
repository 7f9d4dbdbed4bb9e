//! A small library for the tests of sharded runs (`--shard`, the Dask driver): a catalog whose
//! entries fall in both shards of two, tiny PDFs attached to most of them (and, with a
//! server, fetched for others), and what a data directory ends with: its texts and the
//! answers of a few searches, to compare a sharded run with one `update`.

use std::collections::BTreeMap;
use std::fs;

use super::{make_pdf, Route, Server, TestEnv};

/// The attached entries: id, and the pages of its PDF.
pub const ATTACHED: &[(&str, &[&str])] = &[
    (
        "gossip-epidemics",
        &[
            "Epidemic algorithms spread updates by gossip\nbetween random pairs of replicas",
            // Pages of twenty words or more make passages, which the embed stage keeps apart.
            "Every few seconds each replica picks another replica at random\n\
             and the two exchange the updates one of them lacks,\n\
             so news of a write reaches every replica in a number of rounds\n\
             that grows with the logarithm of the number of replicas.",
        ],
    ),
    (
        "chain-replication",
        &[
            "Chain replication orders writes along a chain",
            "The tail answers queries so reads are strongly consistent",
        ],
    ),
    (
        "lease-clocks",
        &["Leases bound the time a lock is held\neven when clocks drift"],
    ),
    (
        "quorum-reads",
        &[
            "Quorum intersection makes every read see the latest write",
            "A write waits for a majority of the servers to store it,\n\
             and a read asks a majority too, so the two groups share a server\n\
             and the read always meets at least one copy of the latest value.",
        ],
    ),
    (
        "snapshot-isolation",
        &["Snapshot isolation lets transactions read a consistent snapshot\nwithout blocking writers"],
    ),
    (
        "vector-timestamps",
        &["Vector timestamps capture causality\nbetween events of different processes"],
    ),
];

/// The fetched entries (with a server): id, and the pages of the PDF it serves.
pub const FETCHED: &[(&str, &[&str])] = &[
    (
        "merkle-repair",
        &["Anti-entropy repair compares Merkle trees\nto find the replicas that differ"],
    ),
    (
        "failure-detectors",
        &["Unreliable failure detectors suspect crashed processes\nand make consensus solvable"],
    ),
];

/// Queries whose answers must not depend on how the library was built.
pub const QUERIES: &[&str] = &[
    "gossip",
    "chain replication tail",
    "clocks",
    "quorum intersection",
    "consistent snapshot",
    "causality",
    "merkle trees",
    "failure detectors consensus",
    "replicas",
];

/// The catalog: every attached and fetched entry, and one without any document.
pub fn catalog(server: Option<&Server>) -> String {
    let mut toml = String::new();
    for (id, _) in ATTACHED {
        toml.push_str(&format!(
            "[[entry]]\nid = \"{id}\"\ntitle = \"The paper {id}\"\nkind = \"paper\"\ntopics = [\"papers/lab\"]\n\n"
        ));
    }
    if let Some(server) = server {
        for (id, _) in FETCHED {
            toml.push_str(&format!(
                "[[entry]]\nid = \"{id}\"\ntitle = \"The paper {id}\"\nkind = \"paper\"\ntopics = [\"papers/lab\"]\nurls = [\"{}\"]\n\n",
                server.url(&format!("/{id}.pdf"))
            ));
        }
    }
    toml.push_str("[[entry]]\nid = \"no-document\"\ntitle = \"A paper without a document\"\nkind = \"paper\"\nsummary = \"Replicas and gossip, from the catalog alone.\"\n");
    toml
}

/// A server of the fetched entries' PDFs.
pub fn server() -> Server {
    let paths: Vec<String> = FETCHED.iter().map(|(id, _)| format!("/{id}.pdf")).collect();
    Server::start(
        paths
            .iter()
            .zip(FETCHED)
            .map(|(path, (_, pages))| (path.as_str(), Route::File(make_pdf(pages))))
            .collect(),
    )
}

/// A test environment holding the lab's catalog, with the attached PDFs adopted.
pub fn env(server: Option<&Server>) -> TestEnv {
    let env = TestEnv::new();
    fs::remove_file(env.catalog_dir().join("test.toml")).unwrap();
    env.write_catalog("lab.toml", &catalog(server));
    let pdfs = env.dir.path().join("pdfs");
    fs::create_dir_all(&pdfs).unwrap();
    for (id, pages) in ATTACHED {
        let file = pdfs.join(format!("{id}.pdf"));
        fs::write(&file, make_pdf(pages)).unwrap();
        env.ok(&["attach", id, file.to_str().unwrap()]);
    }
    env
}

/// Every file of the data directory's `text/` but the records (which hold file times), by
/// name, with its contents.
pub fn texts(env: &TestEnv) -> BTreeMap<String, String> {
    let dir = env.data_dir().join("text");
    fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "status.json")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect()
}

/// The answers of [`QUERIES`], without what names the data directory (a hit's PDF path).
pub fn answers(env: &TestEnv) -> Vec<serde_json::Value> {
    QUERIES
        .iter()
        .map(|q| {
            let mut v = env.search_json(&[q, "--limit", "20"]);
            for hit in v["hits"].as_array_mut().into_iter().flatten() {
                hit.as_object_mut().unwrap().remove("pdf");
            }
            v
        })
        .collect()
}
