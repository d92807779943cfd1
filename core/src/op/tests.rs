//! Each operation as data: (operation, step, answer) → what comes next.
