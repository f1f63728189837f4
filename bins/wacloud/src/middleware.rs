//! What wraps every route: the length of the request's target, the API key's check (used by
//! `crate::auth::guard`, which decides who a request comes from), the refusal of
//! cross-site writes, CORS, and the JSON answers for requests actix refuses before a handler
//! runs (a body that is not JSON, a bad query or path).

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use secrecy::ExposeSecret;

use crate::errors::ApiError;
use crate::paths;
use crate::state::AppState;

/// Largest JSON body the API takes, in bytes (the webhook reads its own, larger, bodies).
const JSON_LIMIT: usize = 1024 * 1024;

/// Longest request target (path and query string) taken, in bytes: 8 KiB, as common proxies
/// allow (nginx's `large_client_header_buffers`). No route needs more.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Refuses a request whose target (path and query) is longer than [`MAX_URI_BYTES`] before
/// it is routed: 414 `uri_too_long`.
///
/// A target over 65,534 bytes never reaches this: actix-http's parser (the `http` crate's
/// `Uri` limit) answers it with an empty 400 itself, and a request head over 128 KiB with an
/// empty 431, before any code of ours runs; actix offers no hook for those answers.
///
/// # Errors
/// Whatever the wrapped service fails with.
pub async fn refuse_long_uri(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if len > MAX_URI_BYTES {
        let err = ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!(
                "the request's path and query string have {len} bytes; at most {MAX_URI_BYTES} are taken"
            ),
        )
        .with("limit_bytes", MAX_URI_BYTES);
        return Ok(req.into_response(err.error_response()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Whether `path` is guarded by the login or API key (`crate::auth::guard`) and the cross-site check: the REST API (under
/// [`paths::API_PREFIX`]), the metrics and the sandbox's controls. Not Meta's webhook ([`paths::WEBHOOK`]),
/// which proves itself by its signature, nor the sandbox's Graph API (`/sandbox/graph/…`),
/// which takes its own bearer token, as Meta's does, and is what this server's own Graph client
/// calls in sandbox mode.
pub fn guarded(path: &str) -> bool {
    let api = path
        .strip_prefix(paths::API_PREFIX)
        .is_some_and(|rest| rest.starts_with('/'));
    (api && path != paths::WEBHOOK)
        || path == paths::METRICS
        || (path.starts_with("/sandbox/") && !path.starts_with("/sandbox/graph/"))
}

/// Whether a request carries the API key, when one is set: `Authorization: Bearer <key>`
/// (scheme case-insensitive) or `X-API-Key: <key>`, compared in constant time. `true` when no
/// key is set.
pub fn authorized(headers: &actix_web::http::header::HeaderMap, state: &AppState) -> bool {
    let Some(key) = state.settings.http.api_key.as_ref() else {
        return true;
    };
    // The scheme name is case-insensitive (RFC 9110).
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
        })
        .or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()));
    given.is_some_and(|g| {
        subtle::ConstantTimeEq::ct_eq(g.as_bytes(), key.expose_secret().as_bytes()).into()
    })
}

/// Refuses a state-changing request (`POST`, `PUT`, `PATCH`, `DELETE`) to the REST API or the
/// sandbox's controls that a browser says comes from another site: 403 `cross_site_request`.
///
/// A page on another site can send a `text/plain` or form `POST` without a CORS preflight, and
/// the browser sends it (with the user's network position) even though the page cannot read
/// the answer; this check is what stops such a write, with or without `WACLOUD_API_KEY`. It is
/// cross-site when `Sec-Fetch-Site` is `cross-site` or `same-site`, or, from a browser that does
/// not send that header, when `Origin` is neither this server's own (its `Host`) nor one of
/// `WACLOUD_CORS_ORIGINS` (`*`: any). An origin of `WACLOUD_CORS_ORIGINS` is always taken (the
/// widget embedded on the operator's site), and so is a request with neither header (curl,
/// programs). Meta's webhook (signed) and the sandbox's Graph API (its own token) are not checked.
///
/// # Errors
/// Whatever the wrapped service fails with.
pub async fn refuse_cross_site(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let checked = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) && guarded(req.path());
    if checked && is_cross_site(&req) {
        let err = ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_site_request",
            "a page on another site cannot change anything here; add its origin to WACLOUD_CORS_ORIGINS to allow it",
        );
        return Ok(req.into_response(err.error_response()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// `HEAD` is answered as `GET` is, without the body (RFC 9110: a load balancer or a monitor
/// probing `/health` or a page with `HEAD` must not see a 405).
///
/// # Errors
/// Whatever the wrapped service fails with.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::HEAD {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    req.head_mut().method = Method::GET;
    let res = next.call(req).await?;
    Ok(res.map_body(|_, _| BoxBody::new(())))
}

/// What the browser says about where `req` comes from; see [`refuse_cross_site`].
fn is_cross_site(req: &ServiceRequest) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let origin = header("origin");
    let allowed = origin.is_some_and(|o| {
        req.app_data::<web::Data<AppState>>().is_some_and(|s| {
            s.settings
                .http
                .cors_origins
                .iter()
                .any(|a| a == "*" || a.eq_ignore_ascii_case(o))
        })
    });
    if allowed {
        return false;
    }
    match header("sec-fetch-site")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("cross-site" | "same-site") => true,
        // The browser vouches for these (a page cannot set `Sec-` headers); behind a proxy that
        // rewrites `Host`, `Origin` would not match it.
        Some("same-origin" | "none") => false,
        _ => origin.is_some_and(|o| {
            let info = req.connection_info();
            !(header("host").is_some_and(|h| same_host(o, h)) || same_host(o, info.host()))
        }),
    }
}

/// Whether the serialized origin `origin` (`scheme://host[:port]`) names `host` (a `Host`
/// header's value, whose port may be the scheme's default).
fn same_host(origin: &str, host: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return false,
    };
    authority.eq_ignore_ascii_case(host)
        || host
            .strip_suffix(default_port)
            .is_some_and(|h| authority.eq_ignore_ascii_case(h))
}

/// CORS for `WACLOUD_CORS_ORIGINS` (`*` for any origin): the API's methods and headers, and
/// `Idempotent-Replayed` readable by the page.
pub fn cors(origins: &[String]) -> Cors {
    let base = Cors::default()
        .allowed_methods(vec!["GET", "POST", "PUT", "PATCH", "OPTIONS"])
        .expose_headers(vec!["idempotent-replayed"])
        .allowed_headers(vec![
            "content-type",
            "authorization",
            "x-api-key",
            "idempotency-key",
        ])
        .max_age(3600);
    if origins.iter().any(|o| o == "*") {
        base.allow_any_origin().send_wildcard()
    } else {
        origins
            .iter()
            .fold(base, |c, o| c.allowed_origin(o.as_str()))
    }
}

/// JSON bodies up to [`JSON_LIMIT`]; a refused one is answered 415, 413 or 400 `invalid_json`.
#[must_use]
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|e, _| json_error(&e).into())
}

/// A query string that does not fit the handler's type: 400 `invalid_query`, with `field`
/// when the parser names one (a repeated or unknown parameter).
#[must_use]
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e, _| {
        let message = e.to_string();
        let field = query_field(&message).map(str::to_owned);
        let err = ApiError::bad_request("invalid_query", message);
        match field {
            Some(f) => err.with("field", f),
            None => err,
        }
        .into()
    })
}

/// The parameter serde's message names: ``duplicate field `group_by` `` or
/// ``unknown field `x`, expected …``.
fn query_field(message: &str) -> Option<&str> {
    ["duplicate field `", "unknown field `", "missing field `"]
        .iter()
        .find_map(|p| message.split_once(p))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name)
        .filter(|n| !n.is_empty() && n.len() <= 64)
}

/// A path segment that does not fit the handler's type: 400 `invalid_path`.
#[must_use]
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|e, _| ApiError::bad_request("invalid_path", e.to_string()).into())
}

/// The JSON answer for errors actix raises itself (bad JSON, wrong content type, too large).
fn json_error(err: &actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ),
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request bodies are limited to {limit} bytes"),
        ),
        E::Deserialize(e) => ApiError::bad_request("invalid_json", e.to_string()),
        other => ApiError::bad_request("invalid_json", other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::{query_field, same_host};

    #[test]
    fn a_query_error_names_its_parameter() {
        assert_eq!(
            query_field("Query deserialize error: duplicate field `group_by`"),
            Some("group_by")
        );
        assert_eq!(
            query_field("unknown field `x`, expected one of `from`, `to`"),
            Some("x")
        );
        assert_eq!(query_field("invalid digit found in string"), None);
    }

    #[test]
    fn an_origin_names_its_host_with_or_without_the_default_port() {
        assert!(same_host("http://127.0.0.1:8000", "127.0.0.1:8000"));
        assert!(same_host("https://Example.com", "example.com:443"));
        assert!(same_host("http://example.com", "example.com"));
        assert!(!same_host("http://example.com", "example.com:8000"));
        assert!(!same_host("https://evil.example", "example.com"));
        assert!(!same_host("null", "example.com"));
        assert!(!same_host("file://example.com", "example.com"));
    }
}
