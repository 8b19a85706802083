"""The 'runtime' the tests exec: reports its pid, argv and environment as JSON on stdout."""
import json
import os
import sys

json.dump({"pid": os.getpid(), "argv": sys.argv, "env": dict(os.environ)}, sys.stdout)
