"""`signon keys` (the key file) and `signon user` (organizer accounts)."""

from __future__ import annotations

import sys

import click

from signon.cli.common import open_keyring, read_settings, run_with_db
from signon.crypto import KeyFileError, create_key_file
from signon.db import Database


@click.group()
def keys() -> None:
    """The key file that encrypts personal data (keep it out of database backups)."""


@keys.command("init")
def keys_init() -> None:
    """Create the key file (never overwrites one)."""
    settings = read_settings()
    try:
        create_key_file(settings.data_key_file)
    except KeyFileError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created {settings.data_key_file} (mode 0600): back it up separately")


@keys.command("rotate")
@click.option(
    "--grace",
    default=5.0,
    show_default=True,
    type=float,
    help="Seconds to let running processes pick up the new key before re-encrypting.",
)
def keys_rotate(grace: float) -> None:
    """Re-encrypt all personal data under a new key, and redo every address lookup hash under
    a new index key, while Signon keeps running."""
    from signon.services.indexkeys import rotate_index_key
    from signon.services.keys import rotate_keys

    settings = read_settings()
    open_keyring(settings)
    key_file = settings.data_key_file
    try:
        lookups = run_with_db(settings, lambda db: rotate_index_key(db, key_file, grace))
        report = run_with_db(settings, lambda db: rotate_keys(db, key_file, grace))
    except (KeyFileError, RuntimeError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"new index key; redid {lookups.rehashed} address lookup hashes")
    for detached, kept in lookups.detached:
        click.echo(
            f"signature {detached} has the address of signature {kept} in the same campaign "
            "(signed twice as the rotation began): if both are confirmed, reject one"
        )
    click.echo(
        f"new key {report.new_key_id}; re-encrypted {report.reencrypted} values; "
        f"retired {', '.join(report.retired_key_ids)}"
    )


@click.group()
def user() -> None:
    """Organizer accounts."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--admin", is_flag=True, help="A site admin: sees everything, manages accounts.")
def user_create(email: str, admin: bool) -> None:
    """Create an organizer account. Asks for a password on a terminal, or generates one."""
    from signon.services.accounts import AccountError, AccountService, generate_password

    settings = read_settings()
    keyring = open_keyring(settings)
    generated = not sys.stdin.isatty()
    if generated:
        password = generate_password()
    else:
        password = click.prompt(
            "Password (empty: generate one)",
            default="",
            hide_input=True,
            confirmation_prompt=True,
            show_default=False,
        )
        generated = not password
        password = password or generate_password()

    async def run(db: Database) -> int:
        accounts = AccountService(db, keyring, settings.session_idle, settings.session_lifetime)
        return await accounts.create_user(email, password, is_admin=admin)

    try:
        run_with_db(settings, run)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created {'site admin' if admin else 'organizer'} {email}")
    if generated:
        click.echo(f"password: {password}")
    click.echo(f"log in at {settings.base_url}/admin/login")
