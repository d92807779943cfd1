//! The setup plan: validated inputs → Graph operations with explicit dependencies.
