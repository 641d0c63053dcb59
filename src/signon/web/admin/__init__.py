"""The organizers' pages under /admin: server-rendered, CSRF-protected, session-authenticated."""
