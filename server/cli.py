"""`plenum serve`: run the embedded server (one process, no Redis) with a meeting ready."""

import argparse
import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

import uvicorn

from server import data_folder
from server.app import create_app
from server.settings import Settings
from server.web.serving import uvicorn_options

DEMO_TITLE = "Forum Lokalnych Liderów Społecznych"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="plenum")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server (settings from the environment)")
    serve.add_argument("--host", help="address to listen on (HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (PORT, default 8000)")
    args = parser.parse_args(argv)

    env = dict(os.environ)
    if args.host is not None:
        env["HOST"] = args.host
    if args.port is not None:
        env["PORT"] = str(args.port)
    try:
        settings = with_kept_tokens(Settings.from_env(env), env)
    except (ValueError, OSError) as error:
        parser.exit(2, f"plenum: {error}\n")
    if not settings.demo_title:
        settings = dataclasses.replace(settings, demo_title=DEMO_TITLE)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        **uvicorn_options(settings),
    )


def with_kept_tokens(settings: Settings, env: Mapping[str, str]) -> Settings:
    """The secret and the admin token kept in the data folder, unless the environment sets them:
    links stay valid across restarts, and the organiser can read the admin token there."""
    folder = Path(settings.data_dir)
    secret, admin_token = settings.secret, settings.admin_token
    if not env.get("PLENUM_SECRET"):
        secret = data_folder.kept_token(folder, data_folder.SECRET_FILE)
    if not env.get("PLENUM_ADMIN_TOKEN"):
        admin_token = data_folder.kept_token(folder, data_folder.ADMIN_TOKEN_FILE)
    return dataclasses.replace(settings, secret=secret, admin_token=admin_token)
