//! The request shapes most Graph operations share, on top of [`GraphClient::execute`]:
//! a read of a node or edge, a JSON write, a write answered `{"success": true}`. Each
//! decodes Meta's answer with [`GraphClient::decode`] and lets the error parsing of
//! `client::request` turn a refusal into a [`GraphError`].

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::account::expect_success;
use crate::client::{GraphClient, Payload};
use crate::error::GraphError;
use crate::messages::ValidationError;
use crate::retry::RequestKind;

impl GraphClient {
    /// `GET {base}/{version}/{segments…}?query`, retried as a read, decoded as `T`.
    pub(crate) async fn get_node<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<T, GraphError> {
        let url = self.node_url(segments);
        let (status, body) = self
            .execute(
                Method::GET,
                &url,
                query,
                &Payload::None,
                RequestKind::Read,
                None,
            )
            .await?;
        Self::decode(status, &body, what)
    }

    /// A write (`POST` or `DELETE`) with an optional JSON body, decoded as `T`.
    pub(crate) async fn write_node<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<Value>,
        what: &str,
    ) -> Result<T, GraphError> {
        let url = self.node_url(segments);
        let payload = body.map_or(Payload::None, Payload::Json);
        let (status, body) = self
            .execute(method, &url, query, &payload, RequestKind::Write, None)
            .await?;
        Self::decode(status, &body, what)
    }

    /// A write answered `{"success": true}`; anything else is a [`GraphError::Decode`].
    pub(crate) async fn write_success(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<Value>,
        what: &str,
    ) -> Result<(), GraphError> {
        let url = self.node_url(segments);
        let payload = body.map_or(Payload::None, Payload::Json);
        let (status, body) = self
            .execute(method, &url, query, &payload, RequestKind::Write, None)
            .await?;
        expect_success(status, &body, what)
    }
}

/// `v` as JSON, or a [`GraphError::Config`] (a request type that cannot be encoded is a
/// bug of this crate, not of the caller).
pub(crate) fn to_body<T: serde::Serialize>(v: &T) -> Result<Value, GraphError> {
    serde_json::to_value(v)
        .map_err(|e| GraphError::Config(format!("could not encode the request: {e}")))
}

/// An id given as an argument (a QR code, a group id, a flow id): not blank and without
/// whitespace, so a mistake is refused before any request rather than answered by Meta
/// with a confusing 100.
pub(crate) fn id_arg(field: &str, what: &str, s: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        return Err(ValidationError::new(field, format!("{what} is empty")));
    }
    if s.chars().any(char::is_whitespace) {
        return Err(ValidationError::new(
            field,
            format!("{what} {s:?} contains whitespace"),
        ));
    }
    Ok(())
}

impl GraphClient {
    /// A write whose answer the spec leaves loose: an empty body, `{"success": true}`,
    /// `{"success": "true"}` or an object without `success` are all a yes; `success`
    /// false (or anything but an object) is a [`GraphError::Decode`].
    pub(crate) async fn write_ack(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<Value>,
        what: &str,
    ) -> Result<(), GraphError> {
        let url = self.node_url(segments);
        let payload = body.map_or(Payload::None, Payload::Json);
        let (status, body) = self
            .execute(method, &url, &[], &payload, RequestKind::Write, None)
            .await?;
        ack(status, &body, what)
    }
}

/// Meta's loose "yes" to a write: an empty body, `{"success": true}`, `{"success":
/// "true"}` or an object without `success`; `success` false (or anything but an
/// object) is a [`GraphError::Decode`].
pub(crate) fn ack(status: u16, body: &[u8], what: &str) -> Result<(), GraphError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let v: Value = GraphClient::decode(status, body, what)?;
    let refused = match v.get("success") {
        None => !v.is_object(),
        Some(Value::Bool(b)) => !b,
        Some(Value::String(s)) => s != "true",
        Some(_) => true,
    };
    if refused {
        return Err(GraphError::Decode {
            status,
            message: format!(
                "{what}: Meta did not answer success; body starts {}",
                crate::client::excerpt(body)
            ),
        });
    }
    Ok(())
}

/// One part of a `multipart/form-data` write: a text field, or a file with its name and
/// MIME type.
#[derive(Debug, Clone)]
pub(crate) enum FormPart {
    /// `name=value`.
    Text(&'static str, String),
    /// A file: field name, file name, MIME type, bytes.
    File(&'static str, String, &'static str, bytes::Bytes),
}

impl GraphClient {
    /// A `multipart/form-data` write (rebuilt by reqwest for each attempt), decoded as `T`.
    pub(crate) async fn write_form<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        parts: Vec<FormPart>,
        what: &str,
    ) -> Result<T, GraphError> {
        let (status, body) = self.send_form(segments, parts).await?;
        Self::decode(status, &body, what)
    }

    /// A `multipart/form-data` write answered loosely ([`ack`]).
    pub(crate) async fn write_form_ack(
        &self,
        segments: &[&str],
        parts: Vec<FormPart>,
        what: &str,
    ) -> Result<(), GraphError> {
        let (status, body) = self.send_form(segments, parts).await?;
        ack(status, &body, what)
    }

    /// An `application/x-www-form-urlencoded` write (`method` POST or DELETE) answered
    /// `{"success": true}`.
    pub(crate) async fn write_urlencoded_success(
        &self,
        method: Method,
        segments: &[&str],
        fields: Vec<(&'static str, String)>,
        what: &str,
    ) -> Result<(), GraphError> {
        let url = self.node_url(segments);
        let (status, body) = self
            .execute(
                method,
                &url,
                &[],
                &Payload::Form(fields),
                RequestKind::Write,
                None,
            )
            .await?;
        expect_success(status, &body, what)
    }

    async fn send_form(
        &self,
        segments: &[&str],
        parts: Vec<FormPart>,
    ) -> Result<(u16, Vec<u8>), GraphError> {
        let url = self.node_url(segments);
        let payload = Payload::Multipart(Box::new(move || {
            let mut form = reqwest::multipart::Form::new();
            for p in &parts {
                form = match p {
                    FormPart::Text(k, v) => form.text(*k, v.clone()),
                    FormPart::File(k, file_name, mime, bytes) => {
                        let part = reqwest::multipart::Part::stream(bytes.clone())
                            .file_name(file_name.clone())
                            .mime_str(mime)
                            .map_err(|e| GraphError::Config(format!("MIME type {mime}: {e}")))?;
                        form.part(*k, part)
                    }
                };
            }
            Ok(form)
        }));
        self.execute(Method::POST, &url, &[], &payload, RequestKind::Write, None)
            .await
    }
}
