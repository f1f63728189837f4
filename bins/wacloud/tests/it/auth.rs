//! Operators, sessions, roles and the audit trail (issue 19): the rules as a browser or a
//! program meets them over HTTP. Every test makes its first admin the way an installation
//! does without the CLI: on a server with neither operators nor an API key, the open API
//! takes `POST /operators`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::Method;
use serde_json::{json, Value};

use crate::app::TestApp;

pub(crate) const ADMIN: &str = "ada@example.com";
pub(crate) const ADMIN_PW: &str = "correct-orbit-lamp-42";
pub(crate) const AGENT: &str = "bo@example.com";
pub(crate) const AGENT_PW: &str = "velvet-harbor-cactus-9";

/// One request with an optional session cookie: status, JSON answer, and the session cookie
/// the answer set (`Set-Cookie: wacloud_session=…`), whole.
pub(crate) async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    body: Option<Value>,
) -> (u16, Value, Option<String>) {
    let mut r = app.http.request(method, app.url(path));
    if let Some(c) = cookie {
        r = r.header(COOKIE, format!("wacloud_session={c}"));
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.expect("request");
    let status = resp.status().as_u16();
    let set = resp
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("wacloud_session="))
        .map(str::to_owned);
    (status, resp.json().await.unwrap_or(Value::Null), set)
}

/// The cookie's value in a `Set-Cookie` header.
fn value_of(set_cookie: &str) -> String {
    set_cookie
        .trim_start_matches("wacloud_session=")
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Logs in; the session cookie's value on success.
pub(crate) async fn login(
    app: &TestApp,
    email: &str,
    password: &str,
) -> (u16, Value, Option<String>) {
    let (s, v, set) = call(
        app,
        Method::POST,
        "/api/whatsapp/auth/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await;
    (s, v, set.map(|c| value_of(&c)).filter(|c| !c.is_empty()))
}

/// Adds an operator (as `cookie`'s operator, or through the open API when `None`); its id.
pub(crate) async fn add(
    app: &TestApp,
    cookie: Option<&str>,
    email: &str,
    name: &str,
    role: &str,
    pw: &str,
) -> String {
    let (s, v, _) = call(
        app,
        Method::POST,
        "/api/whatsapp/operators",
        cookie,
        Some(json!({"email": email, "display_name": name, "role": role, "password": pw})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().expect("id").to_owned()
}

/// A server with an admin (Ada) and an agent (Bo): their cookies and the agent's id.
pub(crate) async fn team(app: &TestApp) -> (String, String, String) {
    add(app, None, ADMIN, "Ada", "admin", ADMIN_PW).await;
    let (s, v, admin) = login(app, ADMIN, ADMIN_PW).await;
    assert_eq!(s, 200, "{v}");
    let admin = admin.expect("a session cookie");
    let agent_id = add(app, Some(&admin), AGENT, "Bo", "agent", AGENT_PW).await;
    let (s, _, agent) = login(app, AGENT, AGENT_PW).await;
    assert_eq!(s, 200);
    (admin, agent.expect("cookie"), agent_id)
}

#[tokio::test]
async fn auth_login_sets_a_strict_http_only_cookie_new_on_every_login() {
    let app = TestApp::spawn().await;
    add(&app, None, ADMIN, "Ada", "admin", ADMIN_PW).await;
    // Now that an operator exists, the API wants a login, with a code the widget knows.
    let (s, v, _) = call(&app, Method::GET, "/api/whatsapp/contacts", None, None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("login_required"))
    );
    // The address is taken in any case.
    let (s, v, set) = call(
        &app,
        Method::POST,
        "/api/whatsapp/auth/login",
        None,
        Some(json!({"email": "ADA@Example.com", "password": ADMIN_PW})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["operator"]["display_name"], "Ada");
    assert_eq!(v["operator"]["role"], "admin");
    assert!(v["operator"].get("password_hash").is_none());
    let set = set.expect("Set-Cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attr), "{set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP on loopback: {set}");
    let first = value_of(&set);
    let (s, me, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/auth/me",
        Some(&first),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(me["operator"]["email"], ADMIN);
    assert_eq!(me["login_required"], true);
    // A second login from the same browser gets a new id, and the old one ends.
    let resp = app
        .http
        .post(app.url("/api/whatsapp/auth/login"))
        .header(COOKIE, format!("wacloud_session={first}"))
        .json(&json!({"email": ADMIN, "password": ADMIN_PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let second = resp
        .headers()
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(value_of)
        .unwrap();
    assert_ne!(first, second);
    let (s, _, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/contacts",
        Some(&first),
        None,
    )
    .await;
    assert_eq!(s, 401, "the replaced session is over");
    let (s, _, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/contacts",
        Some(&second),
        None,
    )
    .await;
    assert_eq!(s, 200);
    // Behind a TLS proxy the cookie is Secure.
    let tls = TestApp::builder()
        .with(|s| s.auth.behind_tls = true)
        .spawn()
        .await;
    add(&tls, None, ADMIN, "Ada", "admin", ADMIN_PW).await;
    let (_, _, set) = call(
        &tls,
        Method::POST,
        "/api/whatsapp/auth/login",
        None,
        Some(json!({"email": ADMIN, "password": ADMIN_PW})),
    )
    .await;
    assert!(set.unwrap().contains("Secure"));
}

#[tokio::test]
async fn auth_agents_answer_conversations_and_get_403_on_admin_endpoints() {
    let app = TestApp::spawn().await;
    let (admin, agent, _) = team(&app).await;
    let admin_only: [(Method, &str, Option<Value>); 8] = [
        (Method::GET, "/api/whatsapp/operators", None),
        // Reports compare operators' figures.
        (Method::GET, "/api/whatsapp/reports/response-times", None),
        (Method::GET, "/api/whatsapp/export/messages", None),
        (
            Method::POST,
            "/api/whatsapp/operators",
            Some(
                json!({"email": "x@example.com", "display_name": "X", "role": "admin", "password": "long-enough-password-1"}),
            ),
        ),
        (Method::GET, "/api/whatsapp/audit", None),
        (
            Method::POST,
            "/api/whatsapp/send-bulk",
            Some(json!({"recipients": ["+15550001111"], "message_text": "hi"})),
        ),
        (
            Method::POST,
            "/sandbox/customers/%2B15550001111/messages",
            Some(json!({"text": "hi"})),
        ),
        (Method::GET, "/metrics", None),
    ];
    for (m, path, body) in admin_only {
        let (s, v, _) = call(&app, m.clone(), path, Some(&agent), body).await;
        assert_eq!(s, 403, "{m} {path}: {v}");
        assert_eq!(v["error"]["code"], "admin_only", "{m} {path}");
    }
    // What an agent does: read, answer, mark read.
    for path in [
        "/api/whatsapp/contacts",
        "/api/whatsapp/messages",
        "/api/whatsapp/stats",
        "/api/whatsapp/templates",
    ] {
        let (s, v, _) = call(&app, Method::GET, path, Some(&agent), None).await;
        assert_eq!(s, 200, "{path}: {v}");
    }
    let (s, sent, _) = call(
        &app,
        Method::POST,
        "/api/whatsapp/send",
        Some(&agent),
        Some(json!({"phone_number": "+15550001111", "message_text": "Hello from Bo", "allow_outside_window": true})),
    )
    .await;
    assert_eq!(s, 200, "{sent}");
    let (s, _, _) = call(
        &app,
        Method::POST,
        "/api/whatsapp/contacts/%2B15550001111/read",
        Some(&agent),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (s, _, _) = call(
        &app,
        Method::PUT,
        "/api/whatsapp/contacts/%2B15550001111",
        Some(&agent),
        Some(json!({"display_name": "Dana"})),
    )
    .await;
    assert_eq!(s, 200);
    // Who read and who renamed the contact is in the audit trail; the send is on the message.
    let (_, page, _) = call(&app, Method::GET, "/api/whatsapp/audit", Some(&admin), None).await;
    let requests: Vec<(&str, &str)> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "request")
        .map(|e| {
            (
                e["target"].as_str().unwrap(),
                e["actor_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        requests,
        [
            ("PUT /api/whatsapp/contacts/%2B15550001111", "Bo"),
            ("POST /api/whatsapp/contacts/%2B15550001111/read", "Bo"),
        ]
    );
    // The message records who sent it, and the history shows it.
    let (_, history, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/messages?phone=%2B15550001111",
        Some(&admin),
        None,
    )
    .await;
    let m = &history["messages"][0];
    assert_eq!(m["message_text"], "Hello from Bo");
    assert_eq!(m["actor_name"], "Bo");
    assert!(m["actor"].as_str().unwrap().starts_with("operator:"), "{m}");
    // The admin may do what the agent may not.
    let (s, _, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/operators",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn auth_a_disabled_operators_sessions_stop_at_once() {
    let app = TestApp::spawn().await;
    let (admin, agent, agent_id) = team(&app).await;
    let (s, _, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/contacts",
        Some(&agent),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (s, v, _) = call(
        &app,
        Method::PATCH,
        &format!("/api/whatsapp/operators/{agent_id}"),
        Some(&admin),
        Some(json!({"is_active": false})),
    )
    .await;
    assert_eq!((s, &v["is_active"]), (200, &json!(false)), "{v}");
    let (s, v, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/contacts",
        Some(&agent),
        None,
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("login_required"))
    );
    // And it cannot log in again: the same answer as a wrong password.
    let (s, v, _) = login(&app, AGENT, AGENT_PW).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("invalid_credentials"))
    );
    // The last active admin cannot be disabled or demoted.
    let (_, me, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/auth/me",
        Some(&admin),
        None,
    )
    .await;
    let admin_id = me["operator"]["id"].as_str().unwrap().to_owned();
    let (s, v, _) = call(
        &app,
        Method::PATCH,
        &format!("/api/whatsapp/operators/{admin_id}"),
        Some(&admin),
        Some(json!({"role": "agent"})),
    )
    .await;
    assert_eq!((s, v["error"]["code"].as_str()), (409, Some("last_admin")));
}

#[tokio::test]
async fn auth_a_cookie_hashed_under_another_servers_secret_is_refused() {
    let app = TestApp::builder()
        .with(|s| s.auth.session_secret = "first-server-secret".into())
        .spawn()
        .await;
    add(&app, None, ADMIN, "Ada", "admin", ADMIN_PW).await;
    let (_, _, cookie) = login(&app, ADMIN, ADMIN_PW).await;
    let cookie = cookie.unwrap();
    // The same database behind a server with another secret: the stored session is there, but
    // the cookie does not hash to it.
    let db = app.stop().await;
    let other = TestApp::builder()
        .with(|s| s.auth.session_secret = "second-server-secret".into())
        .on(db)
        .spawn()
        .await;
    let (s, v, _) = call(
        &other,
        Method::GET,
        "/api/whatsapp/contacts",
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("login_required"))
    );
    // Under the first secret again, the same cookie is taken: only the secret differed.
    let db = other.stop().await;
    let again = TestApp::builder()
        .with(|s| s.auth.session_secret = "first-server-secret".into())
        .on(db)
        .spawn()
        .await;
    let (s, _, _) = call(
        &again,
        Method::GET,
        "/api/whatsapp/contacts",
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(s, 200);
}

/// A client that connects from `ip` (another loopback address), for the per-address limit.
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(ip))
        .build()
        .expect("client")
}

async fn attempt(
    client: &reqwest::Client,
    app: &TestApp,
    email: &str,
    pw: &str,
) -> (u16, Value, Option<String>, Duration) {
    let t = Instant::now();
    let r = client
        .post(app.url("/api/whatsapp/auth/login"))
        .json(&json!({"email": email, "password": pw}))
        .send()
        .await
        .expect("login");
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let v = r.json().await.unwrap_or(Value::Null);
    (status, v, retry, t.elapsed())
}

#[tokio::test]
async fn auth_ten_wrong_passwords_lock_and_an_unknown_address_gets_the_same_answers() {
    let app = TestApp::spawn().await;
    add(&app, None, ADMIN, "Ada", "admin", ADMIN_PW).await;
    let mut runs = Vec::new();
    for (ip, email) in [
        ([127, 0, 0, 2], ADMIN),
        ([127, 0, 0, 3], "nobody@example.com"),
    ] {
        let client = client_from(ip);
        let mut answers = Vec::new();
        let mut took = Vec::new();
        for _ in 0..10 {
            let (s, v, retry, t) = attempt(&client, &app, email, "wrong-password-123").await;
            answers.push((s, v, retry));
            took.push(t);
        }
        // Locked now, even with the right password.
        let (s, v, retry, _) = attempt(&client, &app, email, ADMIN_PW).await;
        answers.push((s, v, retry));
        runs.push((answers, took));
    }
    let (known, unknown) = (&runs[0], &runs[1]);
    for (a, b) in known.0.iter().zip(&unknown.0) {
        assert_eq!(a, b, "an existing and an unknown address answer alike");
    }
    assert!(known.0[..10]
        .iter()
        .all(|(s, v, _)| *s == 401 && v["error"]["code"] == "invalid_credentials"));
    let (s, v, retry) = &known.0[10];
    assert_eq!(
        (*s, v["error"]["code"].as_str()),
        (429, Some("login_locked")),
        "{v}"
    );
    let secs: u64 = retry.as_deref().expect("Retry-After").parse().unwrap();
    assert!((800..=900).contains(&secs), "{secs}");
    // An unknown address is checked against a dummy hash: not answered much faster.
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (k, u) = (median(known.1.clone()), median(unknown.1.clone()));
    assert!(u * 3 > k, "unknown {u:?} vs known {k:?}");
    // Another address still logs in to another account; the lock is per e-mail address.
    let (s, _, _) = login(&app, "ADA@example.com", ADMIN_PW).await;
    assert_eq!(s, 429, "the lock holds for the address in any case");
    // One client address gets 20 attempts a minute, whatever the e-mail addresses.
    let client = client_from([127, 0, 0, 4]);
    let mut limited = None;
    for i in 0..25 {
        let (s, v, retry, _) = attempt(
            &client,
            &app,
            &format!("p{i}@example.com"),
            "wrong-password-123",
        )
        .await;
        if s == 429 {
            limited = Some((i, v, retry));
            break;
        }
    }
    let (i, v, retry) = limited.expect("the address is throttled");
    assert_eq!(i, 20);
    assert_eq!(v["error"]["code"], "too_many_login_attempts");
    assert!(retry.is_some());
}

#[tokio::test]
async fn auth_sessions_end_when_idle_and_at_the_absolute_limit() {
    let app = TestApp::builder()
        .with(|s| {
            s.auth.session_idle = Duration::from_millis(1000);
            s.auth.session_max = Duration::from_millis(2500);
        })
        .spawn()
        .await;
    add(&app, None, ADMIN, "Ada", "admin", ADMIN_PW).await;
    // Idle: unused for longer than a second.
    let (_, _, c) = login(&app, ADMIN, ADMIN_PW).await;
    let c = c.unwrap();
    let (s, _, _) = call(&app, Method::GET, "/api/whatsapp/auth/me", Some(&c), None).await;
    assert_eq!(s, 200);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let (s, v, set) = call(&app, Method::GET, "/api/whatsapp/auth/me", Some(&c), None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("login_required"))
    );
    assert!(
        set.is_some_and(|c| c.contains("Max-Age=0")),
        "the stale cookie is removed"
    );
    // Absolute: used every 300 ms, it still ends 2.5 s after login.
    let (_, _, c) = login(&app, ADMIN, ADMIN_PW).await;
    let c = c.unwrap();
    let start = Instant::now();
    let mut ended = None;
    while start.elapsed() < Duration::from_secs(5) {
        let (s, _, _) = call(&app, Method::GET, "/api/whatsapp/auth/me", Some(&c), None).await;
        if s == 401 {
            ended = Some(start.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let ended = ended.expect("the session ended");
    assert!(ended >= Duration::from_millis(2200), "{ended:?}");
}

#[tokio::test]
async fn auth_logout_ends_this_session_and_logout_all_the_others() {
    let app = TestApp::spawn().await;
    add(&app, None, ADMIN, "Ada", "admin", ADMIN_PW).await;
    let mut cookies = Vec::new();
    for _ in 0..3 {
        cookies.push(login(&app, ADMIN, ADMIN_PW).await.2.unwrap());
    }
    let (s, _, set) = call(
        &app,
        Method::POST,
        "/api/whatsapp/auth/logout",
        Some(&cookies[0]),
        None,
    )
    .await;
    assert_eq!(s, 204);
    assert!(set.unwrap().contains("Max-Age=0"));
    let me = |c: String| {
        let app = &app;
        async move {
            call(app, Method::GET, "/api/whatsapp/auth/me", Some(&c), None)
                .await
                .0
        }
    };
    assert_eq!(me(cookies[0].clone()).await, 401);
    assert_eq!(me(cookies[1].clone()).await, 200);
    let (s, v, _) = call(
        &app,
        Method::POST,
        "/api/whatsapp/auth/logout-all",
        Some(&cookies[1]),
        None,
    )
    .await;
    assert_eq!((s, &v["ended"]), (200, &json!(2)), "{v}");
    assert_eq!(me(cookies[1].clone()).await, 401);
    assert_eq!(
        me(cookies[2].clone()).await,
        401,
        "the other browser is logged out too"
    );
}

#[tokio::test]
async fn auth_the_api_key_keeps_working_beside_operators() {
    let app = TestApp::builder()
        .with(|s| s.http.api_key = Some("k-789".into()))
        .spawn()
        .await;
    // With a key and no operator: as before, the key is needed.
    let (s, v, _) = call(&app, Method::GET, "/api/whatsapp/contacts", None, None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let keyed = |m: Method, p: &str| {
        app.http
            .request(m, app.url(p))
            .header("authorization", "Bearer k-789")
    };
    let r = keyed(Method::POST, "/api/whatsapp/operators")
        .json(
            &json!({"email": ADMIN, "display_name": "Ada", "role": "admin", "password": ADMIN_PW}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        201,
        "a program with the key adds the first admin"
    );
    let r = keyed(Method::GET, "/api/whatsapp/contacts")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me: Value = keyed(Method::GET, "/api/whatsapp/auth/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["actor"], "api_key");
    let (s, v, _) = call(&app, Method::GET, "/api/whatsapp/contacts", None, None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("login_required"))
    );
    let (_, _, c) = login(&app, ADMIN, ADMIN_PW).await;
    let (s, _, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/contacts",
        c.as_deref(),
        None,
    )
    .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn auth_without_operators_or_key_the_api_is_open_as_before() {
    let app = TestApp::spawn().await;
    let (s, v, _) = call(&app, Method::GET, "/api/whatsapp/auth/me", None, None).await;
    assert_eq!(s, 200);
    assert_eq!(
        v,
        json!({"actor": "local", "operator": null, "login_required": false})
    );
    let (s, _, _) = call(&app, Method::GET, "/api/whatsapp/contacts", None, None).await;
    assert_eq!(s, 200);
    // A made-up cookie changes nothing there.
    let (s, _, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/contacts",
        Some("forged"),
        None,
    )
    .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn auth_password_rules_each_have_their_own_error() {
    let app = TestApp::spawn().await;
    let cases = [
        ("short-pw", "password_too_short"),
        ("Password1234", "password_too_common"),
        ("qwerty123456", "password_too_common"),
        ("carol.lee@example.com", "password_same_as_email"),
    ];
    for (pw, code) in cases {
        let (s, v, _) = call(
            &app,
            Method::POST,
            "/api/whatsapp/operators",
            None,
            Some(json!({"email": "carol.lee@example.com", "display_name": "Carol", "role": "agent", "password": pw})),
        )
        .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (400, Some(code)),
            "{pw}: {v}"
        );
        assert_eq!(v["error"]["field"], "password");
    }
    add(
        &app,
        None,
        "carol.lee@example.com",
        "Carol",
        "admin",
        ADMIN_PW,
    )
    .await;
    let (_, _, c) = login(&app, "carol.lee@example.com", ADMIN_PW).await;
    let (s, v, _) = call(
        &app,
        Method::POST,
        "/api/whatsapp/operators",
        c.as_deref(),
        Some(json!({"email": "Carol.Lee@EXAMPLE.com", "display_name": "Carol 2", "role": "agent", "password": AGENT_PW})),
    )
    .await;
    assert_eq!((s, v["error"]["code"].as_str()), (409, Some("email_taken")));
}

#[tokio::test]
async fn auth_the_audit_trail_records_logins_and_admin_actions_newest_first() {
    let app = TestApp::spawn().await;
    let (admin, _agent, agent_id) = team(&app).await;
    let r = app
        .http
        .post(app.url("/api/whatsapp/auth/login"))
        .header("user-agent", "audit-test/1")
        .json(&json!({"email": AGENT, "password": "not-the-password-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (s, _, _) = call(
        &app,
        Method::POST,
        &format!("/api/whatsapp/operators/{agent_id}/password"),
        Some(&admin),
        Some(json!({"password": "a-brand-new-secret-77"})),
    )
    .await;
    assert_eq!(s, 204);
    let (s, _, _) = login(&app, AGENT, "a-brand-new-secret-77").await;
    assert_eq!(s, 200, "the new password works");
    let (s, page, _) = call(&app, Method::GET, "/api/whatsapp/audit", Some(&admin), None).await;
    assert_eq!(s, 200);
    let actions: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "login",
            "password_reset",
            "login_failed",
            "login",
            "operator_created",
            "login",
            "operator_created"
        ]
    );
    let failed = &page["entries"][2];
    assert_eq!(failed["target"], AGENT);
    assert_eq!(failed["actor"], "anonymous");
    assert_eq!(failed["user_agent"], "audit-test/1");
    assert_eq!(failed["address"], "127.0.0.1");
    assert_eq!(page["entries"][1]["actor_name"], "Ada");
    // Paged: one at a time, following `next_before`.
    let (_, first, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/audit?limit=1",
        Some(&admin),
        None,
    )
    .await;
    let next = first["next_before"].as_str().unwrap();
    let (_, second, _) = call(
        &app,
        Method::GET,
        &format!("/api/whatsapp/audit?limit=1&before={next}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(second["entries"][0]["action"], "password_reset");
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn auth_no_password_cookie_or_hash_reaches_the_log() {
    let logs = Captured::default();
    let writer = logs.clone();
    // cargo-nextest runs each test in a process of its own: this subscriber sees only this test.
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .try_init();
    let app = TestApp::spawn().await;
    add(&app, None, ADMIN, "Ada", "admin", ADMIN_PW).await;
    let (_, _, cookie) = login(&app, ADMIN, ADMIN_PW).await;
    let cookie = cookie.unwrap();
    let (s, _, _) = login(&app, ADMIN, "wrong-horse-battery-8").await;
    assert_eq!(s, 401);
    let (_, page, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/audit",
        Some(&cookie),
        None,
    )
    .await;
    let (_, ops, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/operators",
        Some(&cookie),
        None,
    )
    .await;
    call(
        &app,
        Method::POST,
        "/api/whatsapp/auth/logout",
        Some(&cookie),
        None,
    )
    .await;
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(!text.is_empty(), "the server logged something");
    for secret in [
        ADMIN_PW,
        "wrong-horse-battery-8",
        cookie.as_str(),
        "$argon2",
    ] {
        assert!(!text.contains(secret), "the log holds {secret}");
        assert!(
            !page.to_string().contains(secret),
            "the audit trail holds {secret}"
        );
        assert!(
            !ops.to_string().contains(secret),
            "the operators' list holds {secret}"
        );
    }
}

/// `wacloud operators …` on the database at `url`, with `stdin` as its standard input.
fn cli(url: &str, args: &[&str], stdin: &str) -> (bool, String, String) {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_wacloud"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .arg("operators")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wacloud operators");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn auth_the_cli_adds_the_first_admin_disables_and_resets_passwords() {
    let app = TestApp::spawn().await;
    let url = app.database_url.clone();
    let run = move |args: Vec<&'static str>, stdin: &'static str| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || cli(&url, &args, stdin))
    };
    // A password the rules refuse is refused by name, and nothing is added.
    // (The log, errors included, goes to standard output.)
    let (ok, out, _) = run(vec!["add", "--email", ADMIN, "--name", "Ada"], "short\n")
        .await
        .unwrap();
    assert!(!ok && out.contains("password_too_short"), "{out}");
    let (ok, out, err) = run(
        vec!["add", "--email", ADMIN, "--name", "Ada"],
        "correct-orbit-lamp-42\n",
    )
    .await
    .unwrap();
    assert!(ok, "{err}");
    assert!(out.contains("added admin ada@example.com"), "{out}");
    assert!(!out.contains(ADMIN_PW) && !err.contains(ADMIN_PW));
    // The running server requires a login from now on.
    let (s, _, _) = call(&app, Method::GET, "/api/whatsapp/contacts", None, None).await;
    assert_eq!(s, 401);
    let (s, _, c) = login(&app, ADMIN, ADMIN_PW).await;
    assert_eq!(s, 200);
    let (ok, out, _) = run(vec!["list"], "").await.unwrap();
    assert!(
        ok && out.contains("ada@example.com\tadmin\tactive\tAda"),
        "{out}"
    );
    let (ok, _, err) = run(vec!["reset-password", ADMIN], "a-brand-new-secret-77\n")
        .await
        .unwrap();
    assert!(ok, "{err}");
    let (s, _, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/contacts",
        c.as_deref(),
        None,
    )
    .await;
    assert_eq!(s, 401, "a reset ends the sessions");
    let (s, _, c) = login(&app, ADMIN, "a-brand-new-secret-77").await;
    assert_eq!(s, 200);
    let (ok, _, err) = run(vec!["disable", "ADA@example.com"], "").await.unwrap();
    assert!(ok, "{err}");
    let (s, _, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/contacts",
        c.as_deref(),
        None,
    )
    .await;
    assert_eq!(s, 401);
    let (ok, out, _) = run(vec!["list"], "").await.unwrap();
    assert!(out.contains("disabled") && ok);
}

#[tokio::test]
async fn auth_maintenance_removes_ended_sessions_and_old_failed_logins() {
    let app = TestApp::spawn().await;
    add(&app, None, ADMIN, "Ada", "admin", ADMIN_PW).await;
    let (_, _, c) = login(&app, ADMIN, ADMIN_PW).await;
    let (s, _, _) = login(&app, "nobody@example.com", "wrong-password-123").await;
    assert_eq!(s, 401);
    let now = chrono::Utc::now();
    let long_ago = now - chrono::Duration::days(30);
    // Nothing has ended yet: nothing goes.
    let n = wacloud_core::ports::write(&app.store, move |r| {
        r.purge_auth(long_ago, long_ago, long_ago)
    })
    .await
    .unwrap();
    assert_eq!(n, 0);
    let later = now + chrono::Duration::seconds(5);
    let n = wacloud_core::ports::write(&app.store, move |r| r.purge_auth(later, long_ago, later))
        .await
        .unwrap();
    assert_eq!(n, 2, "the session (idle) and the failed login");
    let (s, _, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/auth/me",
        c.as_deref(),
        None,
    )
    .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn auth_a_cookie_does_not_let_another_site_write() {
    let app = TestApp::spawn().await;
    let (_, agent, _) = team(&app).await;
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let r = app
            .http
            .post(app.url("/api/whatsapp/send"))
            .header(COOKIE, format!("wacloud_session={agent}"))
            .header(name, value)
            .json(&json!({"phone_number": "+15550001111", "message_text": "hi", "allow_outside_window": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{name}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "cross_site_request");
    }
    // Nor log someone in from another site.
    let r = app
        .http
        .post(app.url("/api/whatsapp/auth/login"))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"email": ADMIN, "password": ADMIN_PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, history, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/messages",
        Some(&agent),
        None,
    )
    .await;
    assert_eq!(history["messages"], json!([]), "nothing was sent");
}

/// The messages to `phone`, as the admin reads them, once `n` are there.
async fn messages_to(app: &TestApp, cookie: &str, phone: &str, n: usize) -> Vec<Value> {
    let path = format!("/api/whatsapp/messages?phone={}", phone.replace('+', "%2B"));
    app.wait_for(20, "the queued messages", || {
        let path = path.clone();
        async move {
            let (_, v, _) = call(app, Method::GET, &path, Some(cookie), None).await;
            let list = v["messages"].as_array().cloned().unwrap_or_default();
            (list.len() >= n && list.iter().all(|m| m["status"] != "pending")).then_some(list)
        }
    })
    .await
}

#[tokio::test]
async fn auth_bulk_and_scheduled_messages_carry_who_queued_them() {
    let app = TestApp::spawn().await;
    let (admin, agent, _) = team(&app).await;
    let (s, v, _) = call(
        &app,
        Method::POST,
        "/api/whatsapp/send-bulk",
        Some(&admin),
        Some(json!({"recipients": ["+15550002222"], "message_text": "news", "allow_outside_window": true})),
    )
    .await;
    assert_eq!(s, 202, "{v}");
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let (s, v, _) = call(
        &app,
        Method::POST,
        "/api/whatsapp/send",
        Some(&agent),
        Some(json!({"phone_number": "+15550003333", "message_text": "later", "allow_outside_window": true, "scheduled_at": at})),
    )
    .await;
    assert_eq!(s, 202, "{v}");
    let bulk = messages_to(&app, &admin, "+15550002222", 1).await;
    assert_eq!(bulk[0]["actor_name"], "Ada", "{}", bulk[0]);
    let later = messages_to(&app, &admin, "+15550003333", 1).await;
    assert_eq!(later[0]["actor_name"], "Bo", "{}", later[0]);
    assert!(later[0]["actor"].as_str().unwrap().starts_with("operator:"));
    // The bulk send is in the audit trail as the admin's.
    let (_, page, _) = call(&app, Method::GET, "/api/whatsapp/audit", Some(&admin), None).await;
    let bulk_entry = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "admin_request")
        .expect("the bulk send is audited");
    assert_eq!(bulk_entry["target"], "POST /api/whatsapp/send-bulk");
    assert_eq!(bulk_entry["actor_name"], "Ada");
}

#[tokio::test]
async fn auth_an_event_stream_ends_with_its_operators_session() {
    use futures::StreamExt as _;
    let app = TestApp::spawn().await;
    let (admin, agent, agent_id) = team(&app).await;
    let resp = app
        .http
        .get(app.url("/api/whatsapp/events"))
        .header(COOKIE, format!("wacloud_session={agent}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut body = resp.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: ready"));
    // Past the stream's check interval, the agent is disabled and something changes.
    tokio::time::sleep(Duration::from_millis(5200)).await;
    let (s, _, _) = call(
        &app,
        Method::PATCH,
        &format!("/api/whatsapp/operators/{agent_id}"),
        Some(&admin),
        Some(json!({"is_active": false})),
    )
    .await;
    assert_eq!(s, 200);
    call(
        &app,
        Method::POST,
        "/api/whatsapp/send",
        Some(&admin),
        Some(json!({"phone_number": "+15550004444", "message_text": "hi", "allow_outside_window": true})),
    )
    .await;
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(chunk) = body.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream ended");
}

#[tokio::test]
async fn auth_with_operators_a_server_beyond_loopback_is_no_longer_open() {
    let app = TestApp::builder()
        .with(|s| s.http.bind = "0.0.0.0:0".to_owned())
        .spawn()
        .await;
    let codes = |h: &Value| -> Vec<String> {
        h["alerts"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (_, h, _) = call(&app, Method::GET, "/api/whatsapp/health", None, None).await;
    assert!(codes(&h).contains(&"api_open".to_owned()), "{h}");
    add(&app, None, ADMIN, "Ada", "admin", ADMIN_PW).await;
    // Without a session: the bare answer a load balancer gets.
    let (s, h, _) = call(&app, Method::GET, "/api/whatsapp/health", None, None).await;
    assert_eq!((s, h), (200, json!({"status": "ok"})));
    let (_, _, c) = login(&app, ADMIN, ADMIN_PW).await;
    let (_, h, _) = call(
        &app,
        Method::GET,
        "/api/whatsapp/health",
        c.as_deref(),
        None,
    )
    .await;
    assert!(h["mode"].is_string(), "details for an operator: {h}");
    assert!(!codes(&h).contains(&"api_open".to_owned()), "{h}");
}
