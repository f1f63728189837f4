//! `POST /send` beyond text and templates: media by link, reactions, locations and interactive
//! messages reach Meta in Meta's shapes, are stored with their kind and a readable summary, keep
//! the customer service window, and content for another kind is a 400 naming its field.

use serde_json::{json, Value};

use crate::app::TestApp;

/// The bodies the sandbox received for `to`, oldest first.
pub(crate) async fn sent_to(app: &TestApp, to: &str) -> Vec<Value> {
    let (_, sent) = app.get("/sandbox/sent").await;
    sent["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"].clone())
        .filter(|b| b["to"] == to)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_reaches_meta_in_its_shape_and_is_stored_with_a_summary() {
    let app = TestApp::spawn().await;
    let (s, v) = app
        .post_json(
            "/sandbox/customers/%2B15550004001/messages",
            &json!({"text": "Can I see it?", "name": "Ana"}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let inbound = app
        .wait_for(10, "the customer's message", || async {
            let m = app.conversation("15550004001").await;
            m.first()
                .and_then(|m| m["message_id"].as_str().map(str::to_owned))
        })
        .await;
    let to = "+15550004001";
    let sends = [
        (
            json!({"type": "image", "media": {"link": "https://example.com/shoe.jpg"}, "caption": "The red one"}),
            "image",
            "[image] The red one",
        ),
        (
            json!({"type": "document", "media": {"link": "https://example.com/q.pdf"}, "caption": "Quote", "filename": "quote.pdf"}),
            "document",
            "[document] Quote",
        ),
        (
            json!({"type": "reaction", "reaction": {"message_id": inbound, "emoji": "👍"}}),
            "reaction",
            "",
        ),
        (
            json!({"location": {"latitude": -23.5505, "longitude": -46.6333, "name": "Shop", "address": "Av. Paulista 1000"}}),
            "location",
            "[location] Shop",
        ),
        (
            json!({"type": "interactive", "interactive": {"body": "Which size?", "footer": "Reply below",
                   "kind": "buttons", "buttons": [{"id": "s", "title": "Small"}, {"id": "m", "title": "Medium"}]}}),
            "interactive",
            "Which size?",
        ),
        (
            json!({"type": "interactive", "interactive": {"body": "Pick a store", "kind": "list", "button": "Stores",
                   "sections": [{"title": "North", "rows": [{"id": "n1", "title": "Centre", "description": "9-18"}]},
                                {"title": "South", "rows": [{"id": "s1", "title": "Harbour"}]}]}}),
            "interactive",
            "Pick a store",
        ),
        (
            json!({"contacts": [{"name": "Ana Lima", "first_name": "Ana", "company": "Shop",
                   "phones": [{"phone": "+55 11 91234-5678", "wa_id": "5511912345678"}],
                   "emails": ["ana@example.com"], "urls": ["https://example.com"]}]}),
            "contacts",
            "[contacts] Ana Lima",
        ),
        (
            json!({"type": "interactive", "interactive": {"body": "Track it", "kind": "cta_url",
                   "display_text": "Open", "url": "https://example.com/t/1"}}),
            "interactive",
            "Track it",
        ),
    ];
    for (extra, kind, summary) in &sends {
        let mut body = extra.clone();
        body["phone_number"] = json!(to);
        let (s, v) = app.send(&body).await;
        assert_eq!(s, 200, "{body}: {v}");
        assert_eq!(v["message"]["message_type"], *kind, "{v}");
        if !summary.is_empty() {
            assert_eq!(v["message"]["message_text"], *summary, "{v}");
        }
        // A media message lists its file as inbound media is listed (here: the link).
        if let Some(link) = body["media"]["link"].as_str() {
            assert_eq!(v["message"]["media"]["link"], link, "{v}");
            assert_eq!(v["message"]["media"]["filename"], body["filename"], "{v}");
        } else {
            assert_eq!(v["message"]["media"], Value::Null, "{v}");
        }
    }
    let bodies = sent_to(&app, "15550004001").await;
    let of = |t: &str| {
        bodies
            .iter()
            .filter(|b| b["type"] == t)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of("image")[0]["image"],
        json!({"link": "https://example.com/shoe.jpg", "caption": "The red one"})
    );
    assert_eq!(
        of("document")[0]["document"],
        json!({"link": "https://example.com/q.pdf", "caption": "Quote", "filename": "quote.pdf"})
    );
    assert_eq!(
        of("reaction")[0]["reaction"],
        json!({"message_id": inbound, "emoji": "👍"})
    );
    assert_eq!(
        of("location")[0]["location"],
        json!({"latitude": -23.5505, "longitude": -46.6333, "name": "Shop", "address": "Av. Paulista 1000"})
    );
    let card = &of("contacts")[0]["contacts"][0];
    assert_eq!(card["name"]["formatted_name"], "Ana Lima", "{card}");
    assert_eq!(card["name"]["first_name"], "Ana", "{card}");
    assert_eq!(
        card["phones"][0],
        json!({"phone": "+55 11 91234-5678", "wa_id": "5511912345678"})
    );
    assert_eq!(card["emails"][0]["email"], "ana@example.com", "{card}");
    assert_eq!(card["urls"][0]["url"], "https://example.com", "{card}");
    assert_eq!(card["org"]["company"], "Shop", "{card}");
    // Our reaction shows on the message it answers, beside the customer's (none here).
    let target = |conv: &[serde_json::Value]| {
        conv.iter()
            .find(|m| m["message_id"] == inbound.as_str())
            .cloned()
            .expect("the customer's message is listed")
    };
    let reacted = target(&app.conversation("15550004001").await);
    assert_eq!(reacted["business_reaction"], "👍", "{reacted}");
    assert_eq!(reacted["reaction"], serde_json::Value::Null, "{reacted}");
    let interactive = of("interactive");
    assert_eq!(interactive.len(), 3);
    assert_eq!(interactive[0]["interactive"]["type"], "button");
    assert_eq!(
        interactive[0]["interactive"]["action"]["buttons"][1],
        json!({"type": "reply", "reply": {"id": "m", "title": "Medium"}})
    );
    assert_eq!(
        interactive[0]["interactive"]["footer"],
        json!({"text": "Reply below"})
    );
    assert_eq!(interactive[1]["interactive"]["type"], "list");
    assert_eq!(interactive[1]["interactive"]["action"]["button"], "Stores");
    assert_eq!(
        interactive[1]["interactive"]["action"]["sections"][0]["rows"][0],
        json!({"id": "n1", "title": "Centre", "description": "9-18"})
    );
    assert_eq!(interactive[2]["interactive"]["type"], "cta_url");
    assert_eq!(
        interactive[2]["interactive"]["action"]["parameters"],
        json!({"display_text": "Open", "url": "https://example.com/t/1"})
    );
    // Removing the reaction is an empty emoji.
    let (s, v) = app
        .send(&json!({"phone_number": to, "reaction": {"message_id": inbound, "emoji": ""}}))
        .await;
    assert_eq!(s, 200, "{v}");
    let bodies = sent_to(&app, "15550004001").await;
    assert_eq!(bodies.last().unwrap()["reaction"]["emoji"], "");
    let unreacted = target(&app.conversation("15550004001").await);
    assert_eq!(
        unreacted["business_reaction"],
        serde_json::Value::Null,
        "{unreacted}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_kinds_keep_the_window_and_refuse_what_is_not_theirs_by_field() {
    let app = TestApp::spawn().await;
    // Nobody wrote: everything but a template waits for the customer.
    let (s, v) = app
        .send(&json!({"phone_number": "+15550004002", "type": "image", "media": {"link": "https://example.com/a.jpg"}}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("window_closed")),
        "{v}"
    );
    let (s, v) = app
        .send(&json!({"phone_number": "+15550004002", "location": {"latitude": 1.0, "longitude": 2.0}}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("window_closed")),
        "{v}"
    );

    let cases = [
        (
            json!({"type": "audio", "media": {"link": "https://example.com/a.ogg"}, "caption": "hi"}),
            "caption",
        ),
        (
            json!({"type": "image", "media": {"link": "https://example.com/a.jpg"}, "filename": "a.jpg"}),
            "filename",
        ),
        (
            json!({"type": "image", "media": {"id": "1", "link": "https://example.com/a.jpg"}}),
            "media",
        ),
        (json!({"type": "image"}), "media"),
        (
            json!({"type": "image", "media": {"link": "http://example.com/a.jpg"}}),
            "media.link",
        ),
        (
            json!({"type": "image", "media": {"link": "https://example.com/a.jpg"}, "message_text": "x"}),
            "message_text",
        ),
        (
            json!({"message_text": "hi", "location": {"latitude": 1.0, "longitude": 2.0}}),
            "message_text",
        ),
        (
            json!({"type": "template", "template": {"name": "hello_world"}, "caption": "x"}),
            "caption",
        ),
        (
            json!({"location": {"latitude": 91.0, "longitude": 2.0}}),
            "location.latitude",
        ),
        (
            json!({"reaction": {"message_id": "wamid.X", "emoji": "nice"}}),
            "reaction.emoji",
        ),
        (json!({"contacts": []}), "contacts"),
        (
            json!({"contacts": [{"name": "A"}, {"name": "B"}, {"name": "C"}, {"name": "D"}, {"name": "E"}, {"name": "F"}]}),
            "contacts",
        ),
        (json!({"contacts": [{"name": " "}]}), "contacts.name"),
        (
            json!({"contacts": [{"name": "A", "emails": ["not-an-address"]}]}),
            "contacts.emails",
        ),
        (
            json!({"contacts": [{"name": "A", "phones": [{"phone": "1", "wa_id": "+1 555"}]}]}),
            "contacts.phones.wa_id",
        ),
        (
            json!({"contacts": [{"name": "A", "urls": ["javascript:alert(1)"]}]}),
            "contacts.urls",
        ),
        (
            json!({"interactive": {"body": "b", "kind": "buttons", "buttons": [
            {"id": "1", "title": "a"}, {"id": "2", "title": "b"}, {"id": "3", "title": "c"}, {"id": "4", "title": "d"}]}}),
            "interactive.buttons",
        ),
        (
            json!({"interactive": {"body": "b", "kind": "cta_url", "display_text": "Go", "url": "javascript:alert(1)"}}),
            "interactive.url",
        ),
    ];
    for (extra, field) in cases {
        let mut body = extra.clone();
        body["phone_number"] = json!("+15550004002");
        body["allow_outside_window"] = json!(true);
        let (s, v) = app.send(&body).await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (400, Some(field)),
            "{body}: {v}"
        );
    }
    // A misspelt field of an interactive message is refused, not ignored.
    let (s, v) = app
        .send(
            &json!({"phone_number": "+15550004002", "allow_outside_window": true,
                      "interactive": {"body": "b", "kind": "cta_url", "display_text": "Go",
                                      "url": "https://example.com", "colour": "red"}}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("invalid_json")),
        "{v}"
    );
    let (s, v) = app
        .send_bulk(&json!({"recipients": ["+15550004002"], "type": "reaction",
                           "reaction": {"message_id": "wamid.X", "emoji": "👍"}}))
        .await;
    assert_eq!(s, 400, "bulk takes text and templates: {v}");
    assert!(
        sent_to(&app, "15550004002").await.is_empty(),
        "nothing reached Meta"
    );
}
