//! Tests, by topic.
