//! Scanned PDFs through the real binary: a PDF whose pages are only images is read by OCR
//! with its pages kept, and without Tesseract one line says how to get it. The tests that OCR
//! need `tesseract` and `pdftoppm` (CI installs them); elsewhere they say so and skip.

use std::path::Path;
use std::process::Command;

use crate::common::{catalog_at, hit_ids, make_pdf, Route, Server, TestEnv};

/// Whether the OCR programs are here; on CI their absence is a failure, not a skip.
pub fn ocr_installed() -> bool {
    let found = ["tesseract", "pdftoppm", "pdfinfo"]
        .iter()
        .all(|p| Command::new(p).arg("-v").output().is_ok());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have tesseract-ocr and poppler-utils installed (.ci/run installs them)"
        );
        eprintln!("skipped: tesseract or pdftoppm is not installed (apt-get install tesseract-ocr poppler-utils)");
    }
    found
}

/// A PDF of grey images, one per page, each `width` x `height` pixels drawn over the page.
fn image_pdf(pages: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};

    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    for (width, height, pixels) in pages {
        let mut image = Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Image",
                "Width" => *width as i64,
                "Height" => *height as i64,
                "ColorSpace" => "DeviceGray",
                "BitsPerComponent" => 8,
            },
            pixels.clone(),
        );
        image.compress().expect("the image compresses");
        let image_id = doc.add_object(image);
        let content = Content {
            operations: vec![
                Operation::new("q", vec![]),
                Operation::new(
                    "cm",
                    vec![
                        612.into(),
                        0.into(),
                        0.into(),
                        792.into(),
                        0.into(),
                        0.into(),
                    ],
                ),
                Operation::new("Do", vec!["Im0".into()]),
                Operation::new("Q", vec![]),
            ],
        };
        let content_id = doc.add_object(Stream::new(
            dictionary! {},
            content.encode().expect("content encodes"),
        ));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image_id } },
        });
        kids.push(page_id.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("the PDF saves");
    out
}

/// Renders each page of a text PDF to a grey image with pdftoppm, and makes a PDF of the
/// images alone: a scan of the text, with no text layer.
pub fn scan_of(pages: &[&str], dir: &Path) -> Vec<u8> {
    let text_pdf = dir.join("typed.pdf");
    std::fs::write(&text_pdf, make_pdf(pages)).unwrap();
    let stem = dir.join("page");
    let ok = Command::new("pdftoppm")
        .args(["-r", "200", "-gray"])
        .arg(&text_pdf)
        .arg(&stem)
        .status()
        .unwrap()
        .success();
    assert!(ok, "pdftoppm renders the text PDF");
    let mut images = Vec::new();
    for n in 1..=pages.len() {
        let path = dir.join(format!("page-{n}.pgm"));
        images.push(read_pgm(&std::fs::read(&path).unwrap()));
    }
    image_pdf(&images)
}

/// Reads a binary PGM (P5, 8-bit) as width, height and pixels.
fn read_pgm(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (u32, u32) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = bytes[at + 1..].to_vec();
    assert_eq!(pixels.len(), (w * h) as usize);
    (w, h, pixels)
}

const PAGES: &[&str] = &[
    "A Scanned Classic\nThe lighthouse keeper counts quorums",
    "Second page\nByzantine penguins agree on a value",
];

#[test]
fn a_scanned_pdf_is_read_by_ocr_with_its_pages() {
    if !ocr_installed() {
        return;
    }
    let env = TestEnv::new();
    let scan = scan_of(PAGES, env.dir.path());
    let file = env.dir.path().join("scan.pdf");
    std::fs::write(&file, &scan).unwrap();
    let path = file.to_str().unwrap();

    // The extractor alone finds no text; OCR does, page by page.
    let refused = env.run(&["extract", "--no-ocr", path]);
    assert!(refused.fails_with(1).contains("no text layer"));
    let text = env.ok(&["extract", path]).stdout();
    let pages: Vec<&str> = text.split('\x0c').collect();
    assert_eq!(pages.len(), 2, "{text:?}");
    assert!(pages[0].contains("lighthouse"), "{text:?}");
    assert!(pages[1].to_lowercase().contains("penguins"), "{text:?}");

    // Through the pipeline: fetched, read by OCR, searched with the page of the hit.
    let server = Server::start(vec![("/scan.pdf", Route::File(scan))]);
    env.write_catalog(
        "test.toml",
        &catalog_at(&[("scanned", "A Scanned Classic", &server.url("/scan.pdf"))]),
    );
    let update = env.ok(&["update"]).stderr();
    assert!(update.contains("1 extracted (1 by OCR)"), "{update}");
    let v = env.search_json(&["penguins"]);
    assert_eq!(hit_ids(&v), vec!["scanned"]);
    assert_eq!(v["hits"][0]["page"], 2);
    let status = env.ok(&["status"]).stdout();
    assert!(status.contains("OCR of a scan 1"), "{status}");
    // Cached: the next run reads nothing again.
    let again = env.ok(&["update", "--offline"]).stderr();
    assert!(again.contains("0 extracted, 1 unchanged"), "{again}");
}

/// Two pages of grey noise: images and no text layer, made without any program.
pub fn noise_scan() -> Vec<u8> {
    let pixels: Vec<u8> = (0..64 * 64).map(|i| (i * 37 % 251) as u8).collect();
    image_pdf(&[(64, 64, pixels.clone()), (64, 64, pixels)])
}

#[test]
fn without_tesseract_one_line_says_how_to_get_it() {
    let scan = noise_scan();
    let server = Server::start(vec![
        ("/a.pdf", Route::File(scan.clone())),
        ("/b.pdf", Route::File(scan)),
    ]);
    let env = TestEnv::new();
    env.write_catalog(
        "test.toml",
        &catalog_at(&[
            ("scan-a", "Scan A", &server.url("/a.pdf")),
            ("scan-b", "Scan B", &server.url("/b.pdf")),
        ]),
    );
    // No program can be found on an empty PATH.
    let run = env.cmd(&["update"]).env("PATH", "").output().unwrap();
    assert!(run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    let hints: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("apt-get install tesseract-ocr poppler-utils"))
        .collect();
    assert_eq!(hints.len(), 1, "{err}");
    assert!(hints[0].contains("2 scanned PDFs"), "{err}");
    assert!(err.contains("Index: 2 added"), "{err}");
    let status = env.cmd(&["status"]).env("PATH", "").output().unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.contains("scanned, not read by OCR (2): scan-a, scan-b"),
        "{status}"
    );
    // With OCR turned off, the scans are left alone and nothing is suggested.
    let off = env
        .cmd(&["update", "--no-ocr"])
        .env("PATH", "")
        .output()
        .unwrap();
    let off = String::from_utf8_lossy(&off.stderr);
    assert!(!off.contains("apt-get"), "{off}");
}
