//! Every error example in the fixtures parses into ApiError, and the classifier covers
//! the codes of issue 3.

use crate::common;

use serde_json::Value;
use wacloud_graph::{classify, ApiError, ErrorClass};

#[test]
fn every_error_example_parses() {
    let Some(files) = common::all_json_files() else {
        return;
    };
    let mut count = 0;
    for p in files {
        let bytes = std::fs::read(&p).unwrap();
        let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        if !v.get("error").is_some_and(Value::is_object) {
            continue;
        }
        let e = ApiError::from_body(400, &bytes)
            .unwrap_or_else(|| panic!("{} did not parse as a Graph error", p.display()));
        assert_eq!(Some(e.code), v["error"]["code"].as_i64(), "{}", p.display());
        assert!(!e.message.is_empty(), "{}", p.display());
        if let Some(d) = v["error"]["error_data"]["details"].as_str() {
            assert_eq!(e.details.as_deref(), Some(d), "{}", p.display());
        }
        count += 1;
    }
    println!("parsed {count} Graph error examples");
    assert!(
        count >= 300,
        "expected the openapi error examples, found {count}"
    );
}

#[test]
fn pywa_inner_error_objects_parse() {
    for f in [
        "pywa/errors/expired_access_token_190_463.json",
        "pywa/errors/media_upload_error_131053.json",
        "pywa/errors/re_engagement_message_131047.json",
    ] {
        let Some(v) = common::fixture_json(f) else {
            return;
        };
        let e = ApiError::from_error_object(0, &v).unwrap();
        assert_ne!(e.code, 0, "{f}");
        assert!(!e.message.is_empty());
    }
    let v = common::fixture_json("pywa/errors/expired_access_token_190_463.json").unwrap();
    let e = ApiError::from_error_object(401, &v).unwrap();
    assert_eq!(e.class(), ErrorClass::Authentication);
    assert_eq!(e.fbtrace_id.as_deref(), Some("ACEyrTehk6IAd0lm05Ixogh"));
}

#[test]
fn classifier_covers_issue_codes() {
    use ErrorClass::*;
    let table: &[(i64, ErrorClass)] = &[
        (0, Authentication),
        (4, RateLimited),
        (10, Permission),
        (100, InvalidRequest),
        (190, Authentication),
        (368, Permission),
        (80007, RateLimited),
        (130429, RateLimited),
        (130472, Undeliverable),
        (131000, Transient),
        (131005, Permission),
        (131008, InvalidRequest),
        (131009, InvalidRequest),
        (131016, Transient),
        (131021, Undeliverable),
        (131026, Undeliverable),
        (131030, Undeliverable),
        (131031, Permission),
        (131042, Permission),
        (131045, Permission),
        (131047, WindowClosed),
        (131048, RateLimited),
        (131049, Undeliverable),
        (131050, Undeliverable),
        (131051, InvalidRequest),
        (131052, Transient),
        (131053, InvalidRequest),
        (131056, PairRateLimited),
        (131057, Transient),
        (132000, TemplateProblem),
        (132001, TemplateProblem),
        (132005, TemplateProblem),
        (132007, TemplateProblem),
        (132012, TemplateProblem),
        (132015, TemplateProblem),
        (132016, TemplateProblem),
        (133010, Permission),
        (135000, InvalidRequest),
    ];
    for &(code, class) in table {
        assert_eq!(classify(code, None, 400, None), class, "code {code}");
    }
    assert!(
        RateLimited.is_retryable() && PairRateLimited.is_retryable() && Transient.is_retryable()
    );
    assert!(!Undeliverable.is_retryable() && Undeliverable.is_final());
    assert!(PairRateLimited.is_recipient_specific() && !RateLimited.is_recipient_specific());
    // Fallbacks for codes not in the table.
    assert_eq!(classify(999_999, None, 503, None), Transient);
    assert_eq!(classify(999_999, None, 429, None), RateLimited);
    assert_eq!(classify(999_999, None, 400, Some(true)), Transient);
    assert_eq!(classify(999_999, None, 0, None), Unknown);
}
