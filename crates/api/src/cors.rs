//! CORS for browser portals: which web origins may call Doorway from a browser
//! (`DOORWAY_CORS_ALLOWED_ORIGINS`, comma-separated, such as
//! `https://portal.example.com,http://localhost:5173`).
//!
//! An allow-list, never `*`: a page from any other origin gets no CORS headers, so the
//! browser fails its preflight and keeps it from reading Doorway's answers. Unset or empty, no CORS headers at all (and
//! no preflight answered), as before: apps and partner systems do not need them. Tokens travel
//! in `Authorization`, never in cookies, so credentials are not allowed.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};
use url::Url;

use crate::config::ConfigError;
use crate::error::REQUEST_ID_HEADER;

const VARIABLE: &str = "DOORWAY_CORS_ALLOWED_ORIGINS";

/// How long a browser may cache a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// The origins allowed to call Doorway from a browser, each as a browser sends it in `Origin`
/// (`scheme://host[:port]`, lower case, default port left out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsOrigins(Vec<HeaderValue>);

impl CorsOrigins {
    /// Reads the comma-separated list; an entry that is not a bare http(s) origin is a
    /// start-up error naming the variable (a typo must not quietly lock a portal out).
    pub fn parse(raw: Option<&str>) -> Result<Self, ConfigError> {
        let entries = raw.unwrap_or_default().split(',').map(str::trim);
        let origins = entries
            .filter(|entry| !entry.is_empty())
            .map(origin)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(origins))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `router` with CORS for these origins: tower-http's layer answers preflights and names
    /// an allowed origin in its answers, and any `Access-Control-*` header it would give
    /// another origin (its method and header lists) is taken off, so a stranger gets none.
    /// With no origins, `router` unchanged.
    pub fn apply<S: Clone + Send + Sync + 'static>(&self, router: Router<S>) -> Router<S> {
        if self.0.is_empty() {
            return router;
        }
        let cors = CorsLayer::new()
            .allow_origin(AllowOrigin::list(self.0.iter().cloned()))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                REQUEST_ID_HEADER,
            ])
            .expose_headers([REQUEST_ID_HEADER, header::RETRY_AFTER])
            .max_age(PREFLIGHT_MAX_AGE);
        let allowed: Arc<[HeaderValue]> = self.0.clone().into();
        router
            .layer(cors)
            .layer(middleware::from_fn(move |request: Request, next: Next| {
                strangers_get_nothing(Arc::clone(&allowed), request, next)
            }))
    }
}

async fn strangers_get_nothing(
    allowed: Arc<[HeaderValue]>,
    request: Request,
    next: Next,
) -> Response {
    let origin = request.headers().get(header::ORIGIN);
    let stranger = origin.is_some_and(|origin| !allowed.contains(origin));
    let mut response = next.run(request).await;
    if stranger {
        let headers = response.headers_mut();
        let granted: Vec<HeaderName> = headers
            .keys()
            .filter(|name| name.as_str().starts_with("access-control-"))
            .cloned()
            .collect();
        for name in granted {
            headers.remove(name);
        }
    }
    response
}

/// One entry as the `Origin` header a browser would send for it.
fn origin(entry: &str) -> Result<HeaderValue, ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid {
        name: VARIABLE,
        reason,
    };
    let url = Url::parse(entry).map_err(|err| invalid(format!("{entry:?}: {err}")))?;
    let bare = matches!(url.scheme(), "http" | "https")
        && url.has_host()
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    if !bare {
        return Err(invalid(format!(
            "{entry:?} is not an origin like https://portal.example.com (scheme, host and \
             optional port; no path, no wildcard)"
        )));
    }
    let serialized = url.origin().ascii_serialization();
    HeaderValue::from_str(&serialized).map_err(|err| invalid(format!("{entry:?}: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &str) -> Vec<String> {
        let origins = CorsOrigins::parse(Some(raw)).unwrap();
        origins
            .0
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn origins_are_read_as_browsers_send_them() {
        assert_eq!(
            parsed(" https://Portal.Example.com/ , http://localhost:5173,https://a.example:443"),
            [
                "https://portal.example.com",
                "http://localhost:5173",
                "https://a.example"
            ]
        );
        assert!(CorsOrigins::parse(None).unwrap().is_empty());
        assert!(CorsOrigins::parse(Some(" , ")).unwrap().is_empty());
    }

    #[test]
    fn anything_but_a_bare_origin_names_the_variable() {
        for bad in [
            "*",
            "null",
            "portal.example.com",
            "https://portal.example.com/app",
            "https://user@portal.example.com",
            "ftp://portal.example.com",
            "https://portal.example.com?x=1",
        ] {
            let err = CorsOrigins::parse(Some(bad)).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("DOORWAY_CORS_ALLOWED_ORIGINS is invalid"),
                "{bad}: {err}"
            );
        }
    }
}
