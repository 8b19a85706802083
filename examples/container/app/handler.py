"""The example function: reports which of its settings arrived, never their values.

The wrapper has put the parameters under /prod/myapp into the environment before this module was
imported, so configuration read at import time (as here) already sees them.
"""

import os

DB_HOST = os.environ.get("DB_HOST")


def fn(event, context):
    return {
        "db_host_configured": DB_HOST is not None,
        "db_password_configured": bool(os.environ.get("DB_PASSWORD")),
        "parameter_path": f"/{os.environ.get('APP_ENV')}/{os.environ.get('APP_PARAMS_PATH')}",
    }
