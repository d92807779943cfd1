//! The executor: runs a plan's operations (concurrently where the dependencies allow), with retries, a journal and undo. Sans-I/O.
