//! The dashboard's and the widget's files: a strict policy, nothing from the internet, and
//! caching a browser can use (ETag, 304, versioned URLs, gzip).

use crate::app::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_and_widget_are_served_with_a_strict_policy() {
    let app = TestApp::spawn().await;
    let r = app
        .http
        .get(app.url("/dashboard.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(html.contains("js/whatsapp-widget.js"));
    for pattern in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "url(http",
        "@import",
    ] {
        assert!(
            !html.contains(pattern),
            "nothing loads from the internet: {pattern}"
        );
    }
    // The widget's entry and every module it imports from `web/js/widget/` (a module added there
    // but not to `routes/assets.rs` would answer 404 and break the widget).
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/js/widget");
    let mut modules: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".js"))
        .map(|name| format!("/js/widget/{name}"))
        .collect();
    modules.sort();
    assert!(modules.len() > 10, "{modules:?}");
    let mut files = vec![
        ("/js/whatsapp-widget.js".to_owned(), "text/javascript"),
        ("/css/whatsapp-styles.css".to_owned(), "text/css"),
    ];
    files.extend(modules.into_iter().map(|m| (m, "text/javascript")));
    for (path, ct) in files {
        let path = path.as_str();
        let r = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(ct));
        let body = r.text().await.unwrap();
        for sink in [
            ".innerHTML",
            ".outerHTML",
            "insertAdjacentHTML(",
            "document.write(",
        ] {
            assert!(!body.contains(sink), "{path} never writes HTML ({sink})");
        }
        assert!(
            !body.contains("url(http") && !body.contains("@import"),
            "{path} loads nothing remote"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_compressed_revalidated_and_cached_by_version() {
    let app = TestApp::spawn().await;
    let get = |path: &str, headers: &[(&str, &str)]| {
        let mut rb = app.http.get(app.url(path));
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        rb.send()
    };
    let plain = get("/js/whatsapp-widget.js", &[]).await.unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(plain.headers()["cache-control"], "no-cache");
    assert!(plain.headers().get("content-encoding").is_none());
    let etag = plain.headers()["etag"].to_str().unwrap().to_owned();
    let full = plain.bytes().await.unwrap().len();

    let zipped = get("/js/whatsapp-widget.js", &[("accept-encoding", "gzip")])
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let small = zipped.bytes().await.unwrap().len();
    assert!(small * 2 < full, "gzip: {small} of {full} bytes");

    let again = get("/js/whatsapp-widget.js", &[("if-none-match", &etag)])
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "unchanged: revalidated without a body");
    assert!(again.bytes().await.unwrap().is_empty());
    let other = get("/js/whatsapp-widget.js", &[("if-none-match", "\"0000\"")])
        .await
        .unwrap();
    assert_eq!(other.status(), 200, "another version: the file");

    // The dashboard links its files by version; those URLs may be kept for a year.
    let html = get("/dashboard.html", &[])
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let version = etag.trim_matches('"');
    let link = format!("js/whatsapp-widget.js?v={version}");
    assert!(html.contains(&link), "versioned link in {html}");
    let versioned = get(&format!("/{link}"), &[]).await.unwrap();
    assert_eq!(versioned.status(), 200);
    assert_eq!(
        versioned.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let stale = get("/js/whatsapp-widget.js?v=0123456789abcdef", &[])
        .await
        .unwrap();
    assert_eq!(
        stale.headers()["cache-control"],
        "no-cache",
        "a version this build does not have is not cached for long"
    );
}
