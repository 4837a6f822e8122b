//! A static copy of the archive that any web server can host: the release
//! folders as they are, and every document page, release page, the list
//! of releases, the feed and the FollowTheMoney exports as files at the
//! paths the server uses (`d/<root>/<index>/index.html`, …). Search stays
//! with the server. `trove archive verify` checks a copy like an archive.

use std::path::Path;

use crate::server::{STYLE, document_html, feed_xml, release_html, releases_html};
use crate::{Archive, ArchiveError, RELEASE_LIST, RELEASES, copy_tree, io};

/// What an export wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StaticExport {
    pub releases: u64,
    pub document_pages: u64,
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::write(path, bytes).map_err(io(path))
}

/// Writes the static copy of `archive` into `out`.
pub fn export_static(archive: &Archive, out: &Path) -> Result<StaticExport, ArchiveError> {
    let releases = archive.releases()?;
    let mut pages = 0;
    for release in &releases {
        let folder = archive.dir().join(RELEASES).join(&release.root);
        copy_tree(&folder, &out.join(RELEASES).join(&release.root))?;
        let summary = serde_json::to_vec_pretty(release).map_err(|e| ArchiveError::Io {
            path: out.to_owned(),
            reason: e.to_string(),
        })?;
        write(&out.join(RELEASES).join(format!("{}.json", release.root)), &summary)?;
        let documents = archive.index().release_documents(&release.root)?;
        let release_dir = out.join("r").join(&release.root);
        write(
            &release_dir.join("index.html"),
            release_html(release.clone(), &documents).as_bytes(),
        )?;
        let entities = crate::ftm::entities(&release.root, &release.added, &documents);
        write(
            &release_dir.join("ftm.jsonl"),
            crate::ftm::json_lines(&entities).as_bytes(),
        )?;
        for doc in documents {
            let page = out
                .join("d")
                .join(&doc.release)
                .join(doc.index.to_string())
                .join("index.html");
            let related = archive.index().related(&doc)?;
            write(&page, document_html(doc, Some(release), related).as_bytes())?;
            pages += 1;
        }
    }
    let list = archive.dir().join(RELEASE_LIST);
    if list.exists() {
        std::fs::copy(&list, out.join(RELEASE_LIST)).map_err(io(&list))?;
    }
    write(&out.join("index.html"), releases_html(releases.clone()).as_bytes())?;
    write(
        &out.join("r").join("index.html"),
        releases_html(releases.clone()).as_bytes(),
    )?;
    write(&out.join("feed.atom"), feed_xml(releases.clone()).as_bytes())?;
    write(&out.join("style.css"), STYLE.as_bytes())?;
    Ok(StaticExport {
        releases: releases.len() as u64,
        document_pages: pages,
    })
}
