//! The pure decisions of the service-side controllers (scheduler, Endpoints, EndpointSlices,
//! ServiceAccounts): objects in, desired state or actions out, no I/O and no clock.

pub(crate) mod accounts;
pub(crate) mod endpoints;
pub(crate) mod endpointslices;
pub(crate) mod quantity;
pub(crate) mod scheduling;

#[cfg(test)]
mod in_process_tests;
