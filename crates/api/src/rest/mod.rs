//! The REST edge: the resident app's two main operations without GraphQL, described by an
//! OpenAPI document generated from the handlers' types.

mod error;
mod me;

use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::auth::require_auth;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Doorway REST API", description = "REST twins of the resident app's operations."),
    paths(me::my_credentials, me::mobile_key_session),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

pub fn routes(state: &AppState) -> Router<AppState> {
    let authenticated = Router::new()
        .route("/v1/me/credentials", get(me::my_credentials))
        .route("/v1/me/mobile-key-session", post(me::mobile_key_session))
        .route_layer(middleware::from_fn_with_state(
            state.verifier.clone(),
            require_auth,
        ));
    authenticated.route(
        "/v1/openapi.json",
        get(|| async { Json(ApiDoc::openapi()) }),
    )
}
