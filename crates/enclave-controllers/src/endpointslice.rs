//! The endpointslice controller (being written; see issue 4).

use crate::{Context, Error};

/// Runs the endpointslice controller.
pub(crate) async fn run(_context: Context) -> Result<(), Error> {
    std::future::pending().await
}
