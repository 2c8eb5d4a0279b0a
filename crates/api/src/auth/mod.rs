//! Who is calling: tokens verified once per request into an [`AuthContext`], and the rules of
//! what each role may do.
//!
//! Roles that may never call an operation get `FORBIDDEN`; objects outside the caller's tenant
//! or properties are reported `NOT_FOUND`, so their existence is not revealed.

mod context;
mod extractor;
mod jwks;
mod token;

pub use context::{AuthContext, Role, Scope};
pub use extractor::{authenticate, require_auth, unauthenticated_response};
pub use token::{Claims, TokenError, TokenIssuer, TokenVerifier};
