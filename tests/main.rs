//! Integration tests, built as one binary.

mod binary;
mod common;
mod hostile;
mod inspect;
mod specs;
mod tags;
