//! Integration tests, built as one binary.

mod binary;
mod check;
mod common;
mod compare;
mod config;
mod hostile;
mod inspect;
mod judgement;
mod merge;
mod readme;
mod retag;
mod schema;
mod specs;
mod survey;
mod survey_html;
mod tags;
mod terminal;
mod universal;
mod verify;
