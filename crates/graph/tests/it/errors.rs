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

/// The codes Meta documented in 2025–26 (display name, marketing limits, BSUIDs,
/// Calling, Groups, usernames, template creation, migration): one row per code with
/// the classifier's answer, and what that answer means for a sender.
#[test]
fn classifier_covers_2025_26_codes() {
    use ErrorClass::*;
    let table: &[(i64, ErrorClass)] = &[
        // 555 number without an approved display name; account messaging limit cut for
        // template classification violations: stop and fix the account.
        (131037, Permission),
        (131064, Permission),
        // Conversation Routing: take by an app that is not the escalation partner.
        (2494191, Permission),
        // Template parameter problem (in the 132xxx template range).
        (132018, TemplateProblem),
        // BSUID recipient not supported; marketing templates disabled on Cloud API.
        (131062, InvalidRequest),
        (131063, InvalidRequest),
        // Marketing Messages API onboarding and eligibility: fix the account's set-up for
        // that endpoint; a transient hint does not make them retryable.
        (134100, InvalidRequest),
        (134101, InvalidRequest),
        (134102, InvalidRequest),
        (134103, InvalidRequest),
        // Registration attempts.
        (133016, RateLimited),
        // Identity key hash mismatch.
        (137000, Undeliverable),
        // Calling.
        (138000, InvalidRequest),
        (138001, Undeliverable),
        (138002, RateLimited),
        (138003, PairRateLimited),
        (138004, Transient),
        (138005, RateLimited),
        (138006, Undeliverable),
        (138007, Transient),
        (138009, PairRateLimited),
        (138012, PairRateLimited),
        (138013, RateLimited),
        (138018, InvalidRequest),
        // Groups.
        (131020, InvalidRequest),
        (131041, Undeliverable),
        (131059, InvalidRequest),
        (131201, InvalidRequest),
        (131202, InvalidRequest),
        (131204, InvalidRequest),
        (131207, Undeliverable),
        (131208, RateLimited),
        (131209, InvalidRequest),
        (131210, InvalidRequest),
        (131211, InvalidRequest),
        (131212, InvalidRequest),
        (131213, InvalidRequest),
        (131214, RateLimited),
        (131215, InvalidRequest),
        // Business usernames.
        (147001, InvalidRequest),
        (147002, InvalidRequest),
        (147003, InvalidRequest),
        (147004, InvalidRequest),
        (147005, InvalidRequest),
        // Template creation.
        (2388019, TemplateProblem),
        (2388040, TemplateProblem),
        (2388047, TemplateProblem),
        (2388073, TemplateProblem),
        (2388293, TemplateProblem),
        (2388299, TemplateProblem),
        // Phone number migration; number in maintenance mode.
        (2388012, InvalidRequest),
        (2388091, InvalidRequest),
        (2388093, InvalidRequest),
        (2388103, InvalidRequest),
        (2494100, Transient),
    ];
    for &(code, class) in table {
        // The code decides, whatever the HTTP status or `is_transient` hint.
        assert_eq!(classify(code, None, 400, None), class, "code {code}");
        assert_eq!(
            classify(code, None, 500, Some(true)),
            class,
            "code {code} on a 500"
        );
        let e = ApiError::new(400, code, "from Meta");
        assert_eq!(e.class(), class, "code {code} via ApiError");
    }
    // What the answers mean for a sender.
    assert!(Permission.stops_all_sending() && !Permission.is_retryable());
    assert!(PairRateLimited.is_recipient_specific() && PairRateLimited.is_retryable());
    assert!(Undeliverable.is_recipient_specific() && Undeliverable.is_final());
    assert!(!InvalidRequest.stops_all_sending() && InvalidRequest.is_final());
    // Feature-specific refusals must not stop all messaging.
    for code in [131215, 138000, 138018, 147002] {
        assert!(
            !classify(code, None, 400, None).stops_all_sending(),
            "{code}"
        );
    }
    // None of them is a refusal before acting that a send may be replayed on.
    for &(code, _) in table {
        let e = wacloud_graph::GraphError::Api(ApiError::new(400, code, "x"));
        assert!(!e.may_resend(), "code {code} must not replay a send");
    }
}
