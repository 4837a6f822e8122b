//! The source side of trove: codenames and the keys derived from them.
//!
//! A source is known only by a codename: seven words drawn from the EFF
//! large diceware list (7 776 words, so 90 bits), shown once and never
//! stored. From it and a server pepper, Argon2id derives two independent
//! values ([`derive`]):
//! - the source id, the only thing stored about the source, under which
//!   submissions and messages are filed, compared in constant time;
//! - the source's reply key, an X25519 age identity: replies from the
//!   newsroom are sealed to its public half, so they cannot be read at
//!   rest without the codename.
//!
//! What this crate must never do: store, log or print a codename, or hold
//! the newsroom's decryption identity (the intake has only recipients).
//!
//! [`server`] is the intake server: the source pages (no JavaScript), tus
//! resumable uploads, messages both ways, quotas and hardening headers. It
//! holds recipients only.

pub mod codename;
pub mod derive;
pub mod server;

pub use codename::{Codename, CodenameError};
pub use derive::{DeriveError, Derived, KeyDerivation, Pepper};
