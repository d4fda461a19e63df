//! uniabi: what CPython extension modules import, what their wheels claim, and
//! whether one binary can serve every build (PEP 803 `abi3t`, PEP 809 `abi2026`).
//!
//! The library holds everything; `main.rs` only parses arguments and dispatches
//! to one `cmd::*::run` per subcommand.

pub mod analysis;
pub mod binary;
pub mod budget;
pub mod check;
pub mod cleanup;
pub mod cmd;
pub mod color;
pub mod compare;
pub mod config;
pub mod environment;
pub mod input;
pub mod lock;
pub mod merge;
pub mod naming;
pub mod output;
pub mod pool;
pub mod record;
pub mod remote;
pub mod retag;
pub mod schema;
pub mod specs;
pub mod suffixes;
pub mod survey;
pub mod survey_jsonl;
pub mod tags;
pub mod universal;
pub mod verify;
pub mod version;
pub mod wheel;
pub mod wheel_metadata;
pub mod wheel_writer;
