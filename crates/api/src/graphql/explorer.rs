//! GraphiQL at `GET /graphql`: a page that loads only this origin's files
//! ([`super::explorer_assets`]) under a content-security policy that allows nothing else, so
//! the explorer appears offline and behind a firewall. In the demo, its headers editor starts
//! with the resident's token and offers the other roles' tokens; elsewhere it starts empty.

use std::sync::Arc;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::explorer_assets::{GRAPHIQL_CSS, GRAPHIQL_JS, PAGE_CSS, PAGE_JS, REACT, REACT_DOM};

/// This origin only. Scripts are files, never inline (the page's settings travel in a JSON
/// data block, which is not run). GraphiQL's fonts and icons are `data:` URLs inside its CSS.
/// Styles need no `'unsafe-inline'`: React and CodeMirror set them through the DOM, which a
/// policy does not restrict.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A token GraphiQL offers for its `Authorization` header, under a label such as
/// `resident (jane)`.
#[derive(Clone, Serialize)]
pub struct ExplorerToken {
    pub label: String,
    pub token: String,
}

/// The tokens GraphiQL offers: the demo's, the first prefilled. None outside the demo.
#[derive(Clone, Default)]
pub struct Explorer {
    tokens: Arc<[ExplorerToken]>,
}

impl Explorer {
    pub fn with_tokens(tokens: Vec<ExplorerToken>) -> Self {
        Self {
            tokens: tokens.into(),
        }
    }

    /// The page, with the headers a browser should enforce on it.
    pub fn page(&self) -> Response {
        (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                // The demo's page holds tokens: no cache keeps it, no referrer carries its URL.
                (header::CACHE_CONTROL, "no-store"),
                (header::REFERRER_POLICY, "no-referrer"),
            ],
            self.html(),
        )
            .into_response()
    }

    fn html(&self) -> String {
        let settings = serde_json::json!({ "tokens": &*self.tokens });
        // Inside a <script> element nothing may close it: `<` is escaped as JSON allows.
        let settings = settings.to_string().replace('<', "\\u003c");
        let scripts: String = [&REACT, &REACT_DOM, &GRAPHIQL_JS, &PAGE_JS]
            .iter()
            .map(|script| format!("<script src=\"{}\"></script>\n", script.url()))
            .collect();
        format!(
            "<!doctype html>\n\
             <html lang=\"en\">\n\
             <head>\n\
             <meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>Doorway GraphiQL</title>\n\
             <link rel=\"stylesheet\" href=\"{graphiql_css}\">\n\
             <link rel=\"stylesheet\" href=\"{page_css}\">\n\
             </head>\n\
             <body>\n\
             <div id=\"graphiql\">Loading GraphiQL...</div>\n\
             <script id=\"doorway-graphiql\" type=\"application/json\">{settings}</script>\n\
             {scripts}\
             </body>\n\
             </html>\n",
            graphiql_css = GRAPHIQL_CSS.url(),
            page_css = PAGE_CSS.url(),
        )
    }
}
