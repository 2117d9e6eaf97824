//! Unit tests of the tracker over records built from the documented formats; the end-to-end
//! ones (fixtures through `transform_log`) are in tests/track.rs.
