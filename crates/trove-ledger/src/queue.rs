//! The receipt queue. A receipt appended the moment its submission
//! completes would tell anyone who polls the log when a source submitted,
//! to the second. So receipts wait here, one file per submission named by
//! its day and id, and a day's receipts are appended in one batch after the
//! day has ended, ordered by submission id (random), never by arrival.
//!
//! A batch is all or nothing across a crash: the names it takes and the
//! log's size before it are written to `batch` first; whoever opens the
//! log next (holding its lock) finds the batch and either appends it (the
//! log has not grown) or only clears the queue (it has), so no receipt is
//! lost or appended twice.

use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use trove_store::{Day, SubmissionId};

use crate::LedgerError;
use crate::log::{LogWriter, sync_dir, write_durably};

const BATCH: &str = "batch";
const SUFFIX: &str = ".receipt";

/// Which queued receipts a batch takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// The receipts of days before this one: the daily batch, run after
    /// 00:00 UTC with today's date.
    Before(Day),
    /// Every queued receipt, today's included. This tells the time of the
    /// batch (and so bounds the time of today's submissions): for demos,
    /// tests and a newsroom that chooses it.
    All,
}

/// A receipt the batch appended: its submission, day and log index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendedReceipt {
    pub submission: SubmissionId,
    pub day: Day,
    pub index: u64,
}

/// A queued receipt, as its file name says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Queued {
    day: Day,
    submission: SubmissionId,
}

impl Queued {
    fn file_name(&self) -> String {
        format!("{}.{}{SUFFIX}", self.day, self.submission)
    }

    fn parse(name: &str) -> Option<Queued> {
        let (day, rest) = name.strip_suffix(SUFFIX)?.split_once('.')?;
        Some(Queued {
            day: Day::from_str(day).ok()?,
            submission: SubmissionId::from_str(rest).ok()?,
        })
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> LedgerError + '_ {
    move |source| LedgerError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The queue folder (beside the log, never served).
#[derive(Debug, Clone)]
pub(crate) struct ReceiptQueue {
    pub(crate) dir: PathBuf,
}

impl ReceiptQueue {
    /// Queues a signed receipt entry. Queuing one twice keeps one.
    pub(crate) fn push(&self, day: Day, submission: SubmissionId, entry: &[u8]) -> Result<(), LedgerError> {
        fs::create_dir_all(&self.dir).map_err(io_error(&self.dir))?;
        let queued = Queued { day, submission };
        write_durably(&self.dir.join(queued.file_name()), entry)
    }

    /// The queued receipts, in batch order (day, then submission id).
    fn list(&self) -> Result<Vec<Queued>, LedgerError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&self.dir)(e)),
        };
        let mut queued = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_error(&self.dir))?;
            if let Some(q) = entry.file_name().to_str().and_then(Queued::parse) {
                queued.push(q);
            }
        }
        queued.sort();
        Ok(queued)
    }

    /// How many receipts wait.
    pub(crate) fn len(&self) -> Result<usize, LedgerError> {
        Ok(self.list()?.len())
    }

    fn read(&self, queued: &Queued) -> Result<Vec<u8>, LedgerError> {
        let path = self.dir.join(queued.file_name());
        fs::read(&path).map_err(io_error(&path))
    }

    /// Appends the due receipts to `log` as one batch.
    pub(crate) fn append_due(&self, log: &mut LogWriter, due: Due) -> Result<Vec<AppendedReceipt>, LedgerError> {
        // A batch cut short by a crash is finished first.
        self.finish(log)?;
        self.begin(log, due)?;
        self.finish(log)
    }

    /// Records the batch of the due receipts (if any) in `batch`, with the
    /// log's size before it.
    fn begin(&self, log: &LogWriter, due: Due) -> Result<(), LedgerError> {
        let batch: Vec<Queued> = self
            .list()?
            .into_iter()
            .filter(|q| match due {
                Due::Before(today) => q.day < today,
                Due::All => true,
            })
            .collect();
        if batch.is_empty() {
            return Ok(());
        }
        let mut record = format!("{}\n", log.size());
        for queued in &batch {
            record.push_str(&queued.file_name());
            record.push('\n');
        }
        write_durably(&self.dir.join(BATCH), record.as_bytes())
    }

    /// Completes the batch recorded in `batch`, if there is one: appends it
    /// unless the log already holds it, then clears the queue of it.
    pub(crate) fn finish(&self, log: &mut LogWriter) -> Result<Vec<AppendedReceipt>, LedgerError> {
        let path = self.dir.join(BATCH);
        let record = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&path)(e)),
        };
        let malformed = || LedgerError::Append(format!("the receipt batch record {} is malformed", path.display()));
        let mut lines = record.lines();
        let before: u64 = lines.next().and_then(|l| l.parse().ok()).ok_or_else(malformed)?;
        let batch: Vec<Queued> = lines.map(Queued::parse).collect::<Option<_>>().ok_or_else(malformed)?;
        let count = batch.len() as u64;
        let size = log.size();
        if size == before {
            let entries = batch.iter().map(|q| self.read(q)).collect::<Result<Vec<_>, _>>()?;
            log.append(&entries)?;
        } else if size != before + count {
            // Only a batch appends while this record exists, and every
            // writer finishes it before anything else: any other size
            // means the queue and the log were changed by hand.
            return Err(LedgerError::Append(format!(
                "a receipt batch of {count} began at log size {before}, but the log now has {size} entries"
            )));
        }
        for queued in &batch {
            let file = self.dir.join(queued.file_name());
            match fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(&file)(e)),
            }
        }
        fs::remove_file(&path).map_err(io_error(&path))?;
        sync_dir(&self.dir)?;
        Ok(batch
            .into_iter()
            .zip(before..)
            .map(|(q, index)| AppendedReceipt {
                submission: q.submission,
                day: q.day,
                index,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trove_keys::NoteSigningKey;

    fn log(root: &Path) -> LogWriter {
        LogWriter::open(root, NoteSigningKey::from_seed("example.org/log", &[7; 32])).unwrap()
    }

    fn id(byte: u8) -> SubmissionId {
        SubmissionId::from_str(&format!("{byte:02x}").repeat(16)).unwrap()
    }

    /// A queue holding three receipts: two of `day`, one of the day after.
    fn queue_of(dir: &Path, day: Day) -> ReceiptQueue {
        let queue = ReceiptQueue { dir: dir.join("queue") };
        for (byte, day) in [(0x22, day), (0x11, day), (0x33, day.plus_days(1))] {
            queue.push(day, id(byte), format!("receipt {byte}").as_bytes()).unwrap();
        }
        queue
    }

    #[test]
    fn a_batch_cut_short_before_its_append_is_appended_by_the_next_writer() {
        let tmp = tempfile::tempdir().unwrap();
        let day: Day = "2026-11-02".parse().unwrap();
        let queue = queue_of(tmp.path(), day);
        {
            let writer = log(&tmp.path().join("log"));
            queue.begin(&writer, Due::Before(day.plus_days(1))).unwrap();
            // The process dies here.
        }
        let mut writer = log(&tmp.path().join("log"));
        let appended = queue.finish(&mut writer).unwrap();
        assert_eq!(
            appended.iter().map(|r| (r.submission, r.index)).collect::<Vec<_>>(),
            [(id(0x11), 0), (id(0x22), 1)]
        );
        assert_eq!((writer.size(), queue.len().unwrap()), (2, 1));
        assert!(
            queue.finish(&mut writer).unwrap().is_empty(),
            "nothing is appended twice"
        );
    }

    #[test]
    fn a_batch_cut_short_after_its_append_is_not_appended_again() {
        let tmp = tempfile::tempdir().unwrap();
        let day: Day = "2026-11-02".parse().unwrap();
        let queue = queue_of(tmp.path(), day);
        {
            let mut writer = log(&tmp.path().join("log"));
            queue.begin(&writer, Due::All).unwrap();
            let entries: Vec<Vec<u8>> = queue.list().unwrap().iter().map(|q| queue.read(q).unwrap()).collect();
            writer.append(&entries).unwrap();
            // The process dies before the queue is cleared.
        }
        let mut writer = log(&tmp.path().join("log"));
        assert_eq!(queue.finish(&mut writer).unwrap().len(), 3);
        assert_eq!((writer.size(), queue.len().unwrap()), (3, 0));
    }

    #[test]
    fn a_log_changed_under_a_batch_is_an_error_not_a_guess() {
        let tmp = tempfile::tempdir().unwrap();
        let queue = queue_of(tmp.path(), "2026-11-02".parse().unwrap());
        let mut writer = log(&tmp.path().join("log"));
        queue.begin(&writer, Due::All).unwrap();
        writer.append(&[b"something else".to_vec()]).unwrap();
        let error = queue.finish(&mut writer).unwrap_err().to_string();
        assert!(error.contains("began at log size 0, but the log now has 1"), "{error}");
        assert_eq!(queue.len().unwrap(), 3, "nothing queued is dropped");
    }
}
