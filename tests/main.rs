//! Integration tests, built as one binary.

mod binary;
mod check;
mod common;
mod compare;
mod hostile;
mod inspect;
mod judgement;
mod merge;
mod readme;
mod retag;
mod specs;
mod survey;
mod survey_html;
mod tags;
mod universal;
mod verify;
