#!/bin/sh
"true" '''\'
# This header is both POSIX sh and Python; to Python it is one string. Run as a program, /bin/sh
# reads it first and either execs the command itself (the fast path: nothing to load) or execs
# python3 on this file in isolated mode (-I: the function's PYTHONPATH and PYTHON* variables cannot
# change what runs; -S: no site-packages scan, a faster start; -B: write no bytecode next to the
# file). Python then runs this file through the import system's loader, which takes the bytecode
# that build_layer.sh ships in __pycache__/ when it matches this interpreter and this exact source
# (a hash-checked .pyc), and compiles the source otherwise: compiling costs ~20 ms a start.
#
# The promise: the command gets exactly the environment the wrapper was given, plus what was
# loaded, minus the references resolved, on either path. Neither the shell nor CPython keeps it:
# - dash imports only names that are shell identifiers: `db.password=ssm:/x` never reaches its
#   variables, nor anything it execs; bash passes such names on. Both keep the last of a name
#   given twice (getenv, and so every runtime, reads the first) and drop entries without a name.
# - Both set PWD to the working directory (adding it when absent); bash adds SHLVL=0 when absent
#   and drops `_`. Their `export -p` cannot be parsed reliably (bash writes $'...\n').
# - CPython's C-locale coercion (PEP 538) sets LC_CTYPE=C.UTF-8 when the locale is C or missing;
#   -I cannot stop it (PYTHONCOERCECLOCALE is an environment variable, ignored under -I).
# So the shell decides from /proc/$$/environ: the kernel's copy of the environment this process
# was exec'd with (proc(5)), which no shell edits. One `tr` turns its NULs into lines (~1 ms; a
# Python start is ~12 ms). The fast path is taken only when every entry is NAME=value with a name
# seen once, no entry asks for a load (APP_PARAMS_PATH, an SSM_ENV_* setting, a value starting
# with ssm: -- case-sensitive, as settings.py reads them) and AWS_MAX_ATTEMPTS, which Python
# would validate, is plainly valid; then `env -i` execs the command with exactly those entries,
# whatever the shell changed. A value holding a line break shows up as a line without `=`: that,
# and any other doubt (no /proc, no tr or env, a command the shell cannot find, a large
# environment), goes to Python. Python is handed the same /proc/$$/environ in base64 (lines of
# at most 131068 characters: one argument may hold 128 KiB, MAX_ARG_STRLEN in linux/binfmts.h)
# and restores os.environ from it before it reads any setting, so it sees and passes on what the
# shell dropped or changed, and undoes its own LC_CTYPE. An entry that is not NAME=value cannot
# be passed on by any exec'ing program: the wrapper then stops with one line. Without /proc or
# base64 (not Linux) Python gets "-" and works from the environment the shell passed on.
case "$1" in
    -* | check | export | help | "" | *=*) ;;
    *)
        if given=$(tr '\0' '\n' 2>/dev/null < /proc/$$/environ && echo .) && [ -x /usr/bin/env ] \
                && [ "${#given}" -le 65536 ]; then
            case $given in
                "
"* | *"

"*) ;;
                *)
                    fast=1 seen='
'
                    IFS='
'
                    set -f
                    for entry in ${given%.}; do
                        name=${entry%%=*}
                        case $name in
                            "$entry" | "" | APP_PARAMS_PATH | SSM_ENV_*) fast= ; break ;;
                            AWS_MAX_ATTEMPTS)
                                case ${entry#*=} in [1-9] | [1-9][0-9] | 100) ;; *) fast= ; break ;; esac ;;
                        esac
                        case ${entry#*=} in ssm:*) fast= ; break ;; esac
                        case $seen in *"
$name
"*) fast= ; break ;; esac
                        seen="$seen$name
"
                    done
                    if [ -n "$fast" ]; then
                        case "$1" in
                            */*) if [ -f "$1" ] && [ -x "$1" ]; then
                                     exec /usr/bin/env -i -- ${given%.} "$@"
                                 fi ;;
                            *) case "$(command -v -- "$1")" in
                                   /*) exec /usr/bin/env -i -- ${given%.} "$@" ;;
                               esac ;;
                        esac
                    fi ;;
            esac
        fi ;;
esac
handover=-
if given=$(base64 -w 131068 2>/dev/null < /proc/$$/environ); then handover="=$given"; fi
exec python3 -I -S -B -c 'import sys
from importlib.machinery import SourceFileLoader


def restore(argv):
    """Take the handover out of argv; put the environment as given back into os.environ."""
    import os
    end = argv.index(".", 2)
    handover = "".join(argv[2:end])
    argv[:] = argv[1:2] + argv[end + 1:]
    if handover[:1] != "=":
        return
    import binascii
    given = {}
    for entry in binascii.a2b_base64(handover[1:]).split(bytes(1))[:-1]:
        name, equals, value = entry.partition(b"=")
        if not (name and equals):
            sys.exit("ssm-env-wrapper: the environment holds an entry that is not NAME=value, "
                     "which cannot be passed on; start the wrapper with a clean environment")
        given.setdefault(name, value)  # the first, as getenv reads it
    environ = os.environb
    for name in [name for name in environ if name not in given]:
        del environ[name]
    for name, value in given.items():
        if environ.get(name) != value:
            environ[name] = value


restore(sys.argv)
del restore
main = sys.modules["__main__"]
main.__file__ = sys.argv[0]
exec(SourceFileLoader("__main__", sys.argv[0]).get_code("__main__"), main.__dict__)' "$0" $handover . "$@"
'''
