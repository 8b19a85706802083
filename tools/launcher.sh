#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
"true" '''\'
# This header is both POSIX sh and Python; to Python it is one string. Run as a program, /bin/sh
# reads it first: with nothing to load (no APP_PARAMS_PATH, no SSM_ENV_* setting, no ssm:
# reference) it execs the command itself without starting Python; otherwise it execs python3 on
# this file in isolated mode (-I: the function's PYTHONPATH and PYTHON* variables cannot change
# what runs; -S: no site-packages scan, a faster start; -B: write no bytecode next to the file).
# Python then runs this file through the import system's loader, which takes the bytecode that
# build_layer.sh ships in __pycache__/ when it matches this interpreter and this exact source
# (a hash-checked .pyc), and compiles the source otherwise: compiling costs ~20 ms a start.
# The shell's fast path only takes commands it can find; everything else goes to Python.
case "$1" in
    -* | check | export | help | "") ;;
    *)
        case "
$(export -p)" in
            *"
export APP_PARAMS_PATH="* | *"
export SSM_ENV_"* | *"
declare -x APP_PARAMS_PATH="* | *"
declare -x SSM_ENV_"* | *"='ssm:"* | *'="ssm:'*) ;;
            *)
                case "$1" in
                    */*) if [ -f "$1" ] && [ -x "$1" ]; then exec "$@"; fi ;;
                    *) case "$(command -v -- "$1")" in /*) exec "$@" ;; esac ;;
                esac ;;
        esac ;;
esac
exec python3 -I -S -B -c 'import sys
from importlib.machinery import SourceFileLoader
sys.argv[:1] = []
main = sys.modules["__main__"]
main.__file__ = sys.argv[0]
exec(SourceFileLoader("__main__", sys.argv[0]).get_code("__main__"), main.__dict__)' "$0" "$@"
'''
