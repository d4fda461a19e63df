//! Wheel tags (PEP 425 / the binary distribution format), wheel filenames,
//! and which CPython interpreters an installer lets install them.
//!
//! Two shapes, joined by [`TagSet::expand`]:
//!
//! - [`TagSet`]: the compressed form a filename carries,
//!   `cp313.cp314-cp313t.cp314t-manylinux_2_28_x86_64`;
//! - [`Tag`]: one expanded triple, as a `WHEEL` file's `Tag:` line carries it,
//!   `cp313-cp313t-manylinux_2_28_x86_64`.
//!
//! Installer acceptance ([`Interpreter::supported`], [`Interpreter::matched_tag`])
//! follows the `packaging` library 26.1 and later (`packaging.tags.cpython_tags`
//! followed by `compatible_tags`, as `sys_tags` chains them), which is what pip
//! 26.1+ and uv 0.11.3+ use. `tests/oracle/` checks it against `packaging` itself.
//!
//! Ordering: tags, and each field of a compressed set built by
//! [`TagSet::compress`], sort by their text, byte by byte. That is the order
//! PEP 425 asks compressed sets to use (`packaging.tags.parse_tag(...,
//! validate_order=True)` checks it), so `cp310` sorts before `cp39`.
//!
//! One file per part: [`python`](PythonTag), [`abi`](AbiTag),
//! [`platform`](PlatformTag), the tag and its compressed [`set`](TagSet), the
//! wheel [`filename`](WheelFilename), and the [`installer`](Interpreter) model.

mod abi;
mod filename;
mod installer;
mod platform;
mod python;
mod set;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;

use serde::{Serialize, Serializer};

pub use abi::AbiTag;
pub use filename::{WheelFilename, normalize_name};
pub use installer::{
    DeadReason, DeadTag, Harm, Installer, Interpreter, PlatformRank, Rank, dead_tags, installer_rank, interpreters,
    is_other_implementation, other_implementation_tags,
};
pub use platform::{EmscriptenFlavor, Family, Os, Platform, PlatformTag, platform_family};
pub use python::PythonTag;
pub use set::{Tag, TagSet};

/// A tag, tag set or wheel filename that could not be parsed.
///
/// Each variant carries the offending text; messages are sentences.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// A Python tag that is neither `cpXY`, `pyX`, `pyXY` nor another implementation's name.
    #[error("'{0}' is not a Python tag: expected cpXY, pyX or pyXY")]
    PythonTag(String),
    /// An ABI tag that starts like a CPython one (`cp3…`, `abi3…`) but is not one.
    #[error("'{0}' is not an ABI tag: expected none, abi3, abi3t, abiYYYY, or cpXY followed by the flags t and d")]
    AbiTag(String),
    /// A platform tag with characters other than lowercase letters, digits and `_`.
    #[error(
        "'{0}' is not a platform tag: expected lowercase letters, digits and underscores, such as manylinux_2_28_x86_64"
    )]
    PlatformTag(String),
    /// A tag or tag set that does not have exactly three `-`-separated fields.
    #[error("'{0}' is not a wheel tag: expected python-abi-platform, such as cp313-cp313t-win_amd64")]
    TagFields(String),
    /// A tag or tag set with an empty field or an empty member between dots.
    #[error("'{0}' is not a wheel tag: a field or a dotted member of one is empty")]
    EmptyPart(String),
    /// A compressed tag set (with `.`) where one single tag was expected.
    #[error("'{0}' is a compressed tag set, not a single tag: expand it first")]
    Compressed(String),
    /// A filename that does not end in `.whl`.
    #[error("'{0}' is not a wheel filename: it does not end in .whl")]
    NotWheel(String),
    /// A wheel filename without the five or six `-`-separated fields.
    #[error("'{0}' is not a wheel filename: expected name-version(-build)-python-abi-platform.whl")]
    WheelFields(String),
    /// A wheel filename whose build tag does not start with a digit.
    #[error("'{filename}' is not a wheel filename: its build tag '{build}' does not start with a digit")]
    BuildTag {
        /// The whole filename.
        filename: String,
        /// The build tag.
        build: String,
    },
    /// A tag or tag set with a member that does not parse; the cause is the source.
    #[error("'{input}' is not a valid wheel tag")]
    TagMember {
        /// The whole tag or tag set.
        input: String,
        /// What is wrong with the member.
        source: Box<TagError>,
    },
    /// A wheel filename whose tag fields do not parse; the cause is the source.
    #[error("'{filename}' is not a wheel filename: its tags are invalid")]
    WheelTags {
        /// The whole filename.
        filename: String,
        /// What is wrong with the tags.
        source: Box<TagError>,
    },
}

// Tags order by their text (see the module documentation).
macro_rules! order_by_text {
    ($($t:ty),*) => {$(
        impl Ord for $t {
            fn cmp(&self, other: &Self) -> Ordering {
                self.to_string().cmp(&other.to_string())
            }
        }
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    )*};
}

order_by_text!(PythonTag, AbiTag, PlatformTag, Tag, TagSet);
