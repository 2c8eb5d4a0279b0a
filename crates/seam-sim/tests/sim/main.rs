//! The simulator over real HTTP, as its users (the gateway's tests, demos) see it.

mod helpers;

mod client_sessions;
mod faults;
mod identities;
mod latch;
mod pagination;
mod salto;
mod seed;
mod state;
mod transport;
