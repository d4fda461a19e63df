//! The `PyABIInfo` record a 3.15 module declares through its `Py_mod_abi` slot.
//!
//! The record is 12 bytes, `u8 major, u8 minor, u16 flags, u32 build_version,
//! u32 abi_version`, and is reached only through a pointer: the `value` of a
//! 16-byte `PySlot { u16 id, u16 flags, u32 reserved, u64 value }` (or a
//! `PyModuleDef_Slot { int slot; void *value }`, which has the same layout on
//! 64-bit little-endian targets) whose id is `Py_mod_abi`. The pointer is
//! relocated at load time, so each format reader supplies how to resolve it.
//!
//! A record is only reported when exactly one is reachable this way and it
//! reads as version 1.0 with known flags. Anything less certain is `None`.

use object::{Object, ObjectSection, SectionKind};
use serde::{Deserialize, Serialize};

/// The slot id of `Py_mod_abi` in CPython 3.15 final. Early 3.15 alphas used
/// 5, which is also the id of an unrelated slot in other versions, so it is
/// not accepted.
const PY_MOD_ABI: u16 = 109;

/// The bytes of a `PyABIInfo`.
const RECORD_SIZE: usize = 12;

/// Past this many slot-shaped candidates the answer is not unambiguous anyway.
const MAX_CANDIDATES: usize = 64;

/// A module's own declaration of the ABI it was built for (`PyABIInfo`, 3.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AbiInfo {
    /// Record layout version; always 1.
    pub major: u8,
    /// Record layout minor version; always 0.
    pub minor: u8,
    /// `PyABIInfo_STABLE` 0x1, `_GIL` 0x2, `_FREETHREADED` 0x4, `_INTERNAL` 0x8.
    pub flags: u16,
    /// `PY_VERSION_HEX` of the headers it was built with, or 0.
    pub build_version: u32,
    /// The oldest version it claims to run on, `PY_VERSION_HEX`-style, or 0.
    pub abi_version: u32,
}

impl AbiInfo {
    /// Built against the Stable ABI.
    pub const STABLE: u16 = 0x1;
    /// Loadable by GIL builds.
    pub const GIL: u16 = 0x2;
    /// Loadable by free-threaded builds.
    pub const FREE_THREADED: u16 = 0x4;
    /// Uses internal API.
    pub const INTERNAL: u16 = 0x8;

    /// Read a record, accepting only layout version 1.0 with known flags.
    pub fn from_bytes(bytes: [u8; RECORD_SIZE], big_endian: bool) -> Option<Self> {
        let [major, minor, f0, f1, b0, b1, b2, b3, a0, a1, a2, a3] = bytes;
        let (flags, build_version, abi_version) = if big_endian {
            (u16::from_be_bytes([f0, f1]), u32::from_be_bytes([b0, b1, b2, b3]), u32::from_be_bytes([a0, a1, a2, a3]))
        } else {
            (u16::from_le_bytes([f0, f1]), u32::from_le_bytes([b0, b1, b2, b3]), u32::from_le_bytes([a0, a1, a2, a3]))
        };
        let known = Self::STABLE | Self::GIL | Self::FREE_THREADED | Self::INTERNAL;
        (major == 1 && minor == 0 && flags & !known == 0).then_some(AbiInfo {
            major,
            minor,
            flags,
            build_version,
            abi_version,
        })
    }

    /// Declares the Stable ABI (abi3, abi3t).
    pub fn is_stable(&self) -> bool {
        self.flags & Self::STABLE != 0
    }

    /// Declares it loads on GIL builds.
    pub fn is_gil(&self) -> bool {
        self.flags & Self::GIL != 0
    }

    /// Declares it loads on free-threaded builds.
    pub fn is_free_threaded(&self) -> bool {
        self.flags & Self::FREE_THREADED != 0
    }

    /// Declares use of internal API.
    pub fn is_internal(&self) -> bool {
        self.flags & Self::INTERNAL != 0
    }

    /// The flags in words: `stable, gil, free-threaded`.
    pub fn flag_names(&self) -> String {
        let names: Vec<&str> = [
            (self.is_stable(), "stable"),
            (self.is_gil(), "gil"),
            (self.is_free_threaded(), "free-threaded"),
            (self.is_internal(), "internal"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        if names.is_empty() { "none".to_string() } else { names.join(", ") }
    }

    /// A `PY_VERSION_HEX`-style version as `3.15.0b2`, or `any` for 0 ("skip the check").
    pub fn version_text(hex: u32) -> String {
        if hex == 0 {
            return "not recorded (0: skip the check)".to_string();
        }
        let (major, minor, micro) = (hex >> 24, (hex >> 16) & 0xff, (hex >> 8) & 0xff);
        let level = match (hex >> 4) & 0xf {
            0xa => "a",
            0xb => "b",
            0xc => "rc",
            _ => "",
        };
        let serial = if level.is_empty() { String::new() } else { (hex & 0xf).to_string() };
        format!("{major}.{minor}.{micro}{level}{serial}")
    }
}

/// A run of the loaded image backed by file bytes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Region<'data> {
    /// Where `data` is mapped, in the same address space slot values use.
    pub address: u64,
    pub data: &'data [u8],
}

/// The loaded image of one slice, as far as the search needs it.
pub(super) struct Image<'data> {
    /// Data sections, where slot arrays and records live.
    pub regions: Vec<Region<'data>>,
    pub big_endian: bool,
    /// Only 64-bit slots are understood.
    pub is_64: bool,
    /// The size of the file the regions come from: sections of a sound file
    /// do not overlap, so more bytes than that are not scanned.
    pub file_len: usize,
}

impl Image<'_> {
    fn read(&self, address: u64, len: usize) -> Option<&[u8]> {
        self.regions.iter().find_map(|r| {
            let start = usize::try_from(address.checked_sub(r.address)?).ok()?;
            r.data.get(start..start.checked_add(len)?)
        })
    }

    /// Find the one record a `Py_mod_abi` slot points to.
    ///
    /// `resolve(site, in_place)` returns the address the pointer stored at
    /// `site` will hold after relocation, or `None` if that is not certain.
    pub fn find_abi_info(&self, resolve: impl Fn(u64, u64) -> Option<u64>) -> Option<AbiInfo> {
        if !self.is_64 {
            return None;
        }
        // Overlapping regions in a hostile file must not multiply the work.
        let mut budget = self.file_len;
        let mut candidates = 0;
        let mut found: Option<(u64, AbiInfo)> = None;
        for region in &self.regions {
            budget = budget.checked_sub(region.data.len())?;
            let skew = usize::try_from(region.address % 8).ok()?;
            let first = (8 - skew) % 8;
            let slots = region.data.get(first..).unwrap_or_default();
            for (i, slot) in slots.chunks_exact(8).enumerate() {
                let Some(site_offset) = (first + i * 8).checked_add(8) else {
                    break;
                };
                let Some(value) = region.data.get(site_offset..site_offset + 8) else {
                    break;
                };
                if !self.is_abi_slot_head(slot) {
                    continue;
                }
                candidates += 1;
                if candidates > MAX_CANDIDATES {
                    return None;
                }
                let site = region.address.checked_add(site_offset as u64)?;
                let Some(target) = resolve(site, self.u64(value)) else {
                    continue;
                };
                let Some(record) = self
                    .read(target, RECORD_SIZE)
                    .and_then(|b| b.try_into().ok())
                    .and_then(|b| AbiInfo::from_bytes(b, self.big_endian))
                else {
                    continue;
                };
                match found {
                    None => found = Some((target, record)),
                    Some((seen, _)) if seen == target => {}
                    Some(_) => return None,
                }
            }
        }
        found.map(|(_, record)| record)
    }

    /// `id == Py_mod_abi`, any slot flags, reserved word zero.
    fn is_abi_slot_head(&self, head: &[u8]) -> bool {
        let [i0, i1, _, _, r0, r1, r2, r3] = head else {
            return false;
        };
        let id = if self.big_endian { u16::from_be_bytes([*i0, *i1]) } else { u16::from_le_bytes([*i0, *i1]) };
        id == PY_MOD_ABI && [*r0, *r1, *r2, *r3] == [0; 4]
    }

    fn u64(&self, bytes: &[u8]) -> u64 {
        let array: [u8; 8] = bytes.try_into().unwrap_or_default();
        if self.big_endian { u64::from_be_bytes(array) } else { u64::from_le_bytes(array) }
    }
}

/// The data sections of any file `object` reads, at their load addresses.
pub(super) fn data_regions<'data>(file: &impl Object<'data>) -> Vec<Region<'data>> {
    file.sections()
        .filter(|s| {
            matches!(s.kind(), SectionKind::Data | SectionKind::ReadOnlyData | SectionKind::ReadOnlyDataWithRel)
        })
        .filter_map(|s| Some(Region { address: s.address(), data: s.data().ok()? }))
        .filter(|r| !r.data.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_version_text() {
        assert_eq!(AbiInfo::version_text(0), "not recorded (0: skip the check)");
        assert_eq!(AbiInfo::version_text(0x030F00B2), "3.15.0b2");
        assert_eq!(AbiInfo::version_text(0x030F0000), "3.15.0");
    }

    fn image(address: u64, data: &[u8]) -> Image<'_> {
        Image { regions: vec![Region { address, data }], big_endian: false, is_64: true, file_len: data.len() }
    }

    /// A slot at 0x1000 pointing at a record at 0x1010.
    fn slot_and_record(flags: u16) -> Vec<u8> {
        let mut data = vec![109, 0, 2, 0, 0, 0, 0, 0];
        data.extend_from_slice(&0x1010u64.to_le_bytes());
        data.extend_from_slice(&[1, 0]);
        data.extend_from_slice(&flags.to_le_bytes());
        data.extend_from_slice(&0x030f_00b2u32.to_le_bytes());
        data.extend_from_slice(&0x030f_0000u32.to_le_bytes());
        data
    }

    #[test]
    fn ok_record_through_in_place_pointer() {
        let data = slot_and_record(0x7);
        let info = image(0x1000, &data).find_abi_info(|_, v| Some(v));
        let info = info.expect("record found");
        assert_eq!(info.flags, 7);
        assert_eq!(info.build_version, 0x030f_00b2);
        assert!(info.is_stable() && info.is_gil() && info.is_free_threaded());
        assert!(!info.is_internal());
    }

    #[test]
    fn ok_none_when_resolver_is_unsure() {
        let data = slot_and_record(0x7);
        assert_eq!(image(0x1000, &data).find_abi_info(|_, _| None), None);
    }

    #[test]
    fn err_unknown_flags_rejected() {
        let data = slot_and_record(0x17);
        assert_eq!(image(0x1000, &data).find_abi_info(|_, v| Some(v)), None);
    }

    #[test]
    fn err_two_records_are_ambiguous() {
        let mut data = slot_and_record(0x3);
        // A second slot, at 0x1020, pointing at a second record at 0x1030.
        data.extend_from_slice(&[0; 4]);
        data.extend_from_slice(&[109, 0, 2, 0, 0, 0, 0, 0]);
        data.extend_from_slice(&0x1030u64.to_le_bytes());
        data.extend_from_slice(&[1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(image(0x1000, &data).find_abi_info(|_, v| Some(v)), None);
    }

    #[test]
    fn ok_two_slots_sharing_one_record() {
        let mut data = slot_and_record(0x3);
        data.extend_from_slice(&[0; 4]);
        data.extend_from_slice(&[109, 0, 2, 0, 0, 0, 0, 0]);
        data.extend_from_slice(&0x1010u64.to_le_bytes());
        let info = image(0x1000, &data).find_abi_info(|_, v| Some(v));
        assert_eq!(info.map(|i| i.flags), Some(3));
    }

    #[test]
    fn err_32_bit_not_searched() {
        let data = slot_and_record(0x7);
        let mut img = image(0x1000, &data);
        img.is_64 = false;
        assert_eq!(img.find_abi_info(|_, v| Some(v)), None);
    }
}
