//! [`Newsroom`]: an open data directory and its database, and the
//! operations on keys, blobs, users and the intake's state. The pipeline's
//! operations are in `submit.rs`, `pipeline.rs`, `decide.rs`,
//! `conversation.rs`, `pull.rs` and `ledger.rs`, one module a stage.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use trove_store::UserRepo as _;

use trove_intake::server::{Intake, IntakeLimits, api_key_hash, spawn_retention};
use trove_intake::{KeyDerivation, Pepper};
use trove_keys::{Keyring, LogOrigin, PublicKeyInfo, StatementRole};
use trove_store::{AnyBackend, BlobId, BlobOpener, BlobSealer, Day, MetadataRepo, PutReceipt, SqlRepo, UserRecord};

use crate::users::{self, NewUser, Role};
use crate::{AppError, DataDir};

const PEPPER_FILE: &str = "intake.pepper";

/// An open data directory: configuration, keys, store and database.
pub struct Newsroom {
    dir: DataDir,
    repo: SqlRepo,
    /// Opened on first use: commands that never search do not pay for it.
    search: std::sync::OnceLock<trove_search::SearchIndex>,
    list: std::sync::OnceLock<trove_search::listing::ListIndex>,
}

impl Newsroom {
    /// Opens an initialised data directory and its database.
    pub async fn open(root: &Path) -> Result<Newsroom, AppError> {
        Newsroom::with_dir(DataDir::open(root)?).await
    }

    async fn with_dir(dir: DataDir) -> Result<Newsroom, AppError> {
        let repo = dir.repo().await?;
        Ok(Newsroom {
            dir,
            repo,
            search: std::sync::OnceLock::new(),
            list: std::sync::OnceLock::new(),
        })
    }

    /// Creates a data directory: configuration, keys (the first editor's
    /// signing key named `editor`, the log's named by its `origin`, a
    /// unique one if none is given), database and store. With `force`, an
    /// existing one's configuration and keys are replaced. With
    /// `database`, the metadata is kept on that PostgreSQL server.
    pub async fn init(
        root: &Path,
        force: bool,
        editor: &str,
        origin: Option<&LogOrigin>,
        database: Option<&str>,
    ) -> Result<Newsroom, AppError> {
        let origin = match origin {
            Some(origin) => origin.clone(),
            None => LogOrigin::unique()?,
        };
        let dir = DataDir::create(root, force, database)?;
        Keyring::generate(&dir.keys_dir(), editor, &origin, force)?;
        dir.backend()?;
        Newsroom::open(root).await
    }

    /// Opens `root`, creating it as [`Newsroom::init`] does if it is not a
    /// data directory yet (the demo's folder).
    pub async fn open_or_init(root: &Path, editor: &str) -> Result<Newsroom, AppError> {
        // Only a folder that is not a data directory yet is made one; a
        // broken configuration is reported, not written over.
        match DataDir::open(root) {
            Ok(dir) => Newsroom::with_dir(dir).await,
            Err(AppError::NoDataDir(_) | AppError::NotInitialised(_)) => {
                Newsroom::init(root, false, editor, None, None).await
            }
            Err(other) => Err(other),
        }
    }

    pub fn dir(&self) -> &DataDir {
        &self.dir
    }

    /// The search index, opened once.
    pub fn search_index(&self) -> Result<&trove_search::SearchIndex, AppError> {
        if let Some(index) = self.search.get() {
            return Ok(index);
        }
        let index = trove_search::SearchIndex::open(&self.dir.search_dir())?;
        Ok(self.search.get_or_init(|| index))
    }

    /// The desk's document lists (see [`trove_search::listing`]).
    pub fn list_index(&self) -> Result<&trove_search::listing::ListIndex, AppError> {
        if let Some(index) = self.list.get() {
            return Ok(index);
        }
        let index = trove_search::listing::ListIndex::open(&self.dir.list_dir())?;
        Ok(self.list.get_or_init(|| index))
    }

    pub fn root(&self) -> &Path {
        &self.dir.root
    }

    /// The metadata database, through its traits only: nothing above the
    /// data directory depends on which backend it is.
    /// The database handle itself, for a task of its own (a worker's lease
    /// renewals).
    pub(crate) fn shared_repo(&self) -> SqlRepo {
        self.repo.clone()
    }

    pub fn repo(&self) -> &impl MetadataRepo {
        &self.repo
    }

    /// The read side of the store: needs the identity (desk only).
    pub fn opener(&self) -> Result<BlobOpener<AnyBackend>, AppError> {
        self.dir.opener()
    }

    /// The write side of the store: recipients only.
    pub fn sealer(&self) -> Result<BlobSealer<AnyBackend>, AppError> {
        self.dir.sealer()
    }

    pub(crate) fn no_submission(&self, id: impl ToString) -> AppError {
        AppError::NoSubmission {
            id: id.to_string(),
            data: self.dir.root.as_path().into(),
        }
    }

    /// The public half of every key, for `trove keys list`.
    pub fn public_keys(&self) -> Result<Vec<PublicKeyInfo>, AppError> {
        Ok(self.dir.keyring().public_keys()?)
    }

    /// Creates an editor's signing key and publishes the new key list in
    /// the log; returns the verifier key's text form.
    pub fn add_editor_key(&self, name: &str) -> Result<String, AppError> {
        let role = StatementRole::Editor(name.to_owned());
        let keyring = self.dir.keyring();
        if keyring.verifier_key(&role).is_ok() {
            return Err(AppError::EditorExists(name.to_owned()));
        }
        let vkey = keyring.generate_statement_key(&role)?;
        self.dir.ledger().writer()?;
        Ok(vkey.to_string())
    }

    /// Creates a witness key for a partner; returns the verifier key's text
    /// and the private key file, which is handed over and not kept.
    pub fn add_witness_key(&self, name: &str) -> Result<(String, PathBuf), AppError> {
        let vkey = self
            .dir
            .keyring()
            .generate_statement_key(&StatementRole::Witness(name.to_owned()))?;
        Ok((
            vkey.to_string(),
            self.dir.keys_dir().join(format!("witness-{name}.key")),
        ))
    }

    /// Seals a file into the store as one blob.
    pub fn put_blob(&self, file: &Path) -> Result<PutReceipt, AppError> {
        let input = std::fs::File::open(file).map_err(AppError::io(file))?;
        self.sealer()?.put(input).map_err(|source| AppError::Storing {
            path: file.into(),
            source,
        })
    }

    /// Opens a blob into `out`, checking both of its hashes on the way; an
    /// error means what was written must not be trusted.
    pub fn blob_to(&self, id: &BlobId, out: &mut dyn Write) -> Result<(), AppError> {
        let mut out = out;
        self.opener()?.copy_to(id, &mut out).map_err(AppError::Output)?;
        Ok(())
    }

    /// Opens a blob into the file `path`. A regular file is written beside
    /// its target and renamed only once both hashes check, so a failure
    /// leaves no plausible-looking partial file; a device or a pipe is
    /// written as it is.
    pub fn blob_to_path(&self, id: &BlobId, path: &Path) -> Result<(), AppError> {
        let opener = self.opener()?;
        if path.metadata().is_ok_and(|meta| !meta.is_file()) {
            let mut target = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(AppError::io(path))?;
            opener.copy_to(id, &mut target).map_err(AppError::Output)?;
            return Ok(());
        }
        let partial = path.with_extension("partial");
        let mut file = std::fs::File::create(&partial).map_err(AppError::io(&partial))?;
        if let Err(error) = opener.copy_to(id, &mut file) {
            let _ = std::fs::remove_file(&partial);
            return Err(error.into());
        }
        file.sync_all().map_err(AppError::io(&partial))?;
        std::fs::rename(&partial, path).map_err(AppError::io(path))
    }

    /// A new desk user; editors and admins get a signing key of their name.
    pub async fn add_user(&self, name: &str, role: Role) -> Result<NewUser, AppError> {
        let user = users::create(name, role, Day::today())?;
        if !self.repo().add_user(&user.record).await? {
            return Err(AppError::UserExists(name.to_owned()));
        }
        if role.decides() {
            let key_role = StatementRole::Editor(name.to_owned());
            let keyring = self.dir.keyring();
            if keyring.verifier_key(&key_role).is_err() {
                keyring.generate_statement_key(&key_role)?;
                self.dir.ledger().writer()?;
            }
        }
        Ok(user)
    }

    /// The desk's users: name, role, day created.
    pub async fn users(&self) -> Result<Vec<(String, String, String)>, AppError> {
        Ok(self.repo().users().await?)
    }

    /// A desk user's record, for the log-in page.
    pub async fn user(&self, name: &str) -> Result<Option<UserRecord>, AppError> {
        Ok(self.repo().user(name).await?)
    }

    /// A desk log-in: the user when the password and the TOTP code are
    /// right, the code's step is later than any this user logged in with
    /// (kept in the database, so a code is good once across restarts), and
    /// the account is not disabled; None otherwise. A name without an
    /// account costs the same Argon2id work as one with.
    pub async fn login(
        &self,
        name: &str,
        password: zeroize::Zeroizing<String>,
        code: String,
        unix_time: u64,
    ) -> Result<Option<UserRecord>, AppError> {
        let user = self.repo().user(name).await?;
        // Argon2id off the async threads.
        let checked = tokio::task::spawn_blocking(move || match user {
            Some(user) => users::verify_login(&user, &password, &code, unix_time).map(|step| (user, step)),
            None => {
                users::verify_unknown(&password);
                None
            }
        })
        .await
        .map_err(|e| AppError::Join(e.to_string()))?;
        let Some((user, step)) = checked else {
            return Ok(None);
        };
        if user.disabled || !self.repo().claim_totp_step(&user.name, step).await? {
            return Ok(None);
        }
        Ok(Some(user))
    }

    /// Disables a desk user: no more log-ins, and the desk ends their open
    /// sessions at their next request (it reads the user on every one).
    pub async fn disable_user(&self, name: &str) -> Result<(), AppError> {
        if !self.repo().set_disabled(name, true).await? {
            return Err(AppError::NoUser(name.to_owned()));
        }
        Ok(())
    }

    /// The intake's state: recipients, database, pepper, limits. With
    /// `embedded` (the one-process default) receipts go to the local log
    /// at once; an intake on its own machine leaves them to the desk, which
    /// appends them when it pulls. No identity is read here, so it starts
    /// on a machine that holds none.
    pub async fn intake(&self, embedded: bool) -> Result<Arc<Intake>, AppError> {
        let config = &self.dir.config.intake;
        let limits = IntakeLimits {
            max_file_bytes: config.max_file,
            max_source_bytes: config.max_source,
            part_bytes: config.part_size.max(64 << 10),
            max_message_bytes: config.max_message as usize,
            session_idle: Duration::from_secs(config.session_idle_minutes * 60),
            login_attempts_per_codename: config.login_attempts_per_codename,
            login_window: Duration::from_secs(60),
            retention_days: config.retention_days,
            unused_source_days: config.unused_source_days,
            abandoned_upload_days: config.abandoned_upload_days,
            ..IntakeLimits::default()
        };
        let kdf = KeyDerivation {
            memory_kib: config.kdf_memory_mib * 1024,
            passes: config.kdf_passes,
            ..KeyDerivation::default()
        };
        // Pulling is set up when the API key file exists (`trove intake-kit`).
        let api_key = match trove_keys::read_secret(&self.dir.api_key_file()) {
            Ok(key) => Some(api_key_hash(&key)),
            Err(trove_keys::KeyError::Missing { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        let intake = Intake::new(
            self.sealer()?,
            self.repo.clone(),
            self.pepper()?,
            kdf,
            limits,
            config.newsroom.clone(),
            embedded.then(|| self.dir.ledger()),
            api_key,
        )?;
        spawn_retention(Arc::clone(&intake)).await;
        Ok(intake)
    }

    /// The intake's pepper, created on first use (mode 0600). It lives with
    /// the keys, not in the database, so a stolen database alone cannot be
    /// used to test codename guesses.
    fn pepper(&self) -> Result<Pepper, AppError> {
        let path = self.dir.keys_dir().join(PEPPER_FILE);
        match trove_keys::read_secret(&path) {
            Ok(text) => {
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| AppError::BadPepper(path.clone().into()))?;
                Ok(Pepper::from_bytes(bytes))
            }
            Err(trove_keys::KeyError::Missing { .. }) => {
                let pepper = Pepper::generate()?;
                trove_keys::write_secret(&path, &hex::encode(pepper.as_bytes()))?;
                Ok(pepper)
            }
            Err(e) => Err(e.into()),
        }
    }
}
