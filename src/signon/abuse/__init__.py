"""Defences of the public sign form against floods of fake signatures and mail bombing.

Small pure building blocks, wired into the sign endpoint elsewhere:

- `formtoken`: a signed hidden field that dates the form and carries a proof-of-work challenge.
- `pow`: a hashcash-like proof of work the browser solves (static/sign.js) and the server checks.
- `domains`: blocked and disposable email domains.
- `ratelimit`: counters and single-use marks, in memory or in Redis, under keyed hashes.

None of them stores or logs an email address or an IP address in the clear.
"""
