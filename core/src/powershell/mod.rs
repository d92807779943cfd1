//! Exchange Online PowerShell generation. All quoting happens in one place.
