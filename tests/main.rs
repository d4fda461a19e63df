//! Integration tests, built as one binary.

mod binary;
mod check;
mod common;
mod compare;
mod config;
mod hostile;
mod inspect;
mod merge;
mod schema;
mod specs;
mod survey;
mod tags;
mod terminal;
mod universal;
mod verify;
