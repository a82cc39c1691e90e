//! Desired EndpointSlices of a Service (being written).
