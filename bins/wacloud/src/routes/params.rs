//! Request parameters several handlers read the same way: a customer in a path or query, an
//! id, a `limit`, an optional JSON body. Each answers the same 400 (or 404) wherever it is read.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wacloud_core::{CustomerKey, PhoneError};

use crate::errors::ApiError;

/// A customer as the API takes one (the OpenAPI document's `CustomerKey`): a phone number in
/// E.164 with or without `+` (`00` is read as `+`; spaces, dashes, dots and brackets only after
/// `+` or `00`: a national number is refused, never guessed), or a business-scoped user id
/// (BSUID: two letters, a dot, letters and digits, `US.1349…`). Read by [`customer_key`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(transparent)]
pub struct CustomerKeyText(pub String);

/// What [`CustomerKeyText`] looks like; the rest is [`CustomerKey::parse`]'s (lengths by
/// country, known country codes).
const CUSTOMER_KEY_PATTERN: &str =
    r"^((\+|00)[1-9][0-9 ().-]{7,23}|[1-9][0-9]{7,14}|[A-Za-z]{2}\.[A-Za-z0-9.]{1,125})$";

impl utoipa::PartialSchema for CustomerKeyText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .pattern(Some(CUSTOMER_KEY_PATTERN))
            .description(Some(
                "A phone number in E.164, with or without `+` (`00` is read as `+`; spaces, dashes, dots and brackets only after `+` or `00`: a national number is refused, never guessed), or a business-scoped user id (BSUID, `US.1349…`)",
            ))
            .examples(["+15550000001", "15550000001", "US.13491208655302741918"])
            .into()
    }
}

impl utoipa::ToSchema for CustomerKeyText {
    fn name() -> std::borrow::Cow<'static, str> {
        "CustomerKey".into()
    }
}

/// Reads a `{phone}` path segment or `phone` query value: E.164 with or without `+`
/// (percent-encoded `%2B` too), or a BSUID.
///
/// # Errors
/// 400 `invalid_phone_number` with `field: phone_number`.
pub fn customer_key(raw: &str) -> Result<CustomerKey, ApiError> {
    let decoded = raw
        .replace("%2B", "+")
        .replace("%2b", "+")
        .replace("%20", " ");
    CustomerKey::parse(&decoded).map_err(|e: PhoneError| {
        ApiError::bad_request("invalid_phone_number", e.to_string()).with("field", "phone_number")
    })
}

/// `?number=` of a request: the business number (`phone_number_id`, digits) a `{phone}` path
/// means; absent or empty: none named.
///
/// # Errors
/// 400 `invalid_number` for a value that is not 1 to 30 digits.
pub fn number_param(req: &actix_web::HttpRequest) -> Result<Option<String>, ApiError> {
    #[derive(serde::Deserialize)]
    struct Q {
        number: Option<String>,
    }
    let n = actix_web::web::Query::<Q>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().number);
    number_value(n)
}

/// A `number` query value as [`number_param`] reads it, for handlers that take it from their
/// own query struct.
///
/// # Errors
/// 400 `invalid_number` (`field: number`) for a value that is not 1 to 30 digits.
pub fn number_value(n: Option<String>) -> Result<Option<String>, ApiError> {
    match n.filter(|n| !n.is_empty()) {
        Some(n) if n.len() > 30 || !n.bytes().all(|b| b.is_ascii_digit()) => {
            Err(ApiError::bad_request(
                "invalid_number",
                "number is a business number's phone_number_id (digits), as GET /numbers lists it",
            )
            .with("field", "number"))
        }
        other => Ok(other),
    }
}

/// A `number` query value that must name one of this server's business numbers (`GET
/// /stats`, `GET /contacts`, `GET /groups`); absent or empty: none named.
///
/// # Errors
/// 400 `invalid_number` (as [`number_value`]) or `unknown_number` (`field: number`) for a
/// number `GET /numbers` does not list.
pub fn our_number(
    ours: &wacloud_core::usecases::ingest::OurNumbers,
    n: Option<String>,
) -> Result<Option<String>, ApiError> {
    let n = number_value(n)?;
    if let Some(n) = &n {
        if !ours.contains(n) {
            return Err(ApiError::bad_request(
                "unknown_number",
                "number names no business number of this server; GET /api/whatsapp/numbers lists them (phone_number_id)",
            )
            .with("field", "number"));
        }
    }
    Ok(n)
}

/// The contact a `{phone}` path segment names, on the `?number=` of the request.
///
/// # Errors
/// As [`customer_key`] and [`number_param`].
pub fn contact_key(
    req: &actix_web::HttpRequest,
    raw: &str,
) -> Result<wacloud_core::ContactKey, ApiError> {
    Ok(wacloud_core::ContactKey::on(
        number_param(req)?,
        customer_key(raw)?,
    ))
}

/// wacloud's ids are at most 64 ASCII letters, digits, `-` and `_`; anything else names nothing
/// (and never reaches the database: PostgreSQL refuses NUL in text).
///
/// # Errors
/// 404 `no such {what}`.
pub fn check_id(id: &str, what: &str) -> Result<(), ApiError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ApiError::not_found(format!("no such {what}")));
    }
    Ok(())
}

/// A `limit` query parameter: its default when absent and its range; a value out of range is
/// answered 400 `invalid_request` with `field: limit` ("limit must be {min} to {max}"), on every
/// endpoint. A value that is not a whole number is refused earlier, by the query extractor
/// (`invalid_query`).
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    default: i64,
    min: i64,
    max: i64,
}

impl Limit {
    /// A page of contacts or messages: 1–200, default 50.
    pub const PAGE: Self = Self {
        default: 50,
        min: 1,
        max: 200,
    };

    /// A page of batches (each with its counts per state): 1–100, default 20.
    pub const BATCHES: Self = Self {
        default: 20,
        min: 1,
        max: 100,
    };

    /// A page of a batch's items: 0–1000, default 1000 (0 for the counts only). The answer is
    /// built whole before it is written, and a client that never reads holds it: at most a
    /// thousand items (about half a megabyte) per request.
    pub const BATCH_ITEMS: Self = Self {
        default: 1000,
        min: 0,
        max: 1000,
    };

    /// The limit to use for `given`.
    ///
    /// # Errors
    /// 400 `invalid_request` when `given` is out of range.
    pub fn read(self, given: Option<i64>) -> Result<i64, ApiError> {
        let limit = given.unwrap_or(self.default);
        if !(self.min..=self.max).contains(&limit) {
            return Err(ApiError::bad_request(
                "invalid_request",
                format!("limit must be {} to {}", self.min, self.max),
            )
            .with("field", "limit"));
        }
        Ok(limit)
    }
}

/// An optional JSON body: empty or `null` means the defaults; anything else must be sent as
/// JSON (`Content-Type: application/json` or another `…/json`, `…+json` type, as the routes
/// taking a required JSON body check) and parse (never silently ignored).
///
/// # Errors
/// [`ApiError`] 415 `unsupported_media_type` for a body sent as another type (or none),
/// 400 `invalid_json`.
pub fn optional_json<T: DeserializeOwned + Default>(
    req: &actix_web::HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let json = actix_web::HttpMessage::mime_type(req)
        .ok()
        .flatten()
        .is_some_and(|m| m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"));
    if !json {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ));
    }
    serde_json::from_slice::<Option<T>>(body)
        .map(Option::unwrap_or_default)
        .map_err(|e| ApiError::bad_request("invalid_json", e.to_string()))
}

/// An `offset` query parameter: 0 when absent.
///
/// # Errors
/// 400 `invalid_request` with `field: offset` when it is negative.
pub fn offset(given: Option<i64>) -> Result<i64, ApiError> {
    match given.unwrap_or(0) {
        o if o < 0 => Err(
            ApiError::bad_request("invalid_request", "offset must be 0 or more")
                .with("field", "offset"),
        ),
        o => Ok(o),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[serde(default)]
        flag: bool,
    }

    #[test]
    fn an_optional_body_may_be_empty_or_null_but_not_anything_else() {
        let json = actix_web::test::TestRequest::default()
            .insert_header(("content-type", "application/json; charset=utf-8"))
            .to_http_request();
        let bare = actix_web::test::TestRequest::default().to_http_request();
        // The OpenAPI document describes an optional body as the object or `null`; the contract
        // fuzzer sent `null` and got 400 before.
        for empty in ["", "  \n", "null", " null "] {
            assert_eq!(
                optional_json::<Body>(&json, empty.as_bytes()).unwrap(),
                Body::default()
            );
        }
        // An empty body needs no type.
        assert_eq!(optional_json::<Body>(&bare, b"").unwrap(), Body::default());
        assert_eq!(
            optional_json::<Body>(&json, br#"{"flag": true}"#).unwrap(),
            Body { flag: true }
        );
        for wrong in ["0", "true", r#"{"other": 1}"#, r#"{"flag": null}"#, "nul"] {
            let e = optional_json::<Body>(&json, wrong.as_bytes()).unwrap_err();
            assert_eq!(e.code, "invalid_json", "{wrong}");
        }
        for (req, what) in [
            (bare, "no Content-Type"),
            (
                actix_web::test::TestRequest::default()
                    .insert_header(("content-type", "text/plain"))
                    .to_http_request(),
                "text/plain",
            ),
        ] {
            let e = optional_json::<Body>(&req, br#"{"flag": true}"#).unwrap_err();
            assert_eq!(
                (e.status.as_u16(), e.code.as_str()),
                (415, "unsupported_media_type"),
                "{what}"
            );
        }
        let problem_json = actix_web::test::TestRequest::default()
            .insert_header(("content-type", "application/merge-patch+json"))
            .to_http_request();
        assert!(optional_json::<Body>(&problem_json, b"{}").is_ok());
    }

    #[test]
    fn a_limit_has_its_default_and_range_and_one_error_code() {
        assert_eq!(Limit::PAGE.read(None).unwrap(), 50);
        assert_eq!(Limit::PAGE.read(Some(200)).unwrap(), 200);
        let e = Limit::PAGE.read(Some(0)).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("invalid_request", "limit must be 1 to 200")
        );
        assert_eq!(e.extra["field"], "limit");
        assert_eq!(Limit::BATCH_ITEMS.read(Some(0)).unwrap(), 0);
        assert_eq!(Limit::BATCH_ITEMS.read(None).unwrap(), 1000);
        assert_eq!(Limit::BATCH_ITEMS.read(Some(1000)).unwrap(), 1000);
        let e = Limit::BATCH_ITEMS.read(Some(1001)).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("invalid_request", "limit must be 0 to 1000"),
            "the same code on every endpoint"
        );
    }
}
