//! WebAssembly side modules, as Emscripten builds them and Pyodide loads them
//! (PEP 783): a `.so` whose imports come from the `env` module (functions) and
//! the `GOT.mem` / `GOT.func` modules (addresses of data and functions), whose
//! exports are the module hooks, and whose `dylink.0` custom section lists the
//! libraries it needs.
//!
//! The `object` crate reads the sections; it reports each import module as a
//! file symbol followed by that module's imports as undefined symbols.

use object::read::wasm::WasmFile;
use object::{Object, ObjectSection, ObjectSymbol, SymbolKind, SymbolScope};

use super::{Binary, BinaryError, Format, Import, Slice, text};

/// The import modules whose every entry names a symbol another module (or the
/// interpreter) defines: data addresses and function addresses. From `env`
/// only the functions are symbols; its memory, table and globals
/// (`__stack_pointer`, `__memory_base`) are the loader's.
const GOT_MODULES: [&str; 2] = ["GOT.mem", "GOT.func"];

/// `WASM_DYLINK_NEEDED`: the `dylink.0` subsection listing needed libraries.
const DYLINK_NEEDED: u8 = 2;

/// Parse a WebAssembly module.
pub(super) fn parse(data: &[u8]) -> Result<Binary, BinaryError> {
    let file = WasmFile::<&[u8]>::parse(data).map_err(malformed)?;
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    let mut module: Option<String> = None;
    for sym in file.symbols() {
        let name = text(sym.name_bytes().map_err(malformed)?);
        if sym.kind() == SymbolKind::File {
            // An import module's name starts its imports; the unnamed file symbol ends them.
            module = (sym.scope() == SymbolScope::Dynamic && !name.is_empty()).then_some(name);
        } else if sym.is_undefined() {
            let is_symbol = match module.as_deref() {
                Some("env") => sym.kind() == SymbolKind::Text,
                Some(m) => GOT_MODULES.contains(&m),
                None => false,
            };
            if is_symbol {
                imports.push(Import { name, library: None, weak: false });
            }
        } else if sym.scope() == SymbolScope::Dynamic && !name.is_empty() {
            exports.push(name);
        }
    }
    // A side module reaches its own data through `GOT.mem` too: those entries are not imports.
    imports.retain(|i| !exports.contains(&i.name));
    let libraries = match file.section_by_name("dylink.0") {
        Some(section) => needed(section.data().map_err(malformed)?)?,
        None => Vec::new(),
    };
    let arch = if file.is_64() { "wasm64" } else { "wasm32" };
    Ok(Binary { format: Format::Wasm, slices: vec![Slice::new(arch.to_string(), imports, exports, libraries, None)] })
}

fn malformed(err: object::read::Error) -> BinaryError {
    BinaryError::object(Format::Wasm, err)
}

/// The libraries the `dylink.0` section's `WASM_DYLINK_NEEDED` subsection lists.
fn needed(mut data: &[u8]) -> Result<Vec<String>, BinaryError> {
    let mut out = Vec::new();
    while let Some((&kind, rest)) = data.split_first() {
        let (size, rest) = leb(rest)?;
        let (payload, rest) = split(rest, size)?;
        if kind == DYLINK_NEEDED {
            let (count, mut names) = leb(payload)?;
            for _ in 0..count {
                let (len, after) = leb(names)?;
                let (name, after) = split(after, len)?;
                out.push(text(name));
                names = after;
            }
        }
        data = rest;
    }
    Ok(out)
}

/// An unsigned LEB128 number of at most 32 bits, and the bytes after it.
fn leb(data: &[u8]) -> Result<(usize, &[u8]), BinaryError> {
    let mut value: u32 = 0;
    for (i, &byte) in data.iter().enumerate().take(5) {
        value |= u32::from(byte & 0x7f).checked_shl(7 * i as u32).unwrap_or(0);
        if byte & 0x80 == 0 {
            let value = usize::try_from(value).map_err(|_| bad_dylink())?;
            return Ok((value, data.get(i + 1..).unwrap_or_default()));
        }
    }
    Err(bad_dylink())
}

fn split(data: &[u8], len: usize) -> Result<(&[u8], &[u8]), BinaryError> {
    if len <= data.len() { Ok(data.split_at(len)) } else { Err(bad_dylink()) }
}

fn bad_dylink() -> BinaryError {
    BinaryError::malformed(Format::Wasm, "the dylink.0 section runs past its end")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_needed_libraries() {
        // WASM_DYLINK_MEM_INFO (ignored), then NEEDED with two names.
        let section = [1, 2, 0xaa, 0xbb, 2, 12, 2, 4, b'l', b'i', b'b', b'a', 5, b'l', b'i', b'b', b'b', b'2'];
        assert_eq!(needed(&section).unwrap(), ["liba", "libb2"]);
        assert!(needed(&[]).unwrap().is_empty());
    }

    #[test]
    fn err_dylink_past_its_end() {
        let err = needed(&[2, 9, 1, 4, b'l']).unwrap_err();
        assert_eq!(err.to_string(), "malformed wasm file: the dylink.0 section runs past its end");
        assert!(needed(&[2, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err(), "a size longer than 32 bits");
    }

    #[test]
    fn err_not_a_module() {
        let err = parse(b"\0asm\x02\0\0\0").unwrap_err();
        assert!(err.to_string().starts_with("malformed wasm file: "), "{err}");
    }
}
