//! A deterministic synthetic leak with known ground truth.
//!
//! [`generate`] writes, under one output folder:
//!
//! * `cache/`: the leak. Loose `.eml` mail and `.mbox` mailboxes (threads
//!   between people of eight organisations in seven countries, some with
//!   attachments, a share DKIM-signed with rsa-sha256 or ed25519-sha256 and
//!   a share of those changed after signing), diplomatic-cable-like texts,
//!   PDFs with a text layer, DOCX and XLSX with realistic metadata, plain
//!   text in UTF-8, windows-1251 and UTF-16, CSV and HTML, and nesting:
//!   `bundle-N.zip/mail.mbox/#3/…` and `archive-N.tar.gz/transfer/inner-N.zip/…`.
//! * `published/<corpus>/`: published corpora that overlap the cache by
//!   exact copies, near-duplicates (edited, re-wrapped, re-encoded; their
//!   word 5-shingle Jaccard recorded) and partial quotations (a passage of
//!   a cache document inside an unrelated article), plus unrelated filler;
//!   `published/corpora.json` names each corpus's publisher and date.
//! * `dkim-keys.txt`: `selector._domainkey.domain <TXT record>` per signing
//!   domain.
//! * `truth.json`: every document written, with its provenance path, type,
//!   DKIM state, tampering, overlap class, corpus and similarity, and the
//!   novel shares by count and bytes. See `docs/corpus.md`.
//!
//! Same seed, same bytes. Generation streams: each top-level file is
//! written as soon as it is complete, so memory does not grow with `size`.
//!
//! This crate must never read the clock or the environment: its output is a
//! function of [`Spec`] alone.
//!
//! ```no_run
//! let spec = trove_corpus::Spec { seed: 7, size: 2 << 20, published_share: 0.45, footer: false };
//! let summary = trove_corpus::generate("corpus".as_ref(), &spec, |_done, _total| {})?;
//! println!("{} documents, {:.0}% novel", summary.documents, summary.novel_share_count * 100.0);
//! # Ok::<(), trove_corpus::CorpusError>(())
//! ```

mod dkim;
mod formats;
mod mail;
mod text;
mod truth;

use std::fs;
use std::path::{Path, PathBuf};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::OffsetDateTime;

use dkim::{Canon, DkimKey};
use formats::{DocMeta, Encoding};
use mail::{Attachment, Message};
use text::{ORGANISATIONS, Person, Prose};
use truth::{Dkim, Overlap, TruthEntry, TruthWriter};

pub use text::{jaccard, shingles, words};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub seed: u64,
    /// Target size of `cache/` on disk, in bytes.
    pub size: u64,
    /// Share of the cache's content documents (by count) that appear in a
    /// published corpus.
    pub published_share: f64,
    /// Whether every message ends with the same confidentiality footer
    /// ([`FOOTER`]), as a ministry's mail server adds one: its published
    /// copies then carry it too, and overlap must tell it from publication.
    pub footer: bool,
}

/// The footer of [`Spec::footer`].
pub const FOOTER: &str = "CONFIDENTIALITY NOTICE: This message and any attachments are intended solely for the \
addressee and may contain confidential or privileged information. If you have received it in error, please \
notify the sender immediately, delete it from your system and do not copy, disclose or distribute its contents \
to any other person.";

/// What was generated.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub documents: usize,
    pub content_documents: usize,
    pub cache_bytes: u64,
    pub published_files: usize,
    pub novel_share_count: f64,
    pub novel_share_bytes: f64,
    pub dkim_domains: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0} already holds a corpus (cache/ exists); choose an empty or new folder")]
    NotEmpty(PathBuf),
    #[error("invalid corpus spec: {0}")]
    Spec(String),
    #[error("writing a document failed: {0}")]
    Format(String),
}

/// The published corpora the generator writes: name, publisher, date, URL.
pub const CORPORA: &[(&str, &str, &str, &str)] = &[
    (
        "evening-courier-2014",
        "The Evening Courier",
        "2014-11-03",
        "https://courier.example/investigations/interior-files",
    ),
    (
        "kyiv-ledger-2015",
        "Kyiv Ledger",
        "2015-06-18",
        "https://ledger.example/2015/06/leaked-ministry-mail",
    ),
    (
        "paste-dump-2016",
        "anonymous paste site",
        "2016-02-09",
        "https://paste.example/dump/ministry",
    ),
];

const DKIM_SELECTORS: &[&str] = &["mail2014", "s1", "dkim", "k2015", "selector1", "default", "ed2015"];
/// Unix time of 2013-06-01 00:00 UTC; generated dates fall in the 1000 days after.
const EPOCH: i64 = 1_370_044_800;

/// What one top-level file of the cache is.
#[derive(Debug, Clone, Copy)]
enum Unit {
    Thread,
    Mailbox,
    Cable,
    Pdf,
    Docx,
    Xlsx,
    Text(Encoding),
    Csv,
    Html,
    Bundle,
    Archive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Email,
    Mbox,
    Zip,
    TarGz,
    Pdf,
    Docx,
    Xlsx,
    Cable,
    Text(Encoding),
    Csv,
    Html,
}

impl Kind {
    fn type_name(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Mbox => "mbox",
            Kind::Zip => "zip",
            Kind::TarGz => "tar.gz",
            Kind::Pdf => "pdf",
            Kind::Docx => "docx",
            Kind::Xlsx => "xlsx",
            Kind::Cable | Kind::Text(_) => "text",
            Kind::Csv => "csv",
            Kind::Html => "html",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Kind::Email => "eml",
            Kind::Mbox => "mbox",
            Kind::Zip => "zip",
            Kind::TarGz => "tar.gz",
            Kind::Pdf => "pdf",
            Kind::Docx => "docx",
            Kind::Xlsx => "xlsx",
            Kind::Cable | Kind::Text(_) => "txt",
            Kind::Csv => "csv",
            Kind::Html => "html",
        }
    }

    fn is_container(self) -> bool {
        matches!(self, Kind::Mbox | Kind::Zip | Kind::TarGz)
    }
}

/// A generated document and, for containers and mail, its children.
struct Doc {
    name: String,
    kind: Kind,
    bytes: Vec<u8>,
    /// The document's text when its bytes are exactly that text in UTF-8:
    /// only such documents are near-duplicated or quoted, so that spans are
    /// byte offsets into the file.
    plain_text: Option<String>,
    /// A sentence the document's extracted text must contain.
    sample: Option<String>,
    dkim: Dkim,
    tampered: bool,
    /// A message's place in its thread.
    thread: Option<Thread>,
    children: Vec<Doc>,
}

/// A message's id, the message it replies to, the bytes of its body that
/// quote that message, and the share of its text's words they hold.
#[derive(Debug, Clone)]
struct Thread {
    id: String,
    replies_to: Option<String>,
    quoted_bytes: usize,
    quoted_share: f64,
}

/// The share of a document's words one published document must cover to
/// make it a partial overlap (trove's default `overlap.partial_share`).
pub const PARTIAL_SHARE: f64 = 0.20;

impl Doc {
    fn leaf(name: String, kind: Kind, bytes: Vec<u8>, sample: Option<String>) -> Self {
        Doc {
            name,
            kind,
            bytes,
            plain_text: None,
            sample,
            dkim: Dkim::None,
            tampered: false,
            thread: None,
            children: Vec::new(),
        }
    }
}

/// The first `count` words of `text`, joined by single spaces.
fn first_words(text: &str, count: usize) -> String {
    text.split_whitespace().take(count).collect::<Vec<_>>().join(" ")
}

/// Generates a corpus into `out`. `progress(done, total)` is called with
/// cache bytes written.
pub fn generate(out: &Path, spec: &Spec, mut progress: impl FnMut(u64, u64)) -> Result<Summary, CorpusError> {
    if !(0.0..=1.0).contains(&spec.published_share) {
        return Err(CorpusError::Spec(format!(
            "published share {} is not between 0 and 1",
            spec.published_share
        )));
    }
    if out.join("cache").exists() {
        return Err(CorpusError::NotEmpty(out.to_owned()));
    }
    let mut generator = Generator::new(out, spec)?;
    while generator.cache_bytes < spec.size {
        generator.unit()?;
        progress(generator.cache_bytes.min(spec.size), spec.size);
    }
    generator.finish()
}

struct Generator {
    out: PathBuf,
    spec: Spec,
    rng: ChaCha8Rng,
    prose: Prose,
    people: Vec<Person>,
    keys: Vec<Option<(DkimKey, &'static str)>>,
    truth: TruthWriter,
    cache_bytes: u64,
    published_files: usize,
    counter: usize,
    message_counter: usize,
    /// Messages published so far, with their corpus and published path: a
    /// reply is published only when the message it quotes is (so no
    /// unpublished text appears inside a published message), and an
    /// unpublished reply to a published message holds published text (the
    /// quote), so it is a partial overlap.
    published_messages: std::collections::HashMap<String, (&'static str, String)>,
    units: usize,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> CorpusError + '_ {
    move |source| CorpusError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Generator {
    fn new(out: &Path, spec: &Spec) -> Result<Self, CorpusError> {
        for dir in ["cache/mail", "cache/mailboxes", "cache/cables", "cache/documents"] {
            let path = out.join(dir);
            fs::create_dir_all(&path).map_err(io_err(&path))?;
        }
        for (name, ..) in CORPORA {
            let path = out.join("published").join(name);
            fs::create_dir_all(&path).map_err(io_err(&path))?;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let people = text::people(&mut rng);
        // Every organisation but the last signs its mail: even ones with RSA,
        // odd ones with Ed25519.
        let mut keys = Vec::new();
        let mut records = String::new();
        for (index, org) in ORGANISATIONS.iter().enumerate() {
            if index + 1 == ORGANISATIONS.len() {
                keys.push(None);
                continue;
            }
            let key = if index % 2 == 0 {
                DkimKey::rsa(&mut rng)?
            } else {
                DkimKey::ed25519(rng.r#gen())
            };
            let selector = DKIM_SELECTORS[index];
            records.push_str(&format!("{selector}._domainkey.{} {}\n", org.domain, key.txt_record()));
            keys.push(Some((key, selector)));
        }
        let keys_path = out.join("dkim-keys.txt");
        fs::write(&keys_path, records).map_err(io_err(&keys_path))?;
        let corpora_path = out.join("published/corpora.json");
        let corpora: Vec<serde_json::Value> = CORPORA
            .iter()
            .map(|(name, publisher, date, url)| serde_json::json!({"name": name, "publisher": publisher, "date": date, "url": url}))
            .collect();
        fs::write(&corpora_path, serde_json::to_vec_pretty(&corpora).expect("json")).map_err(io_err(&corpora_path))?;
        Ok(Generator {
            out: out.to_owned(),
            spec: spec.clone(),
            rng,
            prose: Prose::default(),
            people,
            keys,
            truth: TruthWriter::create(&out.join("truth.json"))?,
            cache_bytes: 0,
            published_files: 0,
            counter: 0,
            message_counter: 0,
            published_messages: Default::default(),
            units: 0,
        })
    }

    fn finish(self) -> Result<Summary, CorpusError> {
        let shares = self.truth.finish(self.spec.seed, self.spec.published_share)?;
        Ok(Summary {
            documents: shares.documents,
            content_documents: shares.content_documents,
            cache_bytes: self.cache_bytes,
            published_files: self.published_files,
            novel_share_count: shares.novel_share_count,
            novel_share_bytes: shares.novel_share_bytes,
            dkim_domains: self.keys.iter().flatten().count(),
        })
    }

    fn next_number(&mut self) -> usize {
        self.counter += 1;
        self.counter
    }

    fn date(&mut self) -> OffsetDateTime {
        let seconds = EPOCH + self.rng.gen_range(0..1000 * 86_400);
        OffsetDateTime::from_unix_timestamp(seconds).expect("dates in range")
    }

    /// Draws the kind of the next top-level file. The first draws go
    /// through every kind once, so that even a tiny corpus has them all.
    fn draw_unit(&mut self) -> Unit {
        const SCHEDULE: &[Unit] = &[
            Unit::Thread,
            Unit::Mailbox,
            Unit::Cable,
            Unit::Pdf,
            Unit::Docx,
            Unit::Xlsx,
            Unit::Text(Encoding::Utf8),
            Unit::Text(Encoding::Windows1251),
            Unit::Text(Encoding::Utf16LeBom),
            Unit::Csv,
            Unit::Html,
            Unit::Bundle,
            Unit::Archive,
        ];
        if let Some(unit) = SCHEDULE.get(self.units) {
            self.units += 1;
            return *unit;
        }
        match self.rng.gen_range(0..100) {
            0..22 => Unit::Thread,
            22..28 => Unit::Mailbox,
            28..42 => Unit::Cable,
            42..52 => Unit::Pdf,
            52..60 => Unit::Docx,
            60..65 => Unit::Xlsx,
            65..75 => Unit::Text(
                *[
                    Encoding::Utf8,
                    Encoding::Utf8,
                    Encoding::Windows1251,
                    Encoding::Utf16LeBom,
                ]
                .choose(&mut self.rng)
                .expect("encodings"),
            ),
            75..80 => Unit::Csv,
            80..86 => Unit::Html,
            86..95 => Unit::Bundle,
            _ => Unit::Archive,
        }
    }

    /// Writes one top-level file of the cache (a thread writes several).
    fn unit(&mut self) -> Result<(), CorpusError> {
        let n = self.next_number();
        let (dir, doc) = match self.draw_unit() {
            Unit::Thread => {
                let mut thread = self.thread()?;
                let last = thread.pop().expect("threads have a message");
                for (i, mut message) in thread.into_iter().enumerate() {
                    message.name = format!("{n:05}-{i}.eml");
                    self.emit("mail", message)?;
                }
                (
                    "mail",
                    Doc {
                        name: format!("{n:05}.eml"),
                        ..last
                    },
                )
            }
            Unit::Mailbox => {
                let owner = self.people[n % self.people.len()]
                    .address
                    .split('@')
                    .next()
                    .unwrap_or("box")
                    .to_owned();
                ("mailboxes", self.mbox(format!("{owner}-{n:05}.mbox"), 3)?)
            }
            Unit::Cable => ("cables", self.cable(format!("{n:05}.txt"))),
            Unit::Pdf => ("documents", self.pdf(format!("memo-{n:05}.pdf"))?),
            Unit::Docx => ("documents", self.docx(format!("report-{n:05}.docx"))?),
            Unit::Xlsx => ("documents", self.xlsx(format!("payments-{n:05}.xlsx"))?),
            Unit::Text(encoding) => ("documents", self.text_doc(format!("notes-{n:05}.txt"), encoding)),
            Unit::Csv => ("documents", self.csv(format!("transfers-{n:05}.csv"))),
            Unit::Html => ("documents", self.html(format!("page-{n:05}.html"))),
            Unit::Bundle => ("", self.zip_bundle(format!("bundle-{n:05}.zip"))?),
            Unit::Archive => ("", self.tar_archive(n)?),
        };
        self.emit(dir, doc)
    }

    /// Writes a top-level document to `cache/dir/` and records it.
    fn emit(&mut self, dir: &str, doc: Doc) -> Result<(), CorpusError> {
        let relative = if dir.is_empty() {
            doc.name.clone()
        } else {
            format!("{dir}/{}", doc.name)
        };
        let path = self.out.join("cache").join(&relative);
        fs::write(&path, &doc.bytes).map_err(io_err(&path))?;
        self.cache_bytes += doc.bytes.len() as u64;
        let parent = relative
            .rsplit_once('/')
            .map(|(parent, _)| parent.to_owned())
            .unwrap_or_default();
        self.record(&doc, &parent, None)
    }

    /// Adds a document (and its children) to the truth, and publishes it if
    /// the draw says so.
    /// `inside`: the corpus and published path of a published message this
    /// document is attached to (it was published with it).
    fn record(&mut self, doc: &Doc, parent: &str, inside: Option<(&'static str, String)>) -> Result<(), CorpusError> {
        let path = if parent.is_empty() {
            doc.name.clone()
        } else {
            format!("{parent}/{}", doc.name)
        };
        let mut entry = TruthEntry {
            path: path.clone(),
            r#type: doc.kind.type_name(),
            container: doc.kind.is_container(),
            encoding: match doc.kind {
                Kind::Text(encoding) => Some(encoding.name()),
                Kind::Cable => Some("utf-8"),
                _ => None,
            },
            bytes: doc.bytes.len() as u64,
            dkim: doc.dkim,
            tampered: doc.tampered,
            overlap: Overlap::New,
            corpus: None,
            similarity: None,
            covered_bytes: 0,
            span: None,
            published_path: None,
            sample: doc.sample.clone(),
        };
        let quoted = doc.thread.as_ref().and_then(|t| {
            t.replies_to
                .as_ref()
                .map(|parent| (parent, t.quoted_bytes, t.quoted_share))
        });
        let quotes_unpublished = quoted.is_some_and(|(parent, ..)| !self.published_messages.contains_key(parent));
        if let Some((corpus, published_path)) = &inside {
            // An attachment of a published message was published with it.
            entry.overlap = Overlap::Exact;
            entry.corpus = Some(corpus);
            entry.similarity = Some(1.0);
            entry.covered_bytes = entry.bytes;
            entry.published_path = Some(format!("{published_path}/{}", doc.name));
        } else if !entry.container && self.rng.gen_bool(self.spec.published_share) && !quotes_unpublished {
            self.publish(doc, &mut entry)?;
            if let (Some(thread), Some(corpus), Some(path)) = (&doc.thread, entry.corpus, &entry.published_path) {
                self.published_messages
                    .insert(thread.id.clone(), (corpus, path.clone()));
            }
        } else if let Some((parent, quoted_bytes, quoted_share)) = quoted
            && quoted_share >= PARTIAL_SHARE
            && let Some((corpus, path)) = self.published_messages.get(parent)
        {
            // Its quote of a published message is published text, and
            // enough of it to make the reply partial (a shorter quote is a
            // quotation in a new document).
            entry.overlap = Overlap::Partial;
            entry.corpus = Some(corpus);
            entry.covered_bytes = quoted_bytes as u64;
            entry.similarity = Some(((quoted_bytes as f64 / entry.bytes as f64) * 1000.0).round() / 1000.0);
            entry.published_path = Some(path.clone());
        }
        // A published message carries its attachments.
        let carried = match (&entry.overlap, doc.kind) {
            (Overlap::Exact, Kind::Email) => entry.corpus.zip(entry.published_path.clone()),
            _ => None,
        };
        self.truth.push(&entry)?;
        for child in &doc.children {
            self.record(child, &path, carried.clone())?;
        }
        Ok(())
    }

    fn publish(&mut self, doc: &Doc, entry: &mut TruthEntry) -> Result<(), CorpusError> {
        let (corpus, ..) = *CORPORA.choose(&mut self.rng).expect("corpora");
        let number = self.next_number();
        let class = match &doc.plain_text {
            Some(_) => *[
                Overlap::Exact,
                Overlap::Near,
                Overlap::Near,
                Overlap::Partial,
                Overlap::Partial,
            ]
            .choose(&mut self.rng)
            .expect("classes"),
            None => Overlap::Exact,
        };
        let (file, bytes, similarity, covered, span) = match (class, &doc.plain_text) {
            (Overlap::Near, Some(text)) => {
                let (edited, similarity) = self.near_duplicate(text);
                (
                    format!("{number:05}-reprint.txt"),
                    edited,
                    similarity,
                    doc.bytes.len() as u64,
                    None,
                )
            }
            (Overlap::Partial, Some(text)) => {
                let (article, containment, span) = self.quotation(text);
                (
                    format!("{number:05}-article.txt"),
                    article.into_bytes(),
                    containment,
                    (span.1 - span.0) as u64,
                    Some(span),
                )
            }
            _ => (
                format!("{number:05}-copy.{}", doc.kind.extension()),
                doc.bytes.clone(),
                1.0,
                doc.bytes.len() as u64,
                None,
            ),
        };
        let relative = format!("{corpus}/{file}");
        let path = self.out.join("published").join(&relative);
        fs::write(&path, bytes).map_err(io_err(&path))?;
        self.published_files += 1;
        // One unrelated article for every four overlapping files, so that a
        // corpus is more than the cache's echo.
        if self.rng.gen_bool(0.25) {
            let filler = self.prose.paragraphs(&mut self.rng, 3000).join("\n\n");
            let path = self
                .out
                .join("published")
                .join(corpus)
                .join(format!("{number:05}-news.txt"));
            fs::write(&path, filler).map_err(io_err(&path))?;
            self.published_files += 1;
        }
        entry.overlap = class;
        entry.corpus = Some(corpus);
        entry.similarity = Some((similarity * 1000.0).round() / 1000.0);
        entry.covered_bytes = covered;
        entry.span = span;
        entry.published_path = Some(relative);
        Ok(())
    }

    /// An edited, re-wrapped and possibly re-encoded copy whose word
    /// 5-shingle Jaccard with the original is between 0.8 and 1.
    fn near_duplicate(&mut self, text: &str) -> (Vec<u8>, f64) {
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut rate: f64 = self.rng.gen_range(0.004..0.02);
        loop {
            let edited: Vec<&str> = words
                .iter()
                .map(|w| {
                    if self.rng.gen_bool(rate) {
                        *["reportedly", "allegedly", "officially", "also"]
                            .choose(&mut self.rng)
                            .expect("edits")
                    } else {
                        w
                    }
                })
                .collect();
            let newline = if self.rng.gen_bool(0.5) { "\r\n" } else { "\n" };
            let rewrapped = text::wrap(&edited.join(" "), self.rng.gen_range(55..90), newline);
            let similarity = jaccard(text, &rewrapped);
            if similarity >= 0.8 {
                let encoding = if self.rng.gen_bool(0.3) {
                    Encoding::Utf16LeBom
                } else {
                    Encoding::Utf8
                };
                return (encoding.encode(&rewrapped), similarity);
            }
            rate /= 2.0;
        }
    }

    /// An unrelated article quoting 25–45 % of `text` verbatim (whitespace
    /// folded). Returns the article, the containment of the document's
    /// shingles in it, and the quoted byte span of the document.
    fn quotation(&mut self, text: &str) -> (String, f64, (usize, usize)) {
        let starts: Vec<usize> = text
            .char_indices()
            .filter(|&(i, c)| !c.is_whitespace() && (i == 0 || text[..i].ends_with(char::is_whitespace)))
            .map(|(i, _)| i)
            .collect();
        // Clear of the partial share, so that the class does not hang on
        // how words are counted at the passage's edges.
        let share = self.rng.gen_range(0.25..0.45);
        let quoted_words = ((starts.len() as f64 * share) as usize).max(6);
        let first = self.rng.gen_range(0..=starts.len().saturating_sub(quoted_words + 1));
        let start = starts[first];
        let end = starts
            .get(first + quoted_words)
            .map(|&i| text[..i].trim_end().len())
            .unwrap_or(text.len());
        let passage = text[start..end].split_whitespace().collect::<Vec<_>>().join(" ");
        let before = self.prose.paragraphs(&mut self.rng, 1500).join("\n\n");
        let after = self.prose.paragraphs(&mut self.rng, 1500).join("\n\n");
        let article =
            format!("{before}\n\nThe documents seen by this newspaper read, in part: \"{passage}\"\n\n{after}\n");
        let doc_shingles = text::shingles(text);
        let article_shingles = text::shingles(&article);
        let containment =
            doc_shingles.intersection(&article_shingles).count() as f64 / doc_shingles.len().max(1) as f64;
        (article, containment, (start, end))
    }

    /// Paragraphs totalling a length drawn from `bytes`.
    fn paragraphs_of(&mut self, bytes: std::ops::Range<usize>) -> Vec<String> {
        let target = self.rng.gen_range(bytes);
        self.prose.paragraphs(&mut self.rng, target)
    }

    fn pick_people(&mut self, count: usize) -> Vec<Person> {
        let mut chosen: Vec<Person> = self.people.choose_multiple(&mut self.rng, count).cloned().collect();
        chosen.sort_by(|a, b| a.address.cmp(&b.address));
        chosen
    }

    /// Metadata for an office document or PDF by a random author.
    fn office_meta(&mut self) -> DocMeta {
        let author = self.pick_people(1).remove(0);
        let created = self.date();
        let modified = created + time::Duration::seconds(self.rng.gen_range(600..90 * 86_400));
        let title = first_words(&self.prose.sentence(&mut self.rng), 6);
        DocMeta {
            title,
            author: author.name,
            company: ORGANISATIONS[author.org].name,
            created,
            modified,
            revision: self.rng.gen_range(1..40),
        }
    }

    /// A thread of 1–4 messages between 2–3 people, each reply quoting its
    /// parent.
    fn thread(&mut self) -> Result<Vec<Doc>, CorpusError> {
        let count = self.rng.gen_range(2..=3);
        let cast = self.pick_people(count);
        let subject = first_words(&self.prose.sentence(&mut self.rng), 5);
        let mut date = self.date();
        let mut messages = Vec::new();
        let mut references: Vec<String> = Vec::new();
        let mut previous: Option<(String, String)> = None;
        for i in 0..self.rng.gen_range(1..=4) {
            let from = &cast[i % cast.len()];
            let to: Vec<&Person> = cast.iter().filter(|p| p.address != from.address).collect();
            self.message_counter += 1;
            let domain = from.address.split('@').nth(1).unwrap_or("example");
            let message_id = format!("{:08x}.{}@{domain}", self.rng.r#gen::<u32>(), self.message_counter);
            let mut body = String::new();
            if self.rng.gen_bool(0.1) {
                // Unquoted, this line would be read as an mbox separator.
                body.push_str(&format!("From the office of {}:\n\n", from.name));
            }
            body.push_str(&format!("{},\n\n", to[0].name.split(' ').next().unwrap_or("Colleague")));
            let paragraphs: Vec<String> = (0..self.rng.gen_range(1..=4))
                .map(|_| self.prose.paragraph(&mut self.rng))
                .collect();
            let sample = first_words(&paragraphs[0], 10);
            for paragraph in &paragraphs {
                body.push_str(&text::wrap(paragraph, 72, "\n"));
                body.push_str("\n\n");
            }
            let org = &ORGANISATIONS[from.org];
            body.push_str(&format!(
                "Regards,\n{}\n{}, {}, {}\n",
                from.name, org.name, org.city, org.country
            ));
            if self.spec.footer {
                body.push_str(&format!("\n{}\n", text::wrap(FOOTER, 72, "\n")));
            }
            // The reply quotes what its parent wrote (not the parent's own
            // quotes): trimmed quoting, as many clients do.
            let own = body.clone();
            let mut quoted_bytes = 0;
            if let Some((parent_name, parent_body)) = &previous {
                body.push_str(&format!("\nOn {}, {parent_name} wrote:\n", mail::rfc2822(date)));
                let start = body.len();
                for line in parent_body.lines() {
                    body.push_str(&format!("> {line}\n"));
                }
                quoted_bytes = body.len() - start;
            }
            let attached = if self.rng.gen_bool(0.25) {
                Some(self.attachment()?)
            } else {
                None
            };
            let attachment = attached.as_ref().map(|doc| Attachment {
                name: doc.name.clone(),
                mime: match doc.kind {
                    Kind::Pdf => "application/pdf",
                    Kind::Csv => "text/csv",
                    _ => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                },
                bytes: doc.bytes.clone(),
            });
            let mut message = Message {
                from,
                to,
                subject: if i == 0 {
                    subject.clone()
                } else {
                    format!("Re: {subject}")
                },
                date,
                message_id: message_id.clone(),
                in_reply_to: previous.as_ref().and(references.last().cloned()),
                references: references.clone(),
                body: body.clone(),
                attachment,
            };
            let relay = domain.to_owned();
            let mut bytes = message.to_bytes(&relay);
            let (mut dkim, mut tampered) = (Dkim::None, false);
            if let Some((key, selector)) = &self.keys[from.org]
                && self.rng.gen_bool(0.8)
            {
                let canons = [
                    (Canon::Relaxed, Canon::Relaxed),
                    (Canon::Relaxed, Canon::Simple),
                    (Canon::Simple, Canon::Simple),
                ];
                let (header_canon, body_canon) = *canons.choose(&mut self.rng).expect("canons");
                let headers = [
                    "from",
                    "to",
                    "subject",
                    "date",
                    "message-id",
                    "in-reply-to",
                    "references",
                    "mime-version",
                    "content-type",
                ];
                let signature = dkim::sign(
                    &bytes,
                    key,
                    domain,
                    selector,
                    &headers,
                    header_canon,
                    body_canon,
                    date.unix_timestamp() + 3,
                );
                dkim = Dkim::Pass;
                if self.rng.gen_bool(0.15) {
                    // Changed after signing: the body or a signed header.
                    // (The sample may be wrapped across lines in the body;
                    // then the subject is changed, so the change is real.)
                    if self.rng.gen_bool(0.5) && message.body.contains(&sample) {
                        message.body = message.body.replacen(
                            &sample,
                            &format!("{sample} Transfer the balance to the new account today."),
                            1,
                        );
                    } else {
                        message.subject = format!("{} (revised)", message.subject);
                    }
                    bytes = message.to_bytes(&relay);
                    dkim = Dkim::Fail;
                    tampered = true;
                }
                let mut signed = signature.into_bytes();
                signed.extend(bytes);
                bytes = signed;
            }
            let children = attached.into_iter().collect();
            let replies_to = references.last().cloned();
            // Ingest reads a message's text as its subject and body.
            let text_words = text::words(&message.subject).len() + text::words(&message.body).len();
            let quoted_words = text::words(&message.body[message.body.len() - quoted_bytes..]).len();
            let quoted_share = quoted_words as f64 / text_words.max(1) as f64;
            messages.push(Doc {
                name: String::new(),
                kind: Kind::Email,
                bytes,
                plain_text: None,
                sample: Some(sample),
                dkim,
                tampered,
                thread: Some(Thread {
                    id: message_id.clone(),
                    replies_to,
                    quoted_bytes,
                    quoted_share,
                }),
                children,
            });
            references.push(message_id);
            previous = Some((from.name.clone(), own));
            date += time::Duration::seconds(self.rng.gen_range(600..3 * 86_400));
        }
        Ok(messages)
    }

    fn attachment(&mut self) -> Result<Doc, CorpusError> {
        let n = self.next_number();
        Ok(match self.rng.gen_range(0..3) {
            0 => self.pdf(format!("memo-{n}.pdf"))?,
            1 => self.csv(format!("payments-{n}.csv")),
            _ => self.docx(format!("note-{n}.docx"))?,
        })
    }

    fn mbox(&mut self, name: String, threads: usize) -> Result<Doc, CorpusError> {
        let mut bytes = Vec::new();
        let mut children = Vec::new();
        for _ in 0..self.rng.gen_range(1..=threads) {
            for mut message in self.thread()? {
                let date = OffsetDateTime::from_unix_timestamp(EPOCH).expect("epoch");
                mail::mbox_append(&mut bytes, "MAILER-DAEMON", date, &message.bytes);
                message.name = format!("#{}", children.len() + 1);
                children.push(message);
            }
        }
        Ok(Doc {
            name,
            kind: Kind::Mbox,
            bytes,
            plain_text: None,
            sample: None,
            dkim: Dkim::None,
            tampered: false,
            thread: None,
            children,
        })
    }

    fn cable(&mut self, name: String) -> Doc {
        let date = self.date();
        let post = ORGANISATIONS.choose(&mut self.rng).expect("orgs").city.to_uppercase();
        let classification = *[
            "UNCLASSIFIED",
            "CONFIDENTIAL",
            "SECRET//NOFORN",
            "CONFIDENTIAL//REL TO USA, GBR",
        ]
        .choose(&mut self.rng)
        .expect("classes");
        let subject = first_words(&self.prose.sentence(&mut self.rng), 7).to_uppercase();
        let mut text = format!(
            "{classification}\nDATE: {}\nFROM: EMBASSY {post}\nTO: SECSTATE WASHDC\nSUBJECT: {subject}\nREF: {:02}-{post}-{:04}\n\n",
            date.date(),
            date.year() % 100,
            self.rng.gen_range(1..5000)
        );
        let paragraphs = self.paragraphs_of(1500..7000);
        let sample = first_words(&paragraphs[0], 10);
        for (i, paragraph) in paragraphs.iter().enumerate() {
            text.push_str(&text::wrap(
                &format!("{}. ({}) {paragraph}", i + 1, &classification[..1]),
                70,
                "\n",
            ));
            text.push_str("\n\n");
        }
        text.push_str(&format!("{classification}\n"));
        Doc {
            plain_text: Some(text.clone()),
            ..Doc::leaf(name, Kind::Cable, text.into_bytes(), Some(sample))
        }
    }

    fn pdf(&mut self, name: String) -> Result<Doc, CorpusError> {
        let meta = self.office_meta();
        let paragraphs = self.paragraphs_of(2000..12000);
        let sample = formats::ascii_only(&first_words(&paragraphs[0], 8));
        let mut lines = vec![meta.title.clone(), String::new()];
        for paragraph in &paragraphs {
            lines.extend(text::wrap(paragraph, 90, "\n").lines().map(str::to_owned));
            lines.push(String::new());
        }
        let producer = *[
            "Microsoft Word 2013",
            "Acrobat PDFMaker 11 for Word",
            "Adobe PDF Library 15.0",
        ]
        .choose(&mut self.rng)
        .expect("producers");
        Ok(Doc::leaf(
            name,
            Kind::Pdf,
            formats::pdf(&lines, &meta, producer)?,
            Some(sample),
        ))
    }

    fn docx(&mut self, name: String) -> Result<Doc, CorpusError> {
        let meta = self.office_meta();
        let mut paragraphs = vec![meta.title.clone()];
        paragraphs.extend(self.paragraphs_of(2000..10000));
        let sample = first_words(&paragraphs[1], 10);
        Ok(Doc::leaf(
            name,
            Kind::Docx,
            formats::docx(&paragraphs, &meta)?,
            Some(sample),
        ))
    }

    fn payment_rows(&mut self, count: usize) -> Vec<Vec<String>> {
        let mut rows = vec![
            ["date", "payer", "payee", "amount", "currency", "reference"]
                .map(String::from)
                .to_vec(),
        ];
        for _ in 0..count {
            let payer = ORGANISATIONS.choose(&mut self.rng).expect("orgs").name.to_owned();
            let payee = ORGANISATIONS.choose(&mut self.rng).expect("orgs").name.to_owned();
            let amount = format!(
                "{}.{:02}",
                self.rng.gen_range(1_000..9_000_000),
                self.rng.gen_range(0..100)
            );
            let currency = (*["USD", "EUR", "RUB", "CAD", "UAH"]
                .choose(&mut self.rng)
                .expect("currencies"))
            .to_owned();
            let reference = format!(
                "INV-{}-{:05}",
                self.rng.gen_range(2013..=2016),
                self.rng.gen_range(0..100_000)
            );
            rows.push(vec![
                self.date().date().to_string(),
                payer,
                payee,
                amount,
                currency,
                reference,
            ]);
        }
        rows
    }

    fn xlsx(&mut self, name: String) -> Result<Doc, CorpusError> {
        let meta = self.office_meta();
        let count = self.rng.gen_range(20..400);
        let rows = self.payment_rows(count);
        let sample = rows[1][5].clone();
        Ok(Doc::leaf(name, Kind::Xlsx, formats::xlsx(&rows, &meta)?, Some(sample)))
    }

    fn csv(&mut self, name: String) -> Doc {
        let count = self.rng.gen_range(20..600);
        let rows = self.payment_rows(count);
        let sample = rows[1][5].clone();
        Doc::leaf(name, Kind::Csv, formats::csv(&rows).into_bytes(), Some(sample))
    }

    fn html(&mut self, name: String) -> Doc {
        let title = self.prose.sentence(&mut self.rng);
        let paragraphs = self.paragraphs_of(1500..8000);
        let sample = first_words(&paragraphs[0], 10);
        Doc::leaf(
            name,
            Kind::Html,
            formats::html(&title, &paragraphs).into_bytes(),
            Some(sample),
        )
    }

    fn text_doc(&mut self, name: String, encoding: Encoding) -> Doc {
        let target = self.rng.gen_range(2000..20000);
        let mut paragraphs = Vec::new();
        let mut length = 0;
        while length < target {
            let paragraph = match encoding {
                Encoding::Windows1251 => self.prose.russian_paragraph(&mut self.rng),
                _ if self.rng.gen_bool(0.2) => self.prose.russian_paragraph(&mut self.rng),
                _ => self.prose.paragraph(&mut self.rng),
            };
            length += paragraph.len();
            paragraphs.push(text::wrap(&paragraph, 76, "\n"));
        }
        let sample = first_words(&paragraphs[0], 8);
        let text = paragraphs.join("\n\n") + "\n";
        let mut doc = Doc::leaf(name, Kind::Text(encoding), encoding.encode(&text), Some(sample));
        if encoding == Encoding::Utf8 {
            doc.plain_text = Some(text);
        }
        doc
    }

    /// `bundle-N.zip`: a mailbox and a few documents.
    fn zip_bundle(&mut self, name: String) -> Result<Doc, CorpusError> {
        let mut children = vec![self.mbox("mail.mbox".into(), 4)?];
        for i in 0..self.rng.gen_range(1..=4) {
            let n = self.next_number();
            children.push(match i % 3 {
                0 => self.pdf(format!("scan-{n}.pdf"))?,
                1 => self.xlsx(format!("ledger-{n}.xlsx"))?,
                _ => self.cable(format!("cable-{n}.txt")),
            });
        }
        let date = self.date();
        let parts: Vec<(&str, &[u8])> = children.iter().map(|c| (c.name.as_str(), c.bytes.as_slice())).collect();
        let bytes = formats::zip_package(&parts, date)?;
        Ok(Doc {
            name,
            kind: Kind::Zip,
            bytes,
            plain_text: None,
            sample: None,
            dkim: Dkim::None,
            tampered: false,
            thread: None,
            children,
        })
    }

    /// `archive-N.tar.gz`: documents and a nested zip bundle, two levels down.
    fn tar_archive(&mut self, n: usize) -> Result<Doc, CorpusError> {
        let mut transfer = vec![
            self.zip_bundle(format!("inner-{n:05}.zip"))?,
            self.docx(format!("summary-{n}.docx"))?,
        ];
        transfer.push(self.text_doc(format!("readme-{n}.txt"), Encoding::Utf8));
        let entries: Vec<(String, Vec<u8>)> = transfer
            .iter()
            .map(|c| (format!("transfer/{}", c.name), c.bytes.clone()))
            .collect();
        let mtime = self.date().unix_timestamp() as u64;
        let bytes = mail::tar_gz(&entries, mtime)?;
        // Provenance runs through the tar's folder: archive.tar.gz/transfer/inner.zip/…
        for child in &mut transfer {
            child.name = format!("transfer/{}", child.name);
        }
        Ok(Doc {
            name: format!("archive-{n:05}.tar.gz"),
            kind: Kind::TarGz,
            bytes,
            plain_text: None,
            sample: None,
            dkim: Dkim::None,
            tampered: false,
            thread: None,
            children: transfer,
        })
    }
}
