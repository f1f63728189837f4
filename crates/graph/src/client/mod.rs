//! The Graph API client: [`GraphClient`], how it is built and how it makes a request,
//! and the messages endpoint (sends, read receipts, the typing indicator).
//!
//! `config` holds the client and its builder, `request` how one request is made (retries,
//! pacing, error mapping), `send` the messages endpoint, `one_call` the one-call sends
//! (`send_text`, `send_template`, `send_image`, `upload_and_send_image`,
//! `send_image_file`, `reply_text`). The other endpoints are
//! `impl GraphClient` blocks in their own modules (`media`, `templates`, `account`).

mod config;
mod one_call;
mod request;
mod send;

pub use config::{
    GraphClient, GraphClientBuilder, DEFAULT_API_VERSION, DEFAULT_BASE_URL, DEFAULT_TIMEOUT,
};
pub(crate) use request::{
    error_from, excerpt, map_reqwest, parse_retry_after, request_label, Payload, USER_AGENT_VALUE,
};
pub use send::{SendMessageResponse, SentContact, SentMessage};
