//! Images on a message: a workspace file, read and sent as bytes (base64 on the wire),
//! or an https URL the vendor fetches. The bytes, not the path, identify a request in
//! the cache and in cassettes.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use sha2::{Digest, Sha256};

/// Both vendors refuse larger images; a file past it is an error before any call.
pub const MAX_IMAGE_BYTES: u64 = 20 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum Image {
    /// A workspace path as rendered, not read yet.
    Path(String),
    Url(String),
    Bytes {
        media_type: &'static str,
        data: Arc<[u8]>,
        sha256: String,
    },
}

impl Serialize for Image {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match self {
            Image::Path(p) => m.serialize_entry("path", p)?,
            Image::Url(u) => m.serialize_entry("url", u)?,
            Image::Bytes {
                media_type, sha256, ..
            } => {
                m.serialize_entry("media_type", media_type)?;
                m.serialize_entry("sha256", sha256)?;
            }
        }
        m.end()
    }
}

impl Image {
    /// What a rendered reference names: an https URL, or a workspace path. Other
    /// schemes are refused (`http://` would send the case's image in the clear;
    /// `file://` and `data:` are not references a workspace should make).
    pub fn reference(rendered: &str) -> Result<Image, String> {
        let r = rendered.trim();
        if r.is_empty() {
            return Err("an image reference rendered to an empty string".into());
        }
        let lower = r.to_ascii_lowercase();
        if lower.starts_with("https://") {
            return Ok(Image::Url(r.to_string()));
        }
        if let Some((scheme, _)) = lower.split_once("://").filter(|(s, _)| !s.contains('/')) {
            return Err(format!(
                "image `{r}`: only https URLs and workspace paths are allowed, not {scheme}://"
            ));
        }
        if lower.starts_with("data:") {
            return Err(format!(
                "image `{}…`: data URLs are not accepted; put the image in a file in the workspace and name its path",
                r.chars().take(24).collect::<String>()
            ));
        }
        Ok(Image::Path(r.to_string()))
    }

    /// Reads a path reference under `root` (never outside it), checking its size and
    /// that it is an image a vendor takes. URLs and loaded images are returned as is.
    pub fn load(self, root: &Path) -> Result<Image, String> {
        let Image::Path(rel) = self else {
            return Ok(self);
        };
        let full = crate::workspace::confine::inside(root, Path::new(&rel))
            .map_err(|e| format!("image `{rel}` {e}"))?;
        let meta =
            std::fs::metadata(&full).map_err(|e| format!("cannot read image `{rel}`: {e}"))?;
        if meta.len() > MAX_IMAGE_BYTES {
            return Err(format!(
                "image `{rel}` is {:.1} MB, over the 20 MB the providers accept: resize or recompress it",
                meta.len() as f64 / 1e6
            ));
        }
        let data = std::fs::read(&full).map_err(|e| format!("cannot read image `{rel}`: {e}"))?;
        let media_type = media_type(&data).ok_or_else(|| {
            format!(
                "`{rel}` is not a PNG, JPEG, GIF or WebP image (the formats both providers accept)"
            )
        })?;
        let sha256 = super::replay::hex(&Sha256::digest(&data));
        Ok(Image::Bytes {
            media_type,
            data: data.into(),
            sha256,
        })
    }

    /// The image as a `data:` URL (OpenAI's image parts), or its https URL.
    pub fn data_url(&self) -> String {
        match self {
            Image::Bytes {
                media_type, data, ..
            } => format!("data:{media_type};base64,{}", base64_of(data)),
            Image::Url(u) | Image::Path(u) => u.clone(),
        }
    }
}

pub(crate) fn base64_of(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The media type from the file's first bytes: its name may lie, its bytes do not.
fn media_type(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_https_urls_or_workspace_paths() {
        assert_eq!(
            Image::reference("https://x.test/a.png").unwrap(),
            Image::Url("https://x.test/a.png".into())
        );
        assert_eq!(
            Image::reference(" images/a.png ").unwrap(),
            Image::Path("images/a.png".into())
        );
        assert!(
            Image::reference("http://x.test/a.png")
                .unwrap_err()
                .contains("http://")
        );
        assert!(Image::reference("file:///etc/passwd").is_err());
        assert!(Image::reference("data:image/png;base64,AAAA").is_err());
        assert!(Image::reference("").is_err());
    }

    #[test]
    fn a_file_is_read_inside_the_workspace_and_typed_by_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.jpg"), b"\x89PNG\r\n\x1a\nrest").unwrap();
        std::fs::write(dir.path().join("notes.png"), b"hello").unwrap();
        let img = Image::Path("a.jpg".into()).load(dir.path()).unwrap();
        let Image::Bytes { media_type, .. } = &img else {
            panic!("{img:?}")
        };
        assert_eq!(*media_type, "image/png");
        assert!(img.data_url().eq("data:image/png;base64,iVBORw0KGgpyZXN0"));
        let key = serde_json::to_value(&img).unwrap();
        assert_eq!(key["sha256"].as_str().unwrap().len(), 64);
        assert!(
            key.get("path").is_none(),
            "the bytes identify it, not the path"
        );
        let e = Image::Path("notes.png".into())
            .load(dir.path())
            .unwrap_err();
        assert!(e.contains("not a PNG, JPEG, GIF or WebP"), "{e}");
        let e = Image::Path("../x.png".into()).load(dir.path()).unwrap_err();
        assert!(e.contains("outside the workspace"), "{e}");
        let e = Image::Path("missing.png".into())
            .load(dir.path())
            .unwrap_err();
        assert!(e.contains("cannot read image `missing.png`"), "{e}");
    }

    #[test]
    fn an_image_over_20_mb_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = std::fs::File::create(dir.path().join("big.png")).unwrap();
        f.set_len(MAX_IMAGE_BYTES + 1).unwrap();
        let e = Image::Path("big.png".into()).load(dir.path()).unwrap_err();
        assert!(e.contains("over the 20 MB"), "{e}");
    }
}
