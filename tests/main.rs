//! Integration tests, built as one binary.

mod common;
mod inspect;
mod tags;
