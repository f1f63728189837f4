//! The client and its settings: [`GraphClient`] (a cheap handle on what it was built
//! with), [`GraphClientBuilder`] with its checks, the defaults, and the Graph URLs built
//! from them.

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::GraphError;
#[cfg(feature = "pacer")]
use crate::pacer::Pacer;
use crate::retry::RetryPolicy;

/// Default Graph API host.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
/// Default Graph API version.
pub const DEFAULT_API_VERSION: &str = "v25.0";
/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) auth: HeaderValue,
    /// `OAuth {token}`: the scheme the Resumable Upload API asks for.
    pub(crate) oauth: HeaderValue,
    #[expect(
        dead_code,
        reason = "kept so the client owns its secret; requests use the prepared `auth` header"
    )]
    token: SecretString,
    base_url: String,
    /// Scheme, host and port of `base_url`: the one non-Meta origin the token may go to.
    pub(crate) base_origin: url::Origin,
    api_version: String,
    phone_number_id: String,
    pub(crate) waba_id: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    #[cfg(feature = "pacer")]
    pub(crate) pacer: Option<Pacer>,
}

/// A Cloud API client for one business phone number. Cheap to clone (an `Arc`
/// inside); `Debug` never shows the access token.
#[derive(Clone)]
pub struct GraphClient {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("GraphClient");
        d.field("base_url", &self.inner.base_url)
            .field("api_version", &self.inner.api_version)
            .field("phone_number_id", &self.inner.phone_number_id)
            .field("waba_id", &self.inner.waba_id)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry);
        #[cfg(feature = "pacer")]
        d.field("pacer", &self.inner.pacer);
        d.field("access_token", &"[redacted]").finish()
    }
}

/// Builds a [`GraphClient`]; every setting is optional.
pub struct GraphClientBuilder {
    token: SecretString,
    phone_number_id: String,
    base_url: String,
    api_version: String,
    timeout: Duration,
    http: Option<reqwest::Client>,
    waba_id: Option<String>,
    retry: RetryPolicy,
    #[cfg(feature = "pacer")]
    pacer: Option<Pacer>,
}

impl fmt::Debug for GraphClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("GraphClientBuilder");
        d.field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("phone_number_id", &self.phone_number_id)
            .field("waba_id", &self.waba_id)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry);
        #[cfg(feature = "pacer")]
        d.field("pacer", &self.pacer);
        d.field("access_token", &"[redacted]").finish()
    }
}

impl GraphClientBuilder {
    /// The WhatsApp Business Account (WABA) id, needed by the template calls
    /// (`/{waba_id}/message_templates`); those return [`GraphError::Config`] without it.
    pub fn waba_id(mut self, id: impl Into<String>) -> Self {
        self.waba_id = Some(id.into());
        self
    }

    /// The retry policy, default [`RetryPolicy::none`] (one attempt). Reads retry on
    /// transient failures; sends only when Meta provably refused them before acting
    /// (see [`crate::retry`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Paces every [`GraphClient::send_message`] with this pacer (opt-in; clones of a
    /// pacer share their budget). Each attempt, retries included, waits for the
    /// recipient's and the number's slot; Meta's refusals 130429 and 131056 hold the
    /// number or the recipient ([`Pacer::learn_from_refusal`]). Needs the `pacer`
    /// feature (on by default).
    #[cfg(feature = "pacer")]
    pub fn pacer(mut self, pacer: Pacer) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// The Graph host, default `https://graph.facebook.com`; requests go to
    /// `{base}/{version}/{phone_number_id}/messages`. Point it at a mock or the sandbox.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The Graph API version, default `v25.0`.
    pub fn api_version(mut self, v: impl Into<String>) -> Self {
        self.api_version = v.into();
        self
    }

    /// The per-request timeout, default 30 s.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Uses this `reqwest::Client` (connection pool, proxy) instead of a new one
    /// (`reqwest` is re-exported as [`crate::reqwest`]).
    pub fn http_client(mut self, c: reqwest::Client) -> Self {
        self.http = Some(c);
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// Errors with [`GraphError::Config`] for an empty or non-header-safe token, an
    /// empty or path-unsafe phone number id or version, or a base URL that is not
    /// `http(s)://`.
    pub fn build(self) -> Result<GraphClient, GraphError> {
        let token = self.token.expose_secret();
        if token.trim().is_empty() {
            return Err(GraphError::Config("the access token is empty".into()));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            GraphError::Config(
                "the access token contains characters not allowed in a header".into(),
            )
        })?;
        auth.set_sensitive(true);
        let mut oauth = HeaderValue::from_str(&format!("OAuth {token}"))
            .map_err(|_| GraphError::Config("the access token is not header-safe".into()))?;
        oauth.set_sensitive(true);
        let path_safe = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        };
        if !path_safe(&self.phone_number_id) {
            return Err(GraphError::Config(format!(
                "phone_number_id {:?} must be a non-empty id of letters and digits",
                self.phone_number_id
            )));
        }
        if !path_safe(&self.api_version) {
            return Err(GraphError::Config(format!(
                "api_version {:?} must look like v25.0",
                self.api_version
            )));
        }
        let base = self.base_url.trim_end_matches('/').to_owned();
        let parsed = url::Url::parse(&base)
            .map_err(|e| GraphError::Config(format!("base_url {base:?} is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(GraphError::Config(format!(
                "base_url {base:?} must be an http(s) URL with a host"
            )));
        }
        if let Some(w) = &self.waba_id {
            if !path_safe(w) {
                return Err(GraphError::Config(format!(
                    "waba_id {w:?} must be a non-empty id of letters and digits"
                )));
            }
        }
        let http = match self.http {
            Some(c) => c,
            None => reqwest::Client::builder()
                .user_agent(concat!("wacloud-graph/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| GraphError::Config(format!("could not build the HTTP client: {e}")))?,
        };
        Ok(GraphClient {
            inner: Arc::new(Inner {
                http,
                auth,
                oauth,
                token: self.token,
                base_url: base,
                base_origin: parsed.origin(),
                api_version: self.api_version,
                phone_number_id: self.phone_number_id,
                waba_id: self.waba_id,
                timeout: self.timeout,
                retry: self.retry,
                #[cfg(feature = "pacer")]
                pacer: self.pacer,
            }),
        })
    }
}

impl GraphClient {
    /// Starts a builder for the number `phone_number_id`, authenticating with
    /// `access_token` (a system-user or user access token): a `String`, a `&str` or a
    /// [`SecretString`](crate::SecretString) (re-exported, so `secrecy` need not be a
    /// dependency of yours).
    ///
    /// ```
    /// use wacloud_graph::{GraphClient, SecretString};
    /// let from_str = GraphClient::builder("EAAG...", "106540352242922").build().unwrap();
    /// let from_string = GraphClient::builder(String::from("EAAG..."), "106540352242922");
    /// let from_secret = GraphClient::builder(SecretString::from("EAAG..."), "106540352242922");
    /// # let _ = (from_str, from_string.build().unwrap(), from_secret.build().unwrap());
    /// ```
    pub fn builder(
        access_token: impl Into<SecretString>,
        phone_number_id: impl Into<String>,
    ) -> GraphClientBuilder {
        GraphClientBuilder {
            token: access_token.into(),
            phone_number_id: phone_number_id.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            http: None,
            waba_id: None,
            retry: RetryPolicy::none(),
            #[cfg(feature = "pacer")]
            pacer: None,
        }
    }

    /// The WhatsApp Business Account id, when configured.
    pub fn waba_id(&self) -> Option<&str> {
        self.inner.waba_id.as_deref()
    }

    /// The retry policy in use.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The pacer in use, when one was set (`pacer` feature).
    #[cfg(feature = "pacer")]
    pub fn pacer(&self) -> Option<&Pacer> {
        self.inner.pacer.as_ref()
    }

    /// The business phone number id.
    pub fn phone_number_id(&self) -> &str {
        &self.inner.phone_number_id
    }

    /// The Graph API version in use.
    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    /// The base URL in use (without trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// `{base}/{version}/{segments...}`, each segment percent-encoded.
    pub(crate) fn node_url(&self, segments: &[&str]) -> String {
        let mut u = format!("{}/{}", self.inner.base_url, self.inner.api_version);
        for s in segments {
            u.push('/');
            u.push_str(&url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>());
        }
        u
    }

    /// The WABA id, or [`GraphError::Config`] naming the call that needs it.
    pub(crate) fn require_waba(&self, call: &str) -> Result<&str, GraphError> {
        self.inner.waba_id.as_deref().ok_or_else(|| {
            GraphError::Config(format!(
                "{call} needs the WhatsApp Business Account id: set GraphClientBuilder::waba_id"
            ))
        })
    }
}
