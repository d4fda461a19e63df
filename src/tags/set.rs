//! One expanded tag ([`Tag`]) and the compressed set a filename carries ([`TagSet`]), joined by [`TagSet::expand`].

use std::fmt;
use std::str::FromStr;

use super::installer::{DeadReason, dead_reason};
use super::{AbiTag, PlatformTag, PythonTag, TagError};

/// One expanded wheel tag, as a `Tag:` line of `WHEEL` writes it: `cp313-cp313t-win_amd64`.
///
/// Orders by python, then ABI, then platform tag, each compared as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tag {
    /// `cp313`.
    pub python: PythonTag,
    /// `cp313t`.
    pub abi: AbiTag,
    /// `win_amd64`.
    pub platform: PlatformTag,
}

impl Tag {
    /// A tag from its three parts.
    pub fn new(python: PythonTag, abi: AbiTag, platform: PlatformTag) -> Self {
        Tag { python, abi, platform }
    }

    /// Why no CPython installer accepts this tag, or `None` if some interpreter
    /// (some CPython 3 version, GIL or free-threaded, debug or not) does.
    pub fn dead_reason(&self) -> Option<DeadReason> {
        dead_reason(self)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.python, self.abi, self.platform)
    }
}

impl FromStr for Tag {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let set: TagSet = s.parse()?;
        match (&set.python[..], &set.abi[..], &set.platform[..]) {
            ([python], [abi], [platform]) => Ok(Tag::new(python.clone(), abi.clone(), platform.clone())),
            _ => Err(TagError::Compressed(s.to_string())),
        }
    }
}

/// A compressed tag set, as a wheel filename carries it:
/// `cp313.cp314-cp313t.cp314t-manylinux_2_17_x86_64.manylinux2014_x86_64`.
///
/// The set means the cartesian product of its three fields ([`TagSet::expand`]).
/// Parsing keeps the order as written, so `Display` round-trips.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TagSet {
    /// The Python tags, in written order.
    pub python: Vec<PythonTag>,
    /// The ABI tags, in written order.
    pub abi: Vec<AbiTag>,
    /// The platform tags, in written order.
    pub platform: Vec<PlatformTag>,
}

impl TagSet {
    /// Whether any field is empty (then the set holds no tag).
    pub fn is_empty(&self) -> bool {
        self.python.is_empty() || self.abi.is_empty() || self.platform.is_empty()
    }

    /// Whether the set's product contains `tag`.
    pub fn contains(&self, tag: &Tag) -> bool {
        self.python.contains(&tag.python) && self.abi.contains(&tag.abi) && self.platform.contains(&tag.platform)
    }

    /// The tags the set means: the cartesian product, sorted and deduplicated.
    pub fn expand(&self) -> Vec<Tag> {
        let mut tags = Vec::with_capacity(self.python.len() * self.abi.len() * self.platform.len());
        for python in &self.python {
            for abi in &self.abi {
                for platform in &self.platform {
                    tags.push(Tag::new(python.clone(), abi.clone(), platform.clone()));
                }
            }
        }
        tags.sort();
        tags.dedup();
        tags
    }

    /// The smallest compressed set whose product covers `tags`: each field is
    /// the union of that field over `tags`, sorted as text and deduplicated
    /// (the order PEP 425 asks for). The product may hold more tags than
    /// `tags`; [`TagSet::covers_exactly`] says whether it does not.
    pub fn compress(tags: &[Tag]) -> TagSet {
        fn field<T: Clone + Ord>(tags: &[Tag], get: impl Fn(&Tag) -> &T) -> Vec<T> {
            let mut v: Vec<T> = tags.iter().map(|t| get(t).clone()).collect();
            v.sort();
            v.dedup();
            v
        }
        TagSet {
            python: field(tags, |t| &t.python),
            abi: field(tags, |t| &t.abi),
            platform: field(tags, |t| &t.platform),
        }
    }

    /// Whether the set's product is exactly `tags` (duplicates and order aside).
    /// `false` means the product is missing one of them or admits extra
    /// cross-product tags.
    pub fn covers_exactly(&self, tags: &[Tag]) -> bool {
        let mut want = tags.to_vec();
        want.sort();
        want.dedup();
        self.expand() == want
    }
}

impl fmt::Display for TagSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn join<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(".")?;
                }
                write!(f, "{item}")?;
            }
            Ok(())
        }
        join(f, &self.python)?;
        f.write_str("-")?;
        join(f, &self.abi)?;
        f.write_str("-")?;
        join(f, &self.platform)
    }
}

impl TagSet {
    /// Parse without wrapping a bad member's error in [`TagError::TagMember`].
    pub(super) fn parse_unwrapped(s: &str) -> Result<Self, TagError> {
        let fields: Vec<&str> = s.split('-').collect();
        let [python, abi, platform] = fields[..] else {
            return Err(TagError::TagFields(s.to_string()));
        };
        if [python, abi, platform].iter().any(|f| f.split('.').any(str::is_empty)) {
            return Err(TagError::EmptyPart(s.to_string()));
        }
        fn members<T: FromStr<Err = TagError>>(field: &str) -> Result<Vec<T>, TagError> {
            field.split('.').map(str::parse).collect()
        }
        Ok(TagSet { python: members(python)?, abi: members(abi)?, platform: members(platform)? })
    }
}

impl FromStr for TagSet {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TagSet::parse_unwrapped(s).map_err(|e| match e {
            TagError::TagFields(_) | TagError::EmptyPart(_) => e,
            member => TagError::TagMember { input: s.to_string(), source: Box::new(member) },
        })
    }
}
