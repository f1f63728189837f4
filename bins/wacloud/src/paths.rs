//! The paths the route table and the middlewares around it both name. A leaf: it imports
//! nothing, so that what wraps the routes does not import the routes.

/// Where the REST API lives; the paths in [`crate::routes::API`] are under it.
pub const API_PREFIX: &str = "/api/whatsapp";

/// Meta's webhook: `GET` for the subscription handshake, `POST` for deliveries. Not behind the
/// API key: a delivery proves itself by its signature.
pub const WEBHOOK: &str = "/api/whatsapp/webhook";

/// Prometheus metrics (guarded like the API).
pub const METRICS: &str = "/metrics";

/// The health check: answered without the API key too, with details only for callers that
/// carry it.
pub const HEALTH: &str = "/api/whatsapp/health";

/// The OpenAPI document of every route (`crate::openapi`), mounted beside the routes.
pub const OPENAPI: &str = "/api/openapi.json";

/// Sending one message (its author is recorded on the message, not in the audit trail).
pub const SEND: &str = "/api/whatsapp/send";

/// Uploading a media file (`POST`): its body is streamed to disk, so `request_body` gives each
/// chunk back to the body budget once it was read and times the body by its pauses, not whole.
pub const MEDIA_UPLOAD: &str = "/api/whatsapp/media";

/// Creating a template (`POST`): a media header's sample file comes in its form and is
/// streamed to disk like a media upload (up to 100 MB for a document header).
pub const TEMPLATES: &str = "/api/whatsapp/templates";
