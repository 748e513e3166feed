// A mailwarden package installed on the test machine (the package suite does
// that) must not become the default config of every other suite: point the
// system config at a path that never exists unless a test chooses otherwise.
process.env.MAILWARDEN_SYSTEM_CONFIG ??= '/nonexistent/mailwarden-tests/mailwarden.json';
