//! Integration tests, built as one binary.

mod bench_remote;
mod binary;
mod check;
mod common;
mod compare;
mod config;
mod hostile;
mod inspect;
mod interrupt;
mod json_schema;
mod judgement;
mod lock;
mod merge;
mod readme;
mod remote;
mod retag;
mod schema;
mod server;
mod specs;
mod survey;
mod survey_html;
mod tags;
mod terminal;
mod trust;
mod universal;
mod verify;
