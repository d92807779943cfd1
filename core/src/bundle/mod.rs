//! The hand-off bundle: mailgrant-bundle/1 JSON, README.txt, .env, .ics reminder, vendor test scripts, age encryption.
