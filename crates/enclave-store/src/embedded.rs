//! The durable embedded backend on disk (the default store).
