//! OpenID Connect sign-in logic (pure): discovery, PKCE authorize URL, callback and ID-token checks.
