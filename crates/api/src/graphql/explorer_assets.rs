//! GraphiQL's files, embedded in the binary and served from Doorway itself under `/graphiql/`:
//! the explorer works offline, behind a firewall and under a content-security policy that
//! allows nothing but this origin. The vendored files are pinned (`assets/graphiql/vendor/`,
//! refreshed by `assets/graphiql/refresh.sh`); their version is in their path, so browsers may
//! keep them for a year. Doorway's own page script and style change with Doorway and are
//! revalidated on every load instead.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// One embedded file, served at `/graphiql/{path}`.
pub struct Asset {
    pub path: &'static str,
    content_type: &'static str,
    cache_control: &'static str,
    body: &'static [u8],
}

impl Asset {
    /// Where the page links it from.
    pub fn url(&self) -> String {
        format!("/graphiql/{}", self.path)
    }
}

/// A versioned path never changes content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Doorway's own files carry no version: the browser asks again each time.
const REVALIDATE: &str = "no-cache";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

macro_rules! asset {
    ($path:literal, $content_type:expr, $cache_control:expr) => {
        Asset {
            path: $path,
            content_type: $content_type,
            cache_control: $cache_control,
            body: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/assets/graphiql/",
                $path
            )),
        }
    };
}

pub const REACT: Asset = asset!("vendor/react-18.3.1/react.production.min.js", JS, IMMUTABLE);
pub const REACT_DOM: Asset = asset!(
    "vendor/react-dom-18.3.1/react-dom.production.min.js",
    JS,
    IMMUTABLE
);
pub const GRAPHIQL_JS: Asset = asset!("vendor/graphiql-3.9.0/graphiql.min.js", JS, IMMUTABLE);
pub const GRAPHIQL_CSS: Asset = asset!("vendor/graphiql-3.9.0/graphiql.min.css", CSS, IMMUTABLE);
/// Mounts GraphiQL with the same-origin fetcher and the page's headers (see `page.js`).
pub const PAGE_JS: Asset = asset!("page.js", JS, REVALIDATE);
pub const PAGE_CSS: Asset = asset!("page.css", CSS, REVALIDATE);

const ALL: [&Asset; 6] = [
    &REACT,
    &REACT_DOM,
    &GRAPHIQL_JS,
    &GRAPHIQL_CSS,
    &PAGE_JS,
    &PAGE_CSS,
];

/// `GET /graphiql/{*path}`: one of the embedded files, or 404.
pub async fn serve(Path(path): Path<String>) -> Response {
    let Some(asset) = ALL.iter().find(|asset| asset.path == path) else {
        return (StatusCode::NOT_FOUND, "no such GraphiQL file").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, asset.cache_control),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        asset.body,
    )
        .into_response()
}
