//! OpenAPI v3 documents of the served group versions (for kubectl validation and explain).
