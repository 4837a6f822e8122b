//! Containers: zip, gzip, tar, bzip2, xz and 7z, with expansion bounded by
//! ratio and size and members kept in memory (a zip-slip name is only a name).

use std::io::{Cursor, Read};

use crate::Limits;

use super::read_bounded;
use super::{Child, Extracted, Status};

pub(super) fn zip_archive(bytes: &[u8], limits: &Limits) -> Extracted {
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(e) => return Extracted::failed(format!("corrupt zip: {e}")),
    };
    let mut out = Extracted::new();
    for index in 0..archive.len() {
        let listed = match archive.name_for_index(index) {
            Some(Ok(name)) => name.into_owned(),
            _ => format!("entry-{index}"),
        };
        let entry = match archive.by_index(index) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::UnsupportedArchive(reason)) if reason.contains("assword") => {
                out.children.push(Child {
                    name: listed,
                    bytes: Err(Status::Encrypted("password-protected zip entry".into())),
                });
                continue;
            }
            Err(e) => {
                out.children.push(Child {
                    name: listed,
                    bytes: Err(Status::Failed(format!("corrupt zip entry: {e}"))),
                });
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| format!("entry-{index}"));
        if entry.encrypted() {
            out.children.push(Child {
                name,
                bytes: Err(Status::Encrypted("password-protected zip entry".into())),
            });
            continue;
        }
        let limit = limits.expansion_limit(entry.compressed_size());
        let bytes = read_bounded(entry, limit, &format!("zip entry {name}"));
        out.children.push(Child { name, bytes });
    }
    out
}

pub(super) fn gzip(bytes: &[u8], limits: &Limits) -> Extracted {
    let decoded = match read_bounded(
        flate2::read::GzDecoder::new(bytes),
        limits.expansion_limit(bytes.len() as u64),
        "gzip stream",
    ) {
        Ok(decoded) => decoded,
        Err(status) => {
            return Extracted {
                status,
                ..Extracted::new()
            };
        }
    };
    // A .tar.gz is one container: its members follow it directly.
    container_of_decoded(decoded, limits)
}

/// A bounded writer: more than `limit` bytes is an error (a bomb).
pub(super) struct LimitedWriter<'a> {
    out: &'a mut Vec<u8>,
    limit: u64,
}

impl std::io::Write for LimitedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if (self.out.len() + buf.len()) as u64 > self.limit {
            return Err(std::io::Error::other("decompression bomb"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The contents of a single-stream compressor: a tar's members, or one child.
pub(super) fn container_of_decoded(decoded: Vec<u8>, limits: &Limits) -> Extracted {
    if crate::detect::is_tar(&decoded) {
        return tar_archive(&decoded, limits);
    }
    let mut out = Extracted::new();
    out.children.push(Child {
        name: "contents".into(),
        bytes: Ok(decoded),
    });
    out
}

pub(super) fn decompressed(reader: impl Read, compressed: usize, what: &str, limits: &Limits) -> Extracted {
    match read_bounded(reader, limits.expansion_limit(compressed as u64), what) {
        Ok(decoded) => container_of_decoded(decoded, limits),
        Err(status) => Extracted {
            status,
            ..Extracted::new()
        },
    }
}

pub(super) fn seven_zip(bytes: &[u8], limits: &Limits) -> Extracted {
    let mut reader = match sevenz_rust2::ArchiveReader::new(Cursor::new(bytes), sevenz_rust2::Password::empty()) {
        Ok(reader) => reader,
        Err(sevenz_rust2::Error::PasswordRequired | sevenz_rust2::Error::MaybeBadPassword(_)) => {
            return Extracted {
                status: Status::Encrypted("password-protected 7z archive".into()),
                ..Extracted::new()
            };
        }
        Err(e) => return Extracted::failed(format!("corrupt 7z: {e}")),
    };
    let mut out = Extracted::new();
    // A 7z packs its members in solid blocks, so a member has no size of
    // its own to hold against: the ratio limit is the archive's, shared by
    // all its members, and the first member past it stops the unpacking.
    let budget = limits.expansion_limit(bytes.len() as u64);
    let mut used = 0u64;
    let result = reader.for_each_entries(|entry, content| {
        if entry.is_directory() {
            return Ok(true);
        }
        let bytes = read_bounded(
            content,
            budget.saturating_sub(used),
            &format!("7z entry {} (the archive's members together)", entry.name()),
        );
        let past_the_limit = bytes.is_err();
        used += bytes.as_ref().map_or(0, |b| b.len() as u64);
        out.children.push(Child {
            name: entry.name().to_owned(),
            bytes,
        });
        Ok(!past_the_limit)
    });
    if let Err(e) = result {
        out.status = match e {
            sevenz_rust2::Error::PasswordRequired | sevenz_rust2::Error::MaybeBadPassword(_) => {
                Status::Encrypted("password-protected 7z archive".into())
            }
            e => Status::Partial(format!("the 7z archive is damaged: {e}")),
        };
    }
    out
}

pub(super) fn tar_archive(bytes: &[u8], limits: &Limits) -> Extracted {
    let mut out = Extracted::new();
    let mut archive = tar::Archive::new(bytes);
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => return Extracted::failed(format!("corrupt tar: {e}")),
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                out.status = Status::Partial(format!("the tar is cut short or corrupt: {e}"));
                break;
            }
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "entry".into());
        let mut buffer = Vec::new();
        let bytes = match (&mut entry)
            .take(limits.max_document_bytes as u64)
            .read_to_end(&mut buffer)
        {
            Ok(_) => Ok(buffer),
            Err(e) => Err(Status::Failed(format!("tar entry {name}: {e}"))),
        };
        out.children.push(Child { name, bytes });
    }
    out
}

/// An xz stream, decoded up to the expansion limit.
pub(super) fn xz(bytes: &[u8], limits: &Limits) -> Extracted {
    let mut decoded = Vec::new();
    let limit = limits.expansion_limit(bytes.len() as u64);
    let mut writer = LimitedWriter {
        out: &mut decoded,
        limit,
    };
    match lzma_rs::xz_decompress(&mut std::io::BufReader::new(bytes), &mut writer) {
        Ok(()) => container_of_decoded(decoded, limits),
        Err(e) => Extracted::failed(format!("xz stream: {e} (corrupt, or expands past {limit} bytes)")),
    }
}
