//! The entries the manifests list, as both the files and the views hold them:
//! abi3t's opaque structs, rules and internal symbols, abi2026's choices and
//! added symbols, and the kind of a Stable ABI item. A leaf of `specs/`: the
//! raw file shapes and the views import it, never the reverse.

use serde::{Deserialize, Serialize};

/// The kind of a Stable ABI item: the table it is listed under in `stable_abi.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// `[function.PyModule_Create2]`: an exported function.
    Function,
    /// `[data.PyExc_TypeError]`: an exported variable.
    Data,
    /// `[struct.PyModuleDef]`: a structure (its layout may or may not be stable).
    Struct,
    /// `[macro.Py_mod_abi]`: a macro (the local manifest also writes constants this way).
    Macro,
    /// `[const.Py_T_INT]`: a constant (upstream's own kind).
    Const,
    /// `[typedef.Py_ssize_t]`: a type name.
    Typedef,
    /// `[feature_macro.MS_WINDOWS]`: a platform condition named by other items' `ifdef`.
    FeatureMacro,
}

impl ItemKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [ItemKind; 7] = [
        ItemKind::Function,
        ItemKind::Data,
        ItemKind::Struct,
        ItemKind::Macro,
        ItemKind::Const,
        ItemKind::Typedef,
        ItemKind::FeatureMacro,
    ];

    /// The table name in `stable_abi.toml`: `function`, `feature_macro`…
    pub fn table(self) -> &'static str {
        match self {
            ItemKind::Function => "function",
            ItemKind::Data => "data",
            ItemKind::Struct => "struct",
            ItemKind::Macro => "macro",
            ItemKind::Const => "const",
            ItemKind::Typedef => "typedef",
            ItemKind::FeatureMacro => "feature_macro",
        }
    }

    /// The kind listed under table `name`, if it is one.
    pub fn from_table(name: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.table() == name)
    }

    /// Whether items of this kind are linked names a binary imports (functions and data).
    pub fn is_symbol(self) -> bool {
        matches!(self, ItemKind::Function | ItemKind::Data)
    }
}

/// A struct that is opaque in abi3t.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpaqueStruct {
    pub name: String,
    /// Where the rule comes from (a PEP section).
    pub source: String,
}

/// A Stable ABI function that a pure abi3t module cannot use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Abi3tRule {
    pub symbol: String,
    /// Why abi3t code cannot use it.
    pub reason: String,
    /// What to use instead.
    pub replacement: String,
    /// A `PyInit_` shim for older interpreters may import it when the module also exports
    /// `PyModExport_`.
    pub shim_ok: bool,
    /// Where the rule comes from (a PEP section, or what it follows from).
    pub source: String,
}

/// An internal free-threading symbol that never belongs in a stable-ABI binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InternalSymbol {
    pub symbol: String,
    /// What the interpreter uses it for.
    pub reason: String,
    /// Where it is declared.
    pub source: String,
}

/// What every report says next to a value PEP 809 does not specify.
pub const PROTOTYPE_LABEL: &str = "prototype choice, not specified by PEP 809";

/// A value PEP 809 may or may not specify, with a note saying which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtoChoice {
    pub value: String,
    /// False when PEP 809 is silent and the value is this prototype's choice.
    pub pep_specified: bool,
    /// Why this value.
    pub note: String,
}

impl ProtoChoice {
    /// [`PROTOTYPE_LABEL`] when the value is not specified by PEP 809.
    pub fn label(&self) -> Option<&'static str> {
        (!self.pep_specified).then_some(PROTOTYPE_LABEL)
    }
}

/// A symbol PEP 809 adds to the frozen set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddedSymbol {
    pub symbol: String,
    pub kind: ItemKind,
    pub source: String,
}
