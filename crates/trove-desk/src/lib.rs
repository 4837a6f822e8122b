//! The newsroom desk: the web pages journalists and editors work in, under
//! `/desk/`: an inbox of submissions (new, triaged, decided), a
//! submission's documents beside its verification, overlap and triage, a
//! document viewer, the decide form, the conversation with the source, and
//! search within a submission. Rendered on the server; no script is
//! needed.
//!
//! The pages read and act through [`trove_app::Newsroom`], the same API as
//! the command line: a decision signed here is the one `trove decide`
//! would sign. Log-in checks a user's Argon2id password and TOTP code
//! ([`trove_app::users`]); sessions, CSRF tokens and log-in limits come
//! from [`trove_web`].
//!
//! What this crate must never do: be served by the intake role (the desk
//! holds the newsroom identity: it reads documents), change anything on a
//! GET, or let anyone but an editor or an admin decide.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let newsroom = trove_app::Newsroom::open("trove-data".as_ref()).await?;
//! let desk = trove_desk::DeskState::new(std::sync::Arc::new(newsroom))?;
//! let app: axum::Router = trove_desk::router(desk);
//! # Ok(()) }
//! ```

mod server;

pub use server::{DeskState, ROUTES, router};

/// Why the desk cannot start.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    App(#[from] trove_app::AppError),
    #[error(transparent)]
    Random(#[from] trove_web::RandomError),
}
