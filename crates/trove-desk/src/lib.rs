//! The newsroom desk: who may work there, and the pages they work in.
//!
//! * [`users`]: desk users with a role (journalist, editor, admin), an
//!   Argon2id-hashed password and a TOTP second factor (RFC 6238).
//! * [`server`]: the desk's web pages under `/desk/`: an inbox of
//!   submissions (new, triaged, decided), a submission's documents beside
//!   its verification, overlap and triage, a document viewer, the decide
//!   form, the conversation with the source, and search within a
//!   submission. Rendered on the server; no script is needed.
//!
//! The desk holds the newsroom identity (it reads documents), so nothing
//! here may be served from the intake role. What it does to the world
//! (triage, a signed decision, a reply) goes through [`server::DeskActions`],
//! which the binary implements with the same code as the command line.

pub mod server;
pub mod users;

pub use server::{DeskActions, DeskDecision, DeskState, router};
pub use users::{NewUser, Role};

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("{0:?} is not a role: journalist, editor or admin")]
    BadRole(String),
    #[error("{0:?} is not a user name: use 2 to 32 letters, digits, '-' or '_'")]
    BadName(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("no randomness available: {0}")]
    Random(String),
}
