//! Web articles stored as their pages, and landing pages that lead to a PDF.

use super::*;

fn html(status: u16, content_type: &str, body: &str) -> Reply {
    Reply::Full {
        status,
        headers: vec![("Content-Type".into(), content_type.into())],
        body: body.as_bytes().to_vec(),
    }
}

fn web_item(id: &str, urls: &[String]) -> FetchItem {
    FetchItem {
        web: true,
        ..item(id, urls)
    }
}

#[test]
fn a_web_article_is_stored_as_its_page() {
    let page =
        "<!doctype html><html><head><title>The Log</title></head><body><p>Logs.</p></body></html>";
    let server = TestServer::start(move |_, _| html(200, "text/html; charset=ISO-8859-1", page));
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(
        &[web_item("the-log", &[server.url("/blog/the-log")])],
        dir.path(),
        &quick_opts(),
    );
    assert_eq!(report.fetched, vec!["the-log"]);
    assert_eq!(report.web_pages, vec!["the-log"]);
    assert!(report.landing.is_empty());
    assert_eq!(
        std::fs::read_to_string(Store::new(dir.path()).html_path("the-log")).unwrap(),
        page
    );
    assert!(!Store::new(dir.path()).pdf_path("the-log").exists());
    let m = manifest(dir.path());
    let e = m.get("the-log").unwrap();
    assert_eq!(e.format, Format::Html);
    assert_eq!(e.charset.as_deref(), Some("ISO-8859-1"));
    assert_eq!(e.sha256, sha256_hex(page.as_bytes()));
    // No temporary file is left in either folder.
    let hidden: Vec<_> = std::fs::read_dir(Store::new(dir.path()).html_dir())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .collect();
    assert!(hidden.is_empty());

    // The second run keeps it; a later PDF at the same entry replaces the page.
    let (again, _) = run(
        &[web_item("the-log", &[server.url("/blog/the-log")])],
        dir.path(),
        &quick_opts(),
    );
    assert_eq!(again.unchanged, vec!["the-log"]);
}

#[test]
fn a_landing_page_leads_to_the_pdf_it_declares() {
    let pdf = pdf_bytes("landed");
    let served = pdf.clone();
    let server = TestServer::start(move |req, _| {
        match req.path.as_str() {
        "/abs/1234" => html(
            200,
            "text/html",
            "<html><head><meta name=\"citation_pdf_url\" content=\"/pdf/1234v1\"></head><body>Abstract</body></html>",
        ),
        "/pdf/1234v1" => Reply::pdf(&served),
        _ => Reply::status(404),
    }
    });
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(
        &[web_item("paper", &[server.url("/abs/1234")])],
        dir.path(),
        &quick_opts(),
    );
    assert_eq!(report.fetched, vec!["paper"]);
    assert_eq!(report.landing, vec!["paper"]);
    assert!(report.web_pages.is_empty());
    assert_eq!(
        std::fs::read(Store::new(dir.path()).pdf_path("paper")).unwrap(),
        pdf
    );
    assert!(!Store::new(dir.path()).html_path("paper").exists());
    let e = manifest(dir.path()).get("paper").unwrap().clone();
    assert_eq!(e.url, server.url("/abs/1234"));
    assert_eq!(
        e.landing_url.as_deref(),
        Some(server.url("/abs/1234").as_str())
    );
    assert_eq!(e.final_url, server.url("/pdf/1234v1"));
    assert_eq!(e.format, Format::Pdf);
    assert_eq!(server.hits("/pdf/1234v1"), 1);

    // A refresh asks the landing page again, without the PDF's validators.
    let opts = FetchOptions {
        refresh: true,
        ..quick_opts()
    };
    let (again, _) = run(
        &[web_item("paper", &[server.url("/abs/1234")])],
        dir.path(),
        &opts,
    );
    assert_eq!(again.unchanged, vec!["paper"]);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("If-None-Match").is_none()));
}

#[test]
fn a_page_from_a_pdf_link_or_a_dead_declaration_is_a_failure() {
    let server = TestServer::start(move |req, _| match req.path.as_str() {
        "/paper.pdf" => html(200, "text/html", "<html><body>Please log in</body></html>"),
        "/landing" => html(
            200,
            "text/html",
            "<html><head><link rel=alternate type=application/pdf href=/gone.pdf></head></html>",
        ),
        _ => Reply::status(404),
    });
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = run(
        &[
            web_item("walled", &[server.url("/paper.pdf")]),
            web_item("dead", &[server.url("/landing")]),
        ],
        dir.path(),
        &quick_opts(),
    );
    assert_failed(&report, "walled", FailReason::NotPdf);
    assert_failed(&report, "dead", FailReason::NotFound);
    let detail = &report.failed.iter().find(|f| f.0 == "dead").unwrap().2;
    assert!(detail.contains("declares its PDF at"), "{detail}");
    assert_eq!(server.hits("/gone.pdf"), 1);
    assert!(
        !Store::new(dir.path()).html_dir().exists()
            || std::fs::read_dir(Store::new(dir.path()).html_dir())
                .unwrap()
                .next()
                .is_none()
    );
}
