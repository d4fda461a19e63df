//! `uniabi schema [NAME] [--write DIR]`: the JSON Schema of each `--json` document,
//! generated from the report types, so the schema cannot drift from the output.
//! `specs/schemas/` holds the same files; a test compares them.

use std::path::PathBuf;
use std::process::ExitCode;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;

use super::{CmdError, EXIT_OK};
use crate::output;

/// Arguments of `uniabi schema`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The document: inspect, check, tags, verify, lock, compare, merge, split, survey, specs or retag
    /// (or its full name, such as uniabi/check/1). Without it, list them.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Write every schema into DIR as NAME-VERSION.schema.json (how specs/schemas/ is made).
    #[arg(long, value_name = "DIR", conflicts_with = "name")]
    pub write: Option<PathBuf>,
}

/// One versioned JSON document and its schema.
pub struct Document {
    /// The value of its `schema` field: `uniabi/check/1`.
    pub id: &'static str,
    generate: fn() -> schemars::Schema,
}

impl Document {
    /// The short name: `check`.
    pub fn name(&self) -> &'static str {
        self.id.split('/').nth(1).unwrap_or(self.id)
    }

    /// The file name under `specs/schemas/`: `check-1.schema.json`.
    pub fn file_name(&self) -> String {
        format!("{}.schema.json", self.id.trim_start_matches("uniabi/").replace('/', "-"))
    }

    /// The schema, with its `schema` field pinned to the document's name.
    pub fn schema(&self) -> serde_json::Value {
        let mut value = (self.generate)().to_value();
        value["title"] = self.id.into();
        value["properties"]["schema"] = serde_json::json!({ "const": self.id });
        value
    }

    /// The schema as the committed file holds it (pretty JSON and a newline).
    pub fn text(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.schema()).unwrap_or_default();
        s.push('\n');
        s
    }
}

fn root<T: JsonSchema>() -> schemars::Schema {
    SchemaSettings::draft2020_12().for_serialize().into_generator().into_root_schema_for::<T>()
}

/// Every `--json` document uniabi prints.
pub fn documents() -> Vec<Document> {
    vec![
        Document { id: output::schema::INSPECT, generate: root::<super::inspect::Report> },
        Document { id: output::schema::CHECK, generate: root::<super::check::Report> },
        Document { id: output::schema::TAGS, generate: root::<super::tags::Report> },
        Document { id: output::schema::VERIFY, generate: root::<super::verify::Report> },
        Document { id: output::schema::LOCK, generate: root::<super::verify::LockReport> },
        Document { id: output::schema::COMPARE, generate: root::<crate::compare::Report> },
        Document { id: output::schema::MERGE, generate: root::<crate::merge::Report> },
        Document { id: output::schema::SPLIT, generate: root::<crate::merge::Report> },
        Document { id: output::schema::SURVEY, generate: root::<crate::survey::Report> },
        Document { id: output::schema::SPECS, generate: root::<super::specs::Report<'static>> },
        Document { id: output::schema::RETAG, generate: root::<super::retag::Report> },
    ]
}

/// Run `uniabi schema`.
pub fn run(args: Args) -> Result<ExitCode, CmdError> {
    let docs = documents();
    if let Some(dir) = &args.write {
        std::fs::create_dir_all(dir)
            .map_err(|e| CmdError::with_source(format!("{}: cannot create the directory", dir.display()), e))?;
        for d in &docs {
            let path = dir.join(d.file_name());
            std::fs::write(&path, d.text())
                .map_err(|e| CmdError::with_source(format!("{}: cannot write the schema", path.display()), e))?;
        }
        return Ok(super::exit(EXIT_OK));
    }
    match &args.name {
        None => output::to_stdout(|out| {
            for d in &docs {
                writeln!(out, "{:<8} {:<18} specs/schemas/{}", d.name(), d.id, d.file_name())?;
            }
            Ok(())
        })?,
        Some(name) => {
            let Some(d) = docs.iter().find(|d| d.name() == name || d.id == name) else {
                let names: Vec<&str> = docs.iter().map(Document::name).collect();
                return Err(CmdError::new(format!("no document named '{name}': use one of {}", names.join(", "))));
            };
            output::to_stdout(|out| out.write_all(d.text().as_bytes()))?;
        }
    }
    Ok(super::exit(EXIT_OK))
}
