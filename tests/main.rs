//! Integration tests, built as one binary.

mod binary;
mod check;
mod common;
mod compare;
mod inspect;
mod merge;
mod specs;
mod survey;
mod tags;
mod universal;
