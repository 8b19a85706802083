"""The 'runtime' the tests exec: reports its pid, argv and environment as JSON on stdout.

The two credential secrets are reported as present or not, never as values, so that nothing a
test captures (or pytest shows on a failure) can carry them.
"""

import json
import os
import sys

HIDDEN = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
env = {k: ("<set>" if k in HIDDEN else v) for k, v in os.environ.items()}
json.dump({"pid": os.getpid(), "argv": sys.argv, "env": env}, sys.stdout)
