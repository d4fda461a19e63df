//! Integration tests, built as one binary.

mod bench_remote;
mod binary;
mod check;
mod common;
mod compare;
mod hostile;
mod inspect;
mod merge;
mod remote;
mod server;
mod specs;
mod survey;
mod tags;
mod universal;
mod verify;
