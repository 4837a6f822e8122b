//! Pages as pixels, for publication: each page of a PDF (drawn by
//! poppler's `pdftoppm`) or an image (decoded by the `image` crate) becomes
//! pixels (an image is published as those pixels, a JPEG with nothing
//! else in it); the words of every redacted string are burned in black, found
//! in the PDF's text layer (`pdftotext -bbox`) or, on a page without one,
//! by OCR of the pixels (tesseract's word boxes); yellow is whitened, since
//! printers hide their tracking dots there; and tesseract reads the burned
//! pixels back. trove writes the PDF itself: each page the burned pixels
//! as a JPEG under an invisible text layer from that OCR alone, with no
//! document information, no XMP and nothing of the original but what its
//! pixels show (the approach of the Freedom of the Press Foundation's
//! Dangerzone). Tesseract's own PDF renderer is not used: it writes a
//! temporary file, which the confined worker may not.
//!
//! It runs in a confined worker like extraction ([`render_pixels`] sends
//! the job to `Limits::workers`' pool), because drawing a page parses the
//! untrusted file; bytes go through pipes, never through a file.

use serde::{Deserialize, Serialize};

use crate::Limits;
use crate::extract::ocr::pipe_through;

/// Why a document could not be drawn: a helper failed or was stopped,
/// the file cannot be decoded, it has too many pages, or its worker died.
/// The message says which and never quotes the document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PixelError(pub String);

/// What to render and what to take out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PixelJob {
    /// `pdf` or `image`.
    pub doc_type: String,
    /// Strings whose words are burned in wherever they appear.
    pub secrets: Vec<String>,
    /// Resolution of the drawn pages.
    pub dpi: u32,
    /// Tesseract's languages (e.g. `eng`).
    pub ocr_language: String,
    /// The most pages drawn; a longer document is refused.
    pub max_pages: u32,
    /// Draw only this page (from 1) as a JPEG, nothing burned and no OCR:
    /// the desk's preview of the original. The summary counts the pages
    /// the document has.
    #[serde(default)]
    pub preview: Option<u32>,
}

/// The rendered document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PixelSummary {
    pub pages: u32,
    /// Word boxes burned in.
    pub burned: u32,
    /// Yellow pixels whitened.
    pub yellow_pixels: u64,
    /// Pages whose yellow pixels form a grid of dots (a printer's
    /// tracking pattern).
    pub tracking_dot_pages: u32,
    /// The output's file extension: `pdf` for PDF pages (a page image
    /// under an OCR text layer), `jpg` for an image (its pixels alone).
    pub extension: String,
}

/// A page's pixels, 8-bit gray or RGB.
struct Page {
    width: usize,
    height: usize,
    /// 1 (gray) or 3 (RGB) bytes a pixel.
    channels: usize,
    pixels: Vec<u8>,
}

impl Page {
    fn from_ppm(bytes: &[u8]) -> Result<Page, String> {
        // P6 <w> <h> <max> then one white-space byte, then the pixels.
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while at < bytes.len() && !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            if start == at {
                return Err("pdftoppm's page is not a PPM".into());
            }
            fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
        }
        let number = |i: usize| {
            fields[i]
                .parse::<usize>()
                .map_err(|_| "a PPM header is malformed".to_owned())
        };
        if fields[0] != "P6" || number(3)? != 255 {
            return Err("pdftoppm's page is not an 8-bit PPM".into());
        }
        let (width, height) = (number(1)?, number(2)?);
        let pixels = bytes.get(at + 1..).ok_or("a PPM without pixels")?;
        if pixels.len() < width * height * 3 {
            return Err("a PPM cut short".into());
        }
        Ok(Page {
            width,
            height,
            channels: 3,
            pixels: pixels[..width * height * 3].to_vec(),
        })
    }

    /// A decoded image: gray stays one channel (no colour to whiten, a
    /// third of the bytes to encode); everything else becomes RGB.
    fn from_image(decoded: image::DynamicImage) -> Page {
        let (width, height) = (decoded.width() as usize, decoded.height() as usize);
        let (channels, pixels) = match decoded.color() {
            image::ColorType::L8 | image::ColorType::L16 => (1, decoded.into_luma8().into_raw()),
            _ => (3, decoded.into_rgb8().into_raw()),
        };
        Page {
            width,
            height,
            channels,
            pixels,
        }
    }

    /// A PPM (or, for gray, a PGM) for tesseract.
    fn to_pnm(&self) -> Vec<u8> {
        let magic = if self.channels == 1 { "P5" } else { "P6" };
        let mut out = format!("{magic}\n{} {}\n255\n", self.width, self.height).into_bytes();
        out.extend_from_slice(&self.pixels);
        out
    }

    fn fill(&mut self, area: Area) {
        let x0 = area.x0.max(0.0) as usize;
        let y0 = area.y0.max(0.0) as usize;
        let x1 = (area.x1.ceil() as usize).min(self.width);
        let y1 = (area.y1.ceil() as usize).min(self.height);
        let step = self.channels;
        for y in y0..y1 {
            let row = y * self.width * step;
            self.pixels[row + x0 * step..row + x1.max(x0) * step].fill(0);
        }
    }

    /// Makes an RGB page whose every pixel is a shade of gray one channel.
    fn make_gray_if_colourless(&mut self) {
        if self.channels == 3
            && self
                .pixels
                .chunks_exact(3)
                .all(|pixel| pixel[0] == pixel[1] && pixel[1] == pixel[2])
        {
            self.pixels = self.pixels.iter().step_by(3).copied().collect();
            self.channels = 1;
        }
    }

    /// Whitens yellow pixels; how many, and whether they form a grid of
    /// small dots (a tracking pattern repeats every few millimetres over
    /// the whole page).
    fn whiten_yellow(&mut self) -> (u64, bool) {
        if self.channels == 1 {
            return (0, false);
        }
        let mut count = 0u64;
        let mut cells = std::collections::HashSet::new();
        // Cells of about 2 mm at the page's resolution (the dots' grid
        // step is 1 to 2 mm).
        let cell = (self.width / 100).max(4);
        for (index, pixel) in self.pixels.chunks_exact_mut(3).enumerate() {
            let (r, g, b) = (pixel[0] as i32, pixel[1] as i32, pixel[2] as i32);
            if r.min(g) > 150 && b + 40 < r.min(g) && (r - g).abs() < 60 {
                pixel.fill(255);
                count += 1;
                let (x, y) = (index % self.width, index / self.width);
                cells.insert((x / cell, y / cell));
            }
        }
        // Dots spread over many cells across the page, each a few pixels.
        let spread = cells.len() >= 40 && count <= cells.len() as u64 * (cell * cell) as u64 / 4;
        (count, spread)
    }
}

/// A rectangle in pixels.
#[derive(Debug, Clone, Copy)]
struct Area {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

/// A word and where it is on its page, in pixels.
struct Word {
    text: String,
    area: Area,
}

/// Lower-case letters and digits only: how words are compared.
fn key(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The word areas to burn: every run of words that spells a secret.
fn areas_to_burn(words: &[Word], secrets: &[Vec<String>]) -> Vec<Area> {
    let keys: Vec<String> = words.iter().map(|w| key(&w.text)).collect();
    let mut out = Vec::new();
    for tokens in secrets {
        let Some(first) = tokens.first() else { continue };
        if tokens.len() == 1 {
            for (i, k) in keys.iter().enumerate() {
                if !first.is_empty() && k.contains(first.as_str()) {
                    out.push(words[i].area);
                }
            }
            continue;
        }
        'start: for i in 0..keys.len() {
            // The first and last words may carry more (punctuation,
            // a possessive); the inner ones must match whole.
            for (j, token) in tokens.iter().enumerate() {
                let Some(k) = keys.get(i + j) else { continue 'start };
                let fits = if j == 0 {
                    k.ends_with(token.as_str())
                } else if j + 1 == tokens.len() {
                    k.starts_with(token.as_str())
                } else {
                    k == token
                };
                if !fits || k.is_empty() {
                    continue 'start;
                }
            }
            out.extend((0..tokens.len()).map(|j| words[i + j].area));
        }
    }
    out
}

/// Word boxes of a PDF's text layer, per page, in points.
fn text_layer_words(pdf: &[u8]) -> Vec<Vec<(String, Area)>> {
    let Ok(xhtml) = pipe_through("pdftotext", &["-q", "-bbox", "-enc", "UTF-8", "-", "-"], pdf) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&xhtml);
    let mut pages = Vec::new();
    for page in text.split("<page ").skip(1) {
        let mut words = Vec::new();
        for word in page.split("<word ").skip(1) {
            let attribute = |name: &str| -> Option<f64> {
                let start = word.find(&format!("{name}=\""))? + name.len() + 2;
                let end = start + word[start..].find('"')?;
                word[start..end].parse().ok()
            };
            let (Some(x0), Some(y0), Some(x1), Some(y1)) = (
                attribute("xMin"),
                attribute("yMin"),
                attribute("xMax"),
                attribute("yMax"),
            ) else {
                continue;
            };
            let Some(body) = word.split_once('>').and_then(|(_, rest)| rest.split_once("</word>")) else {
                continue;
            };
            let decoded = body
                .0
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&");
            words.push((decoded, Area { x0, y0, x1, y1 }));
        }
        pages.push(words);
    }
    pages
}

/// Word boxes tesseract finds in a page's pixels.
fn ocr_words(ppm: &[u8], language: &str) -> Result<Vec<Word>, String> {
    let tsv = pipe_through("tesseract", &["stdin", "stdout", "-l", language, "tsv"], ppm)?;
    let text = String::from_utf8_lossy(&tsv);
    let mut words = Vec::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() < 12 || fields[0] != "5" {
            continue;
        }
        let number = |i: usize| fields[i].parse::<f64>().unwrap_or(0.0);
        let (left, top, width, height) = (number(6), number(7), number(8), number(9));
        words.push(Word {
            text: fields[11].to_owned(),
            area: Area {
                x0: left,
                y0: top,
                x1: left + width,
                y1: top + height,
            },
        });
    }
    Ok(words)
}

/// Pads an area by `pixels` on every side.
fn pad(area: Area, pixels: f64) -> Area {
    Area {
        x0: area.x0 - pixels,
        y0: area.y0 - pixels,
        x1: area.x1 + pixels,
        y1: area.y1 + pixels,
    }
}

/// A drawn page ready for the PDF: its pixels (JPEG) and the words OCR
/// read in them, in pixels.
struct DrawnPage {
    width: usize,
    height: usize,
    /// One channel (DeviceGray) rather than three.
    gray: bool,
    jpeg: Vec<u8>,
    words: Vec<Word>,
}

/// Burns, whitens and reads back one page.
fn redraw(
    page: &mut Page,
    layer: &[(String, Area)],
    scale: f64,
    job: &PixelJob,
    secrets: &[Vec<String>],
    summary: &mut PixelSummary,
) -> Result<DrawnPage, String> {
    let mut words: Vec<Word> = layer
        .iter()
        .map(|(text, a)| Word {
            text: text.clone(),
            area: Area {
                x0: a.x0 * scale,
                y0: a.y0 * scale,
                x1: a.x1 * scale,
                y1: a.y1 * scale,
            },
        })
        .collect();
    // A page without a text layer (a scan, an image) is read by OCR to
    // find the words to burn; a page with one is found through it (a
    // secret that only an embedded picture shows is caught by the
    // publisher's residue check, which reads the output back).
    if !secrets.is_empty() && layer.is_empty() {
        words.extend(ocr_words(&page.to_pnm(), &job.ocr_language)?);
    }
    let margin = (job.dpi as f64 / 50.0).max(2.0);
    for area in areas_to_burn(&words, secrets) {
        page.fill(pad(area, margin));
        summary.burned += 1;
    }
    let (yellow, dots) = page.whiten_yellow();
    summary.yellow_pixels += yellow;
    summary.tracking_dot_pages += dots as u32;
    summary.pages += 1;
    // A PDF's text layer comes from the burned pixels alone; an image is
    // published as its pixels, with no text layer to read.
    let words = if job.doc_type == "pdf" {
        ocr_words(&page.to_pnm(), &job.ocr_language)?
    } else {
        Vec::new()
    };
    let jpeg = encode_jpeg(page)?;
    Ok(DrawnPage {
        width: page.width,
        height: page.height,
        gray: page.channels == 1,
        jpeg,
        words,
    })
}

/// Renders `bytes` as the job says, here in this process; the PDF and
/// what was done. Use [`render_pixels`], which confines it.
pub fn render_here(bytes: &[u8], job: &PixelJob) -> Result<(Vec<u8>, PixelSummary), PixelError> {
    draw(bytes, job).map_err(PixelError)
}

fn draw(bytes: &[u8], job: &PixelJob) -> Result<(Vec<u8>, PixelSummary), String> {
    if let Some(number) = job.preview {
        return preview(bytes, job, number);
    }
    let secrets: Vec<Vec<String>> = job
        .secrets
        .iter()
        .map(|s| {
            s.split_whitespace()
                .map(key)
                .filter(|k| !k.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|tokens| !tokens.is_empty())
        .collect();
    let mut summary = PixelSummary {
        pages: 0,
        burned: 0,
        yellow_pixels: 0,
        tracking_dot_pages: 0,
        extension: "pdf".into(),
    };
    let mut pages = Vec::new();
    match job.doc_type.as_str() {
        "pdf" => {
            let count = pdf_page_count(bytes)?;
            if count == 0 {
                return Err("the PDF has no pages".into());
            }
            if count > job.max_pages {
                return Err(format!("{count} pages, over the limit of {}", job.max_pages));
            }
            let layers = text_layer_words(bytes);
            let scale = job.dpi as f64 / 72.0;
            for number in 1..=count {
                let mut page = draw_pdf_page(bytes, number, job.dpi)?;
                let layer = layers.get(number as usize - 1).map(Vec::as_slice).unwrap_or(&[]);
                pages.push(redraw(&mut page, layer, scale, job, &secrets, &mut summary)?);
            }
        }
        "image" => {
            let decoded = image::load_from_memory(bytes).map_err(|e| format!("the image cannot be decoded: {e}"))?;
            let mut page = Page::from_image(decoded);
            let drawn = redraw(&mut page, &[], 1.0, job, &secrets, &mut summary)?;
            summary.extension = "jpg".into();
            return Ok((drawn.jpeg, summary));
        }
        other => return Err(format!("{other} files are not drawn as pixels")),
    }
    Ok((build_pdf(&pages, job.dpi)?, summary))
}

/// How many pages a PDF has.
fn pdf_page_count(bytes: &[u8]) -> Result<u32, String> {
    Ok(lopdf::Document::load_mem(bytes)
        .map_err(|e| format!("the PDF cannot be opened: {e}"))?
        .get_pages()
        .len() as u32)
}

/// Page `number` (from 1) of a PDF, drawn by poppler at `dpi`.
fn draw_pdf_page(bytes: &[u8], number: u32, dpi: u32) -> Result<Page, String> {
    let n = number.to_string();
    let ppm = pipe_through("pdftoppm", &["-r", &dpi.to_string(), "-f", &n, "-l", &n, "-"], bytes)?;
    Page::from_ppm(&ppm)
}

/// A page's pixels as a JPEG (one channel when it has no colour).
fn encode_jpeg(page: &mut Page) -> Result<Vec<u8>, String> {
    // jpeg-encoder rather than image's own encoder: with AVX2 it encodes
    // a scanned page about four times faster, and encoding was most of an
    // image's scrubbing time.
    let too_large = || format!("the page is {}x{} pixels, over JPEG's 65535", page.width, page.height);
    let width = u16::try_from(page.width).map_err(|_| too_large())?;
    let height = u16::try_from(page.height).map_err(|_| too_large())?;
    // A page with no colour (most scans of text, and every burned and
    // whitened one of them) is one channel: a third of the samples to
    // encode and to publish.
    page.make_gray_if_colourless();
    let colour = if page.channels == 1 {
        jpeg_encoder::ColorType::Luma
    } else {
        jpeg_encoder::ColorType::Rgb
    };
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 80)
        .encode(&page.pixels, width, height, colour)
        .map_err(|e| format!("the page cannot be encoded: {e}"))?;
    Ok(jpeg)
}

/// One page drawn as it is, for the desk: a JPEG, and how many pages
/// the document has.
fn preview(bytes: &[u8], job: &PixelJob, number: u32) -> Result<(Vec<u8>, PixelSummary), String> {
    let (mut page, pages) = match job.doc_type.as_str() {
        "pdf" => {
            let count = pdf_page_count(bytes)?;
            if number == 0 || number > count {
                return Err(format!("there is no page {number} (the PDF has {count})"));
            }
            (draw_pdf_page(bytes, number, job.dpi)?, count)
        }
        "image" if number == 1 => {
            let decoded = image::load_from_memory(bytes).map_err(|e| format!("the image cannot be decoded: {e}"))?;
            (Page::from_image(decoded), 1)
        }
        "image" => return Err(format!("there is no page {number} (an image has one)")),
        other => return Err(format!("{other} files are not drawn as pixels")),
    };
    let jpeg = encode_jpeg(&mut page)?;
    let summary = PixelSummary {
        pages,
        burned: 0,
        yellow_pixels: 0,
        tracking_dot_pages: 0,
        extension: "jpg".into(),
    };
    Ok((jpeg, summary))
}

/// Tesseract's glyphless font (every glyph invisible and half an em
/// wide), which its own PDF renderer embeds for the text layer; read from
/// its data folder, which the worker may read.
fn glyphless_font() -> Option<Vec<u8>> {
    let mut folders: Vec<std::path::PathBuf> = Vec::new();
    if let Ok(prefix) = std::env::var("TESSDATA_PREFIX") {
        folders.push(prefix.into());
    }
    for version in ["5", "4.00", "4"] {
        folders.push(format!("/usr/share/tesseract-ocr/{version}/tessdata").into());
    }
    folders.push("/usr/share/tessdata".into());
    folders
        .into_iter()
        .find_map(|folder| std::fs::read(folder.join("pdf.ttf")).ok())
}

/// Identity from 2-byte codes to UTF-16: the text layer's codes are its
/// characters.
const TO_UNICODE: &[u8] = b"/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 beginbfrange
<0000> <FFFF> <0000>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
";

fn name(text: &str) -> lopdf::Object {
    lopdf::Object::Name(text.as_bytes().to_vec())
}

/// A PDF of the drawn pages: each page its JPEG, under an invisible text
/// layer (render mode 3) whose words sit where OCR found them, in a Type0
/// font whose codes are the text's UTF-16, as tesseract's own renderer
/// writes it. No document information, no XMP, no dates.
fn build_pdf(pages: &[DrawnPage], dpi: u32) -> Result<Vec<u8>, String> {
    use lopdf::{Dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let to_unicode = doc.add_object(Stream::new(Dictionary::new(), TO_UNICODE.to_vec()));
    let mut descriptor = Dictionary::from_iter(vec![
        ("Type", name("FontDescriptor")),
        ("FontName", name("GlyphLessFont")),
        ("Flags", Object::Integer(5)),
        (
            "FontBBox",
            Object::Array(vec![0.into(), 0.into(), 500.into(), 1000.into()]),
        ),
        ("ItalicAngle", Object::Integer(0)),
        ("Ascent", Object::Integer(1000)),
        ("Descent", Object::Integer(0)),
        ("CapHeight", Object::Integer(1000)),
        ("StemV", Object::Integer(80)),
    ]);
    if let Some(font) = glyphless_font() {
        let file = doc.add_object(Stream::new(Dictionary::new(), font));
        descriptor.set("FontFile2", file);
    }
    let descriptor = doc.add_object(descriptor);
    let system = Dictionary::from_iter(vec![
        ("Registry", Object::string_literal("Adobe")),
        ("Ordering", Object::string_literal("Identity")),
        ("Supplement", Object::Integer(0)),
    ]);
    let cid_font = doc.add_object(Dictionary::from_iter(vec![
        ("Type", name("Font")),
        ("Subtype", name("CIDFontType2")),
        ("BaseFont", name("GlyphLessFont")),
        ("CIDSystemInfo", Object::Dictionary(system)),
        ("FontDescriptor", Object::Reference(descriptor)),
        ("CIDToGIDMap", name("Identity")),
        ("DW", Object::Integer(500)),
    ]));
    let font = doc.add_object(Dictionary::from_iter(vec![
        ("Type", name("Font")),
        ("Subtype", name("Type0")),
        ("BaseFont", name("GlyphLessFont")),
        ("Encoding", name("Identity-H")),
        ("DescendantFonts", Object::Array(vec![Object::Reference(cid_font)])),
        ("ToUnicode", Object::Reference(to_unicode)),
    ]));
    let points = 72.0 / dpi as f64;
    let mut kids = Vec::new();
    for page in pages {
        let (width, height) = (page.width as f64 * points, page.height as f64 * points);
        let image = doc.add_object(Stream::new(
            Dictionary::from_iter(vec![
                ("Type", name("XObject")),
                ("Subtype", name("Image")),
                ("Width", Object::Integer(page.width as i64)),
                ("Height", Object::Integer(page.height as i64)),
                ("ColorSpace", name(if page.gray { "DeviceGray" } else { "DeviceRGB" })),
                ("BitsPerComponent", Object::Integer(8)),
                ("Filter", name("DCTDecode")),
            ]),
            page.jpeg.clone(),
        ));
        let mut content = format!("q {width:.3} 0 0 {height:.3} 0 0 cm /Im0 Do Q\nBT 3 Tr\n");
        for word in &page.words {
            let units: Vec<u16> = word.text.encode_utf16().collect();
            if units.is_empty() {
                continue;
            }
            let box_width = (word.area.x1 - word.area.x0) * points;
            let size = ((word.area.y1 - word.area.y0) * points).max(1.0);
            // Every glyph is half an em: the word is stretched to its box.
            let stretch = (100.0 * box_width / (0.5 * size * units.len() as f64)).clamp(1.0, 10_000.0);
            let baseline = height - word.area.y1 * points;
            let hex: String = units.iter().map(|u| format!("{u:04X}")).collect();
            content.push_str(&format!(
                "/F1 {size:.2} Tf {stretch:.2} Tz 1 0 0 1 {:.2} {baseline:.2} Tm <{hex}> Tj\n",
                word.area.x0 * points
            ));
        }
        content.push_str("ET\n");
        let mut stream = Stream::new(Dictionary::new(), content.into_bytes());
        stream
            .compress()
            .map_err(|e| format!("a page's content cannot be compressed: {e}"))?;
        let contents = doc.add_object(stream);
        let resources = Dictionary::from_iter(vec![
            (
                "XObject",
                Object::Dictionary(Dictionary::from_iter(vec![("Im0", Object::Reference(image))])),
            ),
            (
                "Font",
                Object::Dictionary(Dictionary::from_iter(vec![("F1", Object::Reference(font))])),
            ),
        ]);
        let media_box = vec![
            0.into(),
            0.into(),
            Object::Real(width as f32),
            Object::Real(height as f32),
        ];
        let page_id = doc.add_object(Dictionary::from_iter(vec![
            ("Type", name("Page")),
            ("Parent", Object::Reference(pages_id)),
            ("MediaBox", Object::Array(media_box)),
            ("Resources", Object::Dictionary(resources)),
            ("Contents", Object::Reference(contents)),
        ]));
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(Dictionary::from_iter(vec![
            ("Type", name("Pages")),
            ("Kids", Object::Array(kids)),
            ("Count", Object::Integer(count)),
        ])),
    );
    let catalog = doc.add_object(Dictionary::from_iter(vec![
        ("Type", name("Catalog")),
        ("Pages", Object::Reference(pages_id)),
    ]));
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| format!("the PDF cannot be written: {e}"))?;
    Ok(out)
}

/// Renders in a confined worker when `limits` holds a pool (as ingest
/// does), here otherwise.
pub fn render_pixels(bytes: &[u8], job: &PixelJob, limits: &Limits) -> Result<(Vec<u8>, PixelSummary), PixelError> {
    match &limits.workers {
        Some(pool) => crate::extract::confined::pixels_in(pool, bytes, job).map_err(PixelError),
        None => render_here(bytes, job),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, x: f64) -> Word {
        Word {
            text: text.into(),
            area: Area {
                x0: x,
                y0: 0.0,
                x1: x + 5.0,
                y1: 5.0,
            },
        }
    }

    #[test]
    fn runs_of_words_that_spell_a_secret_are_found() {
        let words = [
            word("Ask", 0.0),
            word("Jan", 10.0),
            word("de", 20.0),
            word("Vries,", 30.0),
            word("today", 40.0),
        ];
        let secrets = vec![vec!["jan".into(), "de".into(), "vries".into()]];
        let areas = areas_to_burn(&words, &secrets);
        assert_eq!(areas.iter().map(|a| a.x0).collect::<Vec<_>>(), vec![10.0, 20.0, 30.0]);
        let email = [word("<anna@example.org>", 0.0)];
        assert_eq!(areas_to_burn(&email, &[vec![key("anna@example.org")]]).len(), 1);
    }

    #[test]
    fn yellow_dot_grids_are_whitened_and_recognised() {
        let (width, height) = (400, 400);
        let mut page = Page {
            width,
            height,
            channels: 3,
            pixels: vec![255; width * height * 3],
        };
        for y in (0..height).step_by(16) {
            for x in (0..width).step_by(16) {
                let i = (y * width + x) * 3;
                page.pixels[i..i + 3].copy_from_slice(&[250, 240, 150]);
            }
        }
        let (count, dots) = page.whiten_yellow();
        assert_eq!(count, 625);
        assert!(dots);
        assert!(page.pixels.iter().all(|&b| b == 255));
    }
}
