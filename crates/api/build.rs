//! `sqlx::migrate!` embeds `migrations/` at compile time; without this, adding a migration
//! alone would not rebuild the crate and the binary would not know it.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
