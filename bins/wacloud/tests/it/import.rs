//! `POST /contacts/import`: rows created, updated and refused by line; a repeat changes
//! nothing; the file's format errors; admins only.

use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde_json::{json, Value};

use crate::app::TestApp;

async fn import(app: &TestApp, kind: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let r = app
        .http
        .post(app.url("/api/whatsapp/contacts/import"))
        .header(CONTENT_TYPE, kind)
        .body(body)
        .send()
        .await
        .expect("request");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Every contact as `(phone, display_name, tags)`, by phone.
async fn contacts(app: &TestApp) -> Vec<(String, Option<String>, Vec<String>)> {
    let (_, page) = app.get("/api/whatsapp/contacts?limit=200").await;
    let mut all: Vec<_> = page["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .map(|c| {
            let tags = c["tags"].as_array().expect("tags");
            (
                c["phone_number"].as_str().expect("phone").to_owned(),
                c["display_name"].as_str().map(str::to_owned),
                tags.iter()
                    .map(|t| t.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    all.sort();
    all
}

#[tokio::test]
async fn import_creates_updates_refuses_by_line_and_a_repeat_changes_nothing() {
    let app = TestApp::spawn().await;
    // An existing contact: the import renames her and adds to her tags.
    let (s, v) = app
        .put_json(
            "/api/whatsapp/contacts/%2B15550002001",
            &json!({"display_name": "Ana", "tags": ["vip"]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let long = "x".repeat(257);
    let file = format!(
        "\u{feff}Name,PHONE,tags,notes\n\
         Ana Lima,+1 555 000 2001,\"lead; vip\",ignored\n\
         Bo,15550002002,,\n\
         \"Chen, Wei\",+15550002003,a|b,\n\
         ,not-a-number,,\n\
         Bo again,+15550002002,,\n\
         {long},+15550002004,,\n\
         \n\
         Dee,+15550002005,{},\n",
        (0..33)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
            .join(";")
    );
    let (s, report) = import(&app, "text/csv; charset=utf-8", file.clone()).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(
        (
            &report["imported"],
            &report["updated"],
            &report["unchanged"]
        ),
        (&json!(2), &json!(1), &json!(0)),
        "{report}"
    );
    let refused: Vec<(u64, String)> = report["refused"]
        .as_array()
        .expect("refused")
        .iter()
        .map(|r| {
            let reason = r["reason"].as_str().unwrap().to_owned();
            (r["line"].as_u64().unwrap(), reason)
        })
        .collect();
    let lines: Vec<u64> = refused.iter().map(|r| r.0).collect();
    assert_eq!(lines, [5, 6, 7, 9], "{report}");
    assert!(refused[0].1.contains("invalid phone number"), "{refused:?}");
    assert!(
        refused[1].1.contains("same contact as line 3"),
        "{refused:?}"
    );
    assert!(refused[2].1.contains("256"), "{refused:?}");
    assert!(refused[3].1.contains("32 tags"), "{refused:?}");
    let expected = vec![
        (
            "+15550002001".to_owned(),
            Some("Ana Lima".to_owned()),
            vec!["vip".to_owned(), "lead".to_owned()],
        ),
        ("+15550002002".to_owned(), Some("Bo".to_owned()), vec![]),
        (
            "+15550002003".to_owned(),
            Some("Chen, Wei".to_owned()),
            vec!["a".to_owned(), "b".to_owned()],
        ),
    ];
    assert_eq!(contacts(&app).await, expected);

    // The same file again: nothing to do, nothing changed.
    let (s, again) = import(&app, "text/csv", file).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(
        (&again["imported"], &again["updated"], &again["unchanged"]),
        (&json!(0), &json!(0), &json!(3)),
        "{again}"
    );
    assert_eq!(again["refused"].as_array().map(Vec::len), Some(4));
    assert_eq!(contacts(&app).await, expected);

    // A row without a name keeps the contact's name.
    let (s, r) = import(&app, "text/csv", "phone,name\n+15550002002,\n").await;
    assert_eq!((s, &r["unchanged"]), (200, &json!(1)), "{r}");
    assert_eq!(contacts(&app).await, expected);
}

#[tokio::test]
async fn import_refuses_a_file_it_cannot_read_with_a_precise_error() {
    let app = TestApp::spawn().await;
    let cases: [(&str, Vec<u8>, u16, &str); 5] = [
        (
            "text/csv",
            b"name,tags\nAna,x\n".to_vec(),
            400,
            "invalid_csv",
        ),
        (
            "text/csv",
            b"phone,name\n+15550002001,Ana \xff\n".to_vec(),
            400,
            "invalid_csv",
        ),
        ("text/csv", Vec::new(), 400, "invalid_csv"),
        (
            "application/json",
            br#"{"phone":"+15550002001"}"#.to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "text/csv",
            vec![b'1'; (16 << 20) + 1],
            413,
            "payload_too_large",
        ),
    ];
    for (kind, body, status, code) in cases {
        let (s, v) = import(&app, kind, body).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (status, Some(code)),
            "{v}"
        );
    }
    assert!(contacts(&app).await.is_empty(), "nothing imported");
}

#[tokio::test]
async fn import_is_for_admins_only() {
    let app = TestApp::spawn().await;
    let post = |path: &str, body: Value, cookie: Option<&str>| {
        let mut r = app.http.post(app.url(path)).json(&body);
        if let Some(c) = cookie {
            r = r.header(COOKIE, format!("wacloud_session={c}"));
        }
        r.send()
    };
    let login = |email: &'static str, password: &'static str| {
        let r = post(
            "/api/whatsapp/auth/login",
            json!({"email": email, "password": password}),
            None,
        );
        async move {
            let r = r.await.expect("login");
            assert_eq!(r.status().as_u16(), 200);
            let set = r
                .headers()
                .get(SET_COOKIE)
                .expect("cookie")
                .to_str()
                .unwrap();
            set.trim_start_matches("wacloud_session=")
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        }
    };
    let operator = |email, name, role, pw| json!({"email": email, "display_name": name, "role": role, "password": pw});
    let r = post(
        "/api/whatsapp/operators",
        operator("ada@example.com", "Ada", "admin", "correct-orbit-lamp-42"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let admin = login("ada@example.com", "correct-orbit-lamp-42").await;
    let r = post(
        "/api/whatsapp/operators",
        operator("bo@example.com", "Bo", "agent", "velvet-harbor-cactus-9"),
        Some(&admin),
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let agent = login("bo@example.com", "velvet-harbor-cactus-9").await;
    let send = |cookie: String| {
        app.http
            .post(app.url("/api/whatsapp/contacts/import"))
            .header(CONTENT_TYPE, "text/csv")
            .header(COOKIE, format!("wacloud_session={cookie}"))
            .body("phone\n+15550002001\n")
            .send()
    };
    let r = send(agent).await.unwrap();
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (403, Some("admin_only"))
    );
    let r = send(admin).await.unwrap();
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    assert_eq!((status, &v["imported"]), (200, &json!(1)), "{v}");
}
