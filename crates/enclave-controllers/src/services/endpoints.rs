//! Desired Endpoints of a Service (being written).
