//! JSON Schema of the types that serialize as text (tags, versions, names): each is
//! a string, with a pattern where one form covers every value. The documents that
//! use them derive `schemars::JsonSchema`; `uniabi schema NAME` prints them.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

macro_rules! string_schema {
    ($($t:ty => $name:literal, $description:literal $(, $pattern:literal)?;)*) => {$(
        impl JsonSchema for $t {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                #[allow(unused_mut)]
                let mut schema = json_schema!({"type": "string", "description": $description});
                $(schema.insert("pattern".into(), $pattern.into());)?
                schema
            }
        }
    )*};
}

string_schema! {
    crate::version::PyVersion => "PyVersion", "A CPython version: `3.13`.", r"^[0-9]{1,3}\.[0-9]{1,3}$";
    crate::tags::PythonTag => "PythonTag", "A Python tag: `cp313`, `py3`.";
    crate::tags::AbiTag => "AbiTag", "An ABI tag: `cp313t`, `abi3`, `abi3t`, `none`.";
    crate::tags::PlatformTag => "PlatformTag", "A platform tag: `manylinux_2_28_x86_64`, `win_amd64`, `any`.";
    crate::tags::Tag => "Tag", "One expanded wheel tag, as a `Tag:` line writes it: `cp313-cp313t-win_amd64`.", r"^[^-]+-[^-]+-[^-]+$";
    crate::tags::TagSet => "TagSet", "A compressed tag set, as a wheel file name writes it: `cp315-abi3.abi3t-manylinux_2_34_x86_64`.", r"^[^-]+-[^-]+-[^-]+$";
    crate::tags::DeadReason => "DeadReason", "Why no installer accepts a tag, as a sentence.";
    crate::naming::SuffixAbi => "SuffixAbi", "The ABI an extension file suffix names: `cp313t`, `abi3`, `abi3t`, `abi2026`.";
    crate::merge::OutputScheme => "OutputScheme", "How an output wheel was made.", r"^(fat|pep803|pep809|split)$";
}
